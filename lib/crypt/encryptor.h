// The Encryptor: turns lowering's encryption requests into the QE payloads
// MongoDB's own query analysis and drivers would produce, with libmongocrypt's
// explicit encryption API:
//   - equality find: algorithm "Indexed", query type "equality", the field's
//     contention -> FLE2FindEqualityPayloadV2 (type 12), deterministic;
//   - range find: algorithm "Range", query type "range", the field's range
//     options, through mongocrypt_ctx_explicit_encrypt_expression_init on
//     {$and: [{path: {$gt|$gte: lower}}, {path: {$lt|$lte: upper}}]} (either
//     side may be missing) -> FLE2FindRangePayloadV2 (type 13): the full
//     payload for the first bound, a stub for the second;
//   - inserts: "Indexed" and "Range" -> FLE2InsertUpdatePayloadV2 (type 11),
//     "Unindexed" -> FLE2UnindexedEncryptedValueV2 (type 16), including whole
//     embedded documents and arrays.
// Requests are checked first (request_check.h): a value must already have the
// field's BSON type.
//
// Keys: explicit encryption names the data key by keyId. libmongocrypt 1.13
// refuses a keyAltName together with any QE option ("cannot set both key alt
// name and index type", mongocrypt-ctx-encrypt.c, explicit_encrypt_init), so a
// KeyRef that has only an alt name is resolved to the key's _id through the
// KeySource; the mapping is remembered for as long as libmongocrypt keeps keys.
// Key documents are fed to libmongocrypt when a context asks for them
// (NEED_MONGO_KEYS); libmongocrypt then caches the unwrapped key in the shared
// mongocrypt_t, so the KeySource is asked once per key per cache lifetime, not
// once per query.
//
// KMS: a data key wrapped by a local master key unwraps in process. One wrapped
// by an aws, azure, gcp or kmip master key needs a round trip to that KMS,
// which the Encryptor makes only when its options give it a KmsTransport
// (kms_transport.h): execution always does (exec::Client, with its
// kms_tls_options); offline explain does not, so it never opens a socket, and
// such a key is then an error that says it needs the network. With a
// transport, libmongocrypt's KMS retries are on (3 retries with backoff). The
// unwrapped key is cached like any other, so the KMS is asked once per key
// per cache lifetime. A provider configured for on-demand credentials (an
// empty document, e.g. "aws": {}) is accepted, but a key that needs it is an
// error: querysafe does not fetch credentials from the environment or from
// instance metadata (the driver does, for the reads it decrypts).
//
// Thread safety: an Encryptor is safe to use from any number of threads at
// once. It owns one mongocrypt_t, whose functions libmongocrypt documents as
// thread safe (its key cache is locked); every call makes its own
// mongocrypt_ctx_t, which never leaves the calling thread. The alt-name map has
// its own mutex. The KeySource must itself be thread safe (key_source.h). Find
// payloads are the same bytes from any thread; a range payload's payloadId
// comes from libmongocrypt's process-wide counter (mutex-protected,
// mc-fle2-rfds.c), so it differs between calls.
#ifndef QUERYSAFE_LIB_CRYPT_ENCRYPTOR_H_
#define QUERYSAFE_LIB_CRYPT_ENCRYPTOR_H_

#include <bson/bson.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"
#include "lib/crypt/key_source.h"
#include "lib/crypt/kms_providers.h"
#include "lib/crypt/kms_transport.h"
#include "lib/crypt/payload.h"
#include "lib/lower/encryption_request.h"
#include "lib/schema/model.h"

// Opaque libmongocrypt handles (mongocrypt.h stays out of this header).
typedef struct _mongocrypt_t mongocrypt_t;
typedef struct _mongocrypt_ctx_t mongocrypt_ctx_t;
typedef struct _mongocrypt_binary_t mongocrypt_binary_t;

namespace querysafe::crypt {

struct EncryptorOptions {
  KmsProviders kms_providers;
  std::shared_ptr<const KeySource> key_source;
  // How long libmongocrypt keeps an unwrapped data key; zero keeps it for the
  // Encryptor's life. Unset: the key source's CacheExpiration() (forever for a
  // key file, whose keys cannot change; the driver's 60 s for a key vault
  // collection, so a deleted key stops working within a minute).
  std::optional<std::chrono::milliseconds> key_cache_expiration;
  // Carries KMS requests for keys wrapped by aws/azure/gcp/kmip master keys.
  // Null: offline, such keys are unusable (kFailedPrecondition).
  std::shared_ptr<const KmsTransport> kms_transport;
};

class Encryptor {
 public:
  // Errors: a key source missing, or KMS providers libmongocrypt refuses.
  static absl::StatusOr<std::unique_ptr<Encryptor>> Create(EncryptorOptions options);
  ~Encryptor();
  Encryptor(const Encryptor&) = delete;
  Encryptor& operator=(const Encryptor&) = delete;

  // The payload(s) for one request. On failure the status message names the
  // request (path, id, span) and DiagnosticFromStatus (failure.h) turns it into
  // a diagnostic. Status codes: kInvalidArgument for a value or options the
  // rules refuse (a range bound outside [min, max], a wrong type), kNotFound
  // for a data key that is not in the key source, kFailedPrecondition for a key
  // that cannot be used (its KMS provider needs the network and there is no
  // transport, is not configured, or wants on-demand credentials) or an error
  // reply from the KMS, kUnavailable / kDeadlineExceeded when the KMS cannot
  // be reached, kInternal for a malformed request or an unexpected
  // libmongocrypt failure. The diagnostic's code says which (failure.h).
  absl::StatusOr<EncryptedRequest> Encrypt(const lower::EncryptionRequest& request) const;
  // Every request, in order; stops at the first failure.
  absl::StatusOr<std::vector<EncryptedRequest>> EncryptAll(
      std::span<const lower::EncryptionRequest> requests) const;
  // The core of explain and execution: encrypts `requests` and returns
  // `command` with each placeholder replaced by its payload (see substitute.h
  // for the rules).
  absl::StatusOr<BsonDoc> FinishCommand(const bson_t* command,
                                        std::span<const lower::EncryptionRequest> requests) const;

  // Explicit decryption of a payload that carries a value: inserts (11:
  // libmongocrypt decrypts its user-key ciphertext `v`), Unindexed values (16)
  // and the stored Indexed/Range values a server returns (14, 15). Returns
  // {"v": value}. Find payloads (12, 13) carry tokens only:
  // kFailedPrecondition.
  absl::StatusOr<BsonDoc> Decrypt(std::span<const uint8_t> payload) const;

  // The keyId a KeyRef stands for: its key_id, or the _id of the key whose
  // keyAltNames has its key_alt_name (asked from the key source once per cache
  // lifetime).
  absl::StatusOr<KeyId> ResolveKey(const schema::KeyRef& key) const;

  const KmsProviders& kms_providers() const { return options_.kms_providers; }

 private:
  Encryptor(EncryptorOptions options, std::chrono::milliseconds expiration);

  // Drives a context to READY and finalizes it into `out`, whose data stays
  // valid until the context is destroyed (no copy: this is the hot path).
  absl::Status Run(mongocrypt_ctx_t* ctx, mongocrypt_binary_t* out) const;
  absl::Status FeedKeys(mongocrypt_ctx_t* ctx) const;
  absl::Status ProvideCredentials(mongocrypt_ctx_t* ctx) const;
  absl::StatusOr<EncryptedRequest> EncryptChecked(const lower::EncryptionRequest& request) const;

  struct AltNameEntry {
    KeyId id{};
    std::chrono::steady_clock::time_point resolved;
  };

  EncryptorOptions options_;
  std::chrono::milliseconds expiration_;
  mongocrypt_t* crypt_ = nullptr;
  mutable std::mutex alt_names_mutex_;
  mutable std::map<std::string, AltNameEntry, std::less<>> alt_names_;
};

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_ENCRYPTOR_H_
