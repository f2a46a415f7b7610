// KMS providers: where the master keys that wrap data keys live. The document
// built here has the shape libmongocrypt (mongocrypt_setopt_kms_providers) and
// mongoc (mongoc_auto_encryption_opts_set_kms_providers,
// mongoc_client_encryption_opts_set_kms_providers) both take, so the execution
// stage passes it through unchanged:
//   {"local": {"key": BinData(0, 96 bytes)},
//    "aws": {"accessKeyId": ..., ...}, "kmip": {...}}
//
// Only "local" is usable offline: its key is in the document. aws, azure, gcp
// and kmip master keys are unwrapped by a network round trip to the KMS, which
// the Encryptor makes when it has a KmsTransport (kms_transport.h; execution
// always gives it one) and the driver makes for the replies it decrypts;
// without a transport (offline explain), a data key wrapped by one of them is
// an error (see encryptor.h).
//
// KmsProviders is an immutable value once built; copies are independent.
#ifndef QUERYSAFE_LIB_CRYPT_KMS_PROVIDERS_H_
#define QUERYSAFE_LIB_CRYPT_KMS_PROVIDERS_H_

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"

namespace querysafe::crypt {

// A local master key is 96 bytes: libmongocrypt's requirement (and the
// drivers' spec).
inline constexpr size_t kLocalMasterKeySize = 96;

// Reads a local master key given on a command line or in a configuration file:
//   "<base64>"  the base64 text of the 96 bytes (whitespace is ignored);
//   "@<path>"   a file holding either exactly the 96 raw bytes, or their
//               base64 text.
// A file of exactly 96 bytes is taken as raw: base64 of 96 bytes is 128
// characters, so the two forms cannot be confused. Errors say which form was
// expected and what was found (wrong length, bad base64, unreadable file); they
// never echo key material.
absl::StatusOr<std::string> ParseLocalMasterKey(std::string_view argument);

// 96 bytes from the operating system's CSPRNG (getrandom(2)).
absl::StatusOr<std::string> NewLocalMasterKey();

// Standard base64 with padding, as `querysafe keys new-master-key` prints keys.
std::string Base64Encode(std::string_view bytes);

class KmsProviders {
 public:
  // No provider: every data key is then unusable; only useful to build one up
  // with Set().
  KmsProviders() = default;

  // A single "local" provider with the given 96-byte key.
  static absl::StatusOr<KmsProviders> Local(std::span<const uint8_t> key);
  // A single "local" provider from ParseLocalMasterKey(argument).
  static absl::StatusOr<KmsProviders> FromLocalKeyArgument(std::string_view argument);
  // A kms_providers document as drivers take it. Provider names are "aws",
  // "azure", "gcp", "kmip", "local", or a named provider "<type>:<name>"
  // (libmongocrypt >= 1.9). A local key may be binary or base64 text and must
  // be 96 bytes; the other providers' options are passed through for
  // libmongocrypt and mongoc to check.
  static absl::StatusOr<KmsProviders> FromDocument(const bson_t* document);

  // Adds or replaces one provider, validated as FromDocument does.
  absl::Status Set(std::string_view name, const bson_t* options);

  // The kms_providers document, local keys as BinData subtype 0.
  const BsonDoc& document() const { return document_; }
  bool Has(std::string_view name) const;
  std::vector<std::string> Names() const;

  // True for providers whose master key unwraps without a network round trip:
  // "local" and "local:<name>".
  static bool IsLocal(std::string_view provider);

 private:
  BsonDoc document_;
};

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_KMS_PROVIDERS_H_
