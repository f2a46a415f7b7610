// The result of encrypting one request: QE payloads, each the content of a BSON
// binary of subtype 6 whose first byte says what it is (libmongocrypt's
// mc-fle-blob-subtype-private.h).
#ifndef QUERYSAFE_LIB_CRYPT_PAYLOAD_H_
#define QUERYSAFE_LIB_CRYPT_PAYLOAD_H_

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace querysafe::crypt {

// The first byte of a QE v2 payload.
enum class PayloadType : uint8_t {
  kInsertUpdate = 11,  // FLE2InsertUpdatePayloadV2: Indexed and Range inserts (random)
  kFindEquality = 12,  // FLE2FindEqualityPayloadV2 (deterministic)
  kFindRange = 13,     // FLE2FindRangePayloadV2, full payload or stub (deterministic but
                       // for the payloadId, a process-wide counter)
  kUnindexed = 16,     // FLE2UnindexedEncryptedValueV2 (random)
};

// Whether a payload's first byte names a find payload: tokens for the server to
// match on, with no encrypted value in it. 5 and 10 are the v1 equality and range
// find payloads, 12 and 13 their v2 forms, 18 the text find payload
// (libmongocrypt's mc-fle-blob-subtype-private.h).
constexpr bool IsFindPayloadType(uint8_t type) {
  return type == 5 || type == 10 || type == static_cast<uint8_t>(PayloadType::kFindEquality) ||
         type == static_cast<uint8_t>(PayloadType::kFindRange) || type == 18;
}

struct Payload {
  std::vector<uint8_t> bytes;

  // The first byte; 0 for an empty payload.
  uint8_t type() const { return bytes.empty() ? 0 : bytes.front(); }
  friend bool operator==(const Payload&, const Payload&) = default;
};

// The payloads of one lower::EncryptionRequest, by the role its placeholders
// name.
struct EncryptedRequest {
  uint32_t id = 0;
  std::optional<Payload> value;  // "value": equality find, or a value to store
  // "lower"/"upper": a range find, as encrypt_expression places them: the bound
  // that comes first in {$and: [{path: {$gt|$gte: lower}}, {path: {$lt|$lte:
  // upper}}]} gets the full payload, the other the stub (same payloadId, no
  // edges). A one-sided range has only one of them.
  std::optional<Payload> lower;
  std::optional<Payload> upper;

  // The payload for a placeholder role, or null if this request has none for
  // it.
  const Payload* ForRole(std::string_view role) const {
    const std::optional<Payload>* slot = role == "value"   ? &value
                                         : role == "lower" ? &lower
                                         : role == "upper" ? &upper
                                                           : nullptr;
    return slot != nullptr && slot->has_value() ? &**slot : nullptr;
  }
};

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_PAYLOAD_H_
