// Checks an encryption request before libmongocrypt sees it. libmongocrypt's
// explicit API encrypts whatever it is given: a value of the wrong BSON type
// makes tokens that silently match nothing, and some range options the server
// refuses (sparsity 9, a NaN bound) pass through it. Query analysis would have
// refused them; querysafe is the query analysis, so it refuses them here with
// the server's codes (src/mongo/crypto/encryption_fields_validation.cpp and
// src/mongo/db/query/fle/ in the server's source).
// Everything libmongocrypt does check itself (bounds, trim factor against the
// domain, precision domains) is left to it.
#ifndef QUERYSAFE_LIB_CRYPT_REQUEST_CHECK_H_
#define QUERYSAFE_LIB_CRYPT_REQUEST_CHECK_H_

#include <bson/bson.h>

#include <string_view>

#include "absl/status/status.h"
#include "lib/lower/encryption_request.h"

namespace querysafe::crypt {

// OK, or a RequestFailure (failure.h) naming the rule that the request breaks.
absl::Status CheckRequest(const lower::EncryptionRequest& request);

}  // namespace querysafe::crypt

#endif  // QUERYSAFE_LIB_CRYPT_REQUEST_CHECK_H_
