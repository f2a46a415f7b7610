// How lib/crypt reports a request it could not encrypt. Encrypt() returns
// absl::Status ("could not complete"), whose message names the request (path,
// id, span); the status also carries what a caller needs to show it as a
// diagnostic with a caret under the value in the query text:
//
//   absl::StatusOr<EncryptedRequest> r = encryptor.Encrypt(request);
//   if (!r.ok()) {
//     std::optional<Diagnostic> d = crypt::DiagnosticFromStatus(r.status());
//     ...
//   }
#ifndef QUERYSAFE_LIB_CRYPT_FAILURE_H_
#define QUERYSAFE_LIB_CRYPT_FAILURE_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "lib/lower/encryption_request.h"
#include "querysafe/diagnostic.h"

namespace querysafe::crypt {

// What went wrong, in diagnostic terms.
struct FailureKind {
  Category category = Category::kDatabaseError;
  std::string_view code;    // stable: "crypt.out_of_bounds", "crypt.key_not_found", ...
  int32_t server_code = 0;  // the server's or query analysis's code for the same rule, if any
};

// A status with `code`, the message "cannot encrypt the value for '<path>'
// (request <id>, bytes <begin>-<end>): <reason>", and the kind and span
// attached as a payload.
absl::Status RequestFailure(absl::StatusCode code, const lower::EncryptionRequest& request,
                            const FailureKind& kind, std::string_view reason);

// The diagnostic a failed Encrypt() stands for; nullopt for statuses not made
// by RequestFailure (I/O errors and the like, which callers report as they
// are).
std::optional<Diagnostic> DiagnosticFromStatus(const absl::Status& status);

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_FAILURE_H_
