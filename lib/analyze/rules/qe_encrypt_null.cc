// Why: QE stores no token for null, and an encrypted field can never be null (django-mongodb-
// backend refuses `null=True` on encrypted fields; the seed lists "They cannot be null"). So
// update(field=None), or a bound parameter that makes an update value None, has nothing to
// encrypt: libmongocrypt refuses it and query analysis would report 31041. (Comparisons with
// null are the null-equality rule's, qe_null_equality.cc.)

#include "lib/analyze/rules/rules.h"
#include "lib/analyze/rules/server_rules.h"

namespace querysafe::analyze::rules {

void ReportEncryptNull(Context& ctx, Span span) {
  ctx.Report(Category::kNotSupportedError, "qe.encrypt_null",
             UnencryptableTypeMessage("null") + " (encrypted fields do not support null=True).",
             span, kUnencryptableTypeServerCode);
}

}  // namespace querysafe::analyze::rules
