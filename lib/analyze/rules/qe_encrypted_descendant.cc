// Why: MQL reaches encrypted fields in ways a Django lookup never does. A predicate on a whole
// sub-document (`{nested: {ssn: "1"}}`, `{nested: {$in: [...]}}`) compares the stored document,
// whose encrypted fields are ciphertext, with plaintext: it silently matches nothing. An update
// operator that computes from the stored value ($inc, $push, $min, $rename...) cannot work on
// ciphertext either; only $set (a new value, encrypted by the driver) and $unset can change an
// encrypted field, as MongoDB's Queryable Encryption documentation lists for update operations.
// Query analysis for the crypt_shared front end (lib/mql) refuses both rather than let the
// command through unmarked.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {

void ReportEncryptedDescendant(Context& ctx, std::string_view path, std::string_view encrypted_path,
                               Span span) {
  ctx.Report(Category::kNotSupportedError, "qe.encrypted_descendant",
             std::format("Invalid operation on path '{}' which contains the encrypted path '{}': "
                         "the stored sub-document holds ciphertext, so comparing it with a "
                         "plaintext value matches nothing.",
                         path, encrypted_path),
             span);
}

void ReportUpdateOperator(Context& ctx, std::string_view op, std::string_view path, Span span) {
  ctx.Report(Category::kNotSupportedError, "qe.update_operator",
             std::format("Update operator '{}' cannot be applied to '{}', which is or contains an "
                         "encrypted field: only $set and $unset can change an encrypted value.",
                         op, path),
             span);
}

}  // namespace querysafe::analyze::rules
