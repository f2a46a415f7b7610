// The MQL front end's entry point: the command libmongocrypt hands to query analysis (the
// driver's command plus `encryptionInformation` and `$db`), in; the reply mongocryptd and
// crypt_shared give, out:
//   {hasEncryptionPlaceholders: bool, schemaRequiresEncryption: bool, result: <marked command>,
//    ok: 1}
// `result` is the command with FLE2 placeholders where encrypted values go and nothing else
// changed, but `$db`, which the server's query analysis does not return either (libmongocrypt
// puts it back: mongocrypt-ctx-encrypt.c, _fle2_finalize). libmongocrypt strips and re-appends
// `encryptionInformation` itself, so it is left in.
//
// Pure and thread-safe: no globals; each call compiles the encryptedFields it is given.
#ifndef QUERYSAFE_LIB_MQL_ANALYZE_COMMAND_H_
#define QUERYSAFE_LIB_MQL_ANALYZE_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/common/bson_util.h"
#include "querysafe/diagnostic.h"

namespace querysafe::mql {

struct CommandAnalysis {
  BsonDoc reply;            // empty when `diagnostics` is not empty
  Diagnostics diagnostics;  // spans are byte offsets into the command, locations BSON paths
  int placeholders = 0;
};

// `ns` is "db.coll", the namespace libmongocrypt names for the command. Never throws.
CommandAnalysis AnalyzeCommand(const uint8_t* bson, size_t len, std::string_view ns);

}  // namespace querysafe::mql

#endif  // QUERYSAFE_LIB_MQL_ANALYZE_COMMAND_H_
