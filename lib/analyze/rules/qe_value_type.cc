// Why: the BSON type of an encrypted value is part of what gets encrypted, and the collection's
// encryptedFields fixes it. A value Django passes through unconverted (bytes expected, a str
// given) would reach the server as the wrong type: query analysis rejects it (31118); with
// explicit encryption it would encrypt to tokens that match nothing.

#include "lib/analyze/rules/rules.h"
#include "lib/analyze/rules/server_rules.h"

namespace querysafe::analyze::rules {

void ReportUnencryptableValue(Context& ctx, const bound::FieldRef& field,
                              std::string_view value_type, Span span) {
  ctx.Report(Category::kNotSupportedError, "qe.value_type",
             ValueTypeMessage(value_type, schema::BsonTypeName(field.encrypted->bson_type)), span,
             kValueTypeServerCode);
}

}  // namespace querysafe::analyze::rules
