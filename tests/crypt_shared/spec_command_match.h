// The comparison of a command libmongocrypt produced with a driver spec test's expected
// `command_started_event` command (mongodb/specifications, source/transactions/tests/
// legacy-test-format.md, which the client-side-encryption legacy tests extend, and the legacy
// command-monitoring runner it points to):
// - at the top level of the command, every expected key must be there with a matching value, and
//   keys the expectation does not name are allowed (a driver adds lsid, $db, txnNumber,
//   $clusterTime...; the legacy runners "MUST allow for additional data to be present at the top
//   level of the command document"; they are returned for the caller to judge); an expected
//   null means the key must be absent;
// - below the top level, documents have the same keys and arrays the same length;
// - `{"$$type": "binData"}` matches any binary (insert payloads hold random IVs); the subtype-6
//   binaries it matched are returned so the caller can check their type byte and shape;
// - everything else is equal in BSON type and value (find payloads byte for byte).
#ifndef QUERYSAFE_TESTS_CRYPT_SHARED_SPEC_COMMAND_MATCH_H_
#define QUERYSAFE_TESTS_CRYPT_SHARED_SPEC_COMMAND_MATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"

namespace querysafe::testing {

// A subtype-6 binary that a `{"$$type": "binData"}` expectation matched.
struct MatchedPayload {
  std::string path;   // dotted path in the command ("documents.0.encryptedIndexed")
  std::string field;  // the last path component: the encrypted field's name
  std::vector<uint8_t> bytes;
};

struct CommandMatch {
  std::vector<std::string> differences;  // empty: the command matches
  std::vector<MatchedPayload> payloads;
  std::vector<std::string> extra_top_level;  // keys of the command the expectation does not name
};

CommandMatch MatchCommand(const bson_t* expected, const bson_t* actual);

// The command with each match expression it carries (find's filter, count's and findAndModify's
// query, the q of deletes and updates) written with explicit `$eq`: `{f: v}` becomes
// `{f: {$eq: v}}` where v is not an operator document, inside `$and`/`$or`/`$nor` too. The
// server's query analysis (mongocryptd, crypt_shared) reserializes the parsed match expression,
// and MatchExpression's serialization writes equality as `$eq`; querysafe leaves the command's
// unencrypted parts byte for byte as they came (issue 22), and writes an encrypted equality as
// `{f: <placeholder>}` (README, "Automatic encryption without Enterprise"). The two mean the same
// query and carry the same payload bytes.
BsonDoc WithExplicitEq(const bson_t* command);

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_CRYPT_SHARED_SPEC_COMMAND_MATCH_H_
