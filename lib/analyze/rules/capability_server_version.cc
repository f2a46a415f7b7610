// Why: QE query types arrived over several server versions: equality in 7.0, range in 8.0 (7.0
// had only the 'rangePreview' protocol, which libmongocrypt >= 1.11 no longer produces), the
// text previews (prefixPreview, suffixPreview, substringPreview) in 8.2, and the generally
// available text types (prefix, suffix, substring) in 9.0. A query for a type the server lacks
// fails there with an obscure error; the ORM user should hear which version it needs. 9.0 still
// answers the previews on collections created with them (the server accepts a preview field for
// a 9.0 payload: hasQueryTypeOrPreview in its FLE payload validation), so they stay allowed there.
//
// The text types also need a libmongocrypt that can encrypt them: the previews 1.15 to 1.20 (1.21
// removed them: "Query type 'prefixPreview' is deprecated, please use 'prefix'"), prefix and
// suffix 1.19, substring 1.20 (its changelog). When the query will be encrypted (explain, run) and
// the linked library cannot (Debian 13: 1.13), the refusal names the version needed; translate
// still shows the command.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {

bool CheckQueryTypeAvailable(Context& ctx, const bound::FieldRef& field,
                             const schema::QuerySpec& index, Span span) {
  const ServerVersion server = ctx.options().server_version;
  const std::string_view type = schema::QueryTypeName(index.type);
  const bool text = schema::IsTextQuery(index.type);
  const bool preview = schema::IsTextPreview(index.type);
  ServerVersion needed{7, 0};
  if (index.type == schema::QueryType::kRange) needed = {8, 0};
  if (preview) needed = {8, 2};
  if (text && !preview) needed = {9, 0};
  if (server < needed) {
    std::string why;
    if (index.type == schema::QueryType::kRange) {
      why =
          "; 7.0 had only the 'rangePreview' protocol, which libmongocrypt 1.11+ no longer "
          "produces";
    } else if (text && !preview) {
      why = std::format("; 8.2 has only the '{}Preview' query type", type);
    }
    ctx.Report(Category::kNotSupportedError, "capability.server_version",
               std::format("Encrypted '{}' queries on '{}' need MongoDB {}.{} or later; the server "
                           "is {}.{}{}.",
                           type, ServerPath(field), needed.major, needed.minor, server.major,
                           server.minor, why),
               span);
    return false;
  }
  if (!text || !ctx.options().require_encryptable) return true;
  const EncryptSupport& support = ctx.options().encrypt;
  if (preview && !support.text_preview && support.text_preview_removed) {
    const std::string_view kind = type.substr(0, type.size() - std::string_view("Preview").size());
    ctx.Report(Category::kNotSupportedError, "capability.text_preview_encryption",
               std::format("querysafe is linked with libmongocrypt {}, which no longer encrypts "
                           "'{}' queries (libmongocrypt 1.21 removed the 8.2 text previews); "
                           "declare the field's query type as '{}' (MongoDB 9.0) instead. "
                           "`translate` still shows the command.",
                           support.crypt_version, type, kind),
               span);
    return false;
  }
  std::string_view version;
  if (preview && !support.text_preview) {
    version = "1.15";
  } else if (!preview && schema::TextKindOf(index.type) == schema::TextKind::kSubstring &&
             !support.text_substring) {
    version = "1.20";
  } else if (!preview && !support.text) {
    version = "1.19";
  }
  if (version.empty()) return true;
  // The previews kept their code from before 9.0's types existed.
  ctx.Report(Category::kNotSupportedError,
             preview ? "capability.text_preview_encryption" : "capability.text_encryption",
             std::format("querysafe is linked with libmongocrypt {}, which cannot encrypt '{}' "
                         "queries (they need libmongocrypt {} or later); `translate` shows the "
                         "command, but it cannot be encrypted here.",
                         support.crypt_version.empty() ? std::string_view("(unknown)")
                                                       : support.crypt_version,
                         type, version),
             span);
  return false;
}

}  // namespace querysafe::analyze::rules
