// Making data keys offline: what `querysafe keys create`, `./dev demo` and the
// tests use to get a throwaway key vault. A data key is 96 random bytes made
// and wrapped by libmongocrypt (mongocrypt_ctx_datakey_init) under a local
// master key; the result is a key vault document, ready for
// AppendToKeyVaultFile or for insertion into a key vault collection.
#ifndef QUERYSAFE_LIB_CRYPT_DATA_KEY_H_
#define QUERYSAFE_LIB_CRYPT_DATA_KEY_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"
#include "lib/crypt/kms_providers.h"

namespace querysafe::crypt {

// A new data key document {_id, keyAltNames, keyMaterial, creationDate,
// updateDate, status: 0, masterKey: {provider}} wrapped by `provider`'s master
// key, which must be a local provider ("local" or "local:<name>") present in
// `kms`. Alt names must be distinct and non-empty.
absl::StatusOr<BsonDoc> CreateLocalDataKey(const KmsProviders& kms,
                                           std::span<const std::string> alt_names,
                                           std::string_view provider = "local");

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_DATA_KEY_H_
