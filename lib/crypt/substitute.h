// Placeholder substitution: the last step before a command is shown (explain)
// or sent (execution). Lowering leaves a placeholder where each payload goes
// (lib/lower/encryption_request.h):
//   {"$encrypt": {"id": <request id>,
//                 "role": "value" | "lower" | "upper", ...}}
// and this replaces each with BinData(6, payload). Other keys in the
// placeholder ("path", "queryType", ...) are for the translate output only.
//
// The rules make a half-encrypted command impossible:
//   - every placeholder is replaced exactly once: one that names an unknown
//     request id, or a role the request has no payload for, is an error, and
//     so is the same (id, role) twice;
//   - every payload is used: a request's payload with no placeholder is an
//     error (a range find whose stub is missing would be refused by the
//     server, 7030700);
//   - a document with a "$encrypt" key that is not a well-formed placeholder
//     is an error, so no placeholder-like text reaches the server;
//   - a "lower" payload must sit under $gt/$gte and an "upper" one under
//     $lt/$lte when it sits under a comparison at all (match form
//     {f: {$gt: P}} or aggregate form {$gt: ["$f", P]}): the server checks the
//     same (7030711).
#ifndef QUERYSAFE_LIB_CRYPT_SUBSTITUTE_H_
#define QUERYSAFE_LIB_CRYPT_SUBSTITUTE_H_

#include <bson/bson.h>

#include <span>

#include "absl/status/statusor.h"
#include "lib/common/bson_util.h"
#include "lib/crypt/payload.h"

namespace querysafe::crypt {

// `command` with its placeholders replaced; kInvalidArgument naming the
// placeholder otherwise.
absl::StatusOr<BsonDoc> SubstitutePlaceholders(const bson_t* command,
                                               std::span<const EncryptedRequest> payloads);

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_SUBSTITUTE_H_
