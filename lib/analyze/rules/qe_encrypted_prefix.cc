// Why: an EncryptedEmbeddedModelField (or an encrypted array) is stored as one ciphertext. The
// server cannot see the sub-document's fields, so `patient_record__billing__cc_type="Visa"`
// cannot match anything; MongoDB's query analysis rejects it with 51102 and so do we, with the
// same message (django-mongodb-backend's test_encrypted_embedded_model_field_subfields_not_
// queryable expects it). Without query analysis the server would compare a path that does not
// exist in the stored document and silently return nothing.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {

void ReportEncryptedPrefix(Context& ctx, std::string_view path, Span span) {
  ctx.Report(
      Category::kNotSupportedError, "qe.encrypted_path_prefix",
      std::format("Invalid operation on path '{}' which contains an encrypted path prefix.", path),
      span, 51102);
}

}  // namespace querysafe::analyze::rules
