#include "lib/lower/text_options.h"

namespace querysafe::lower {

void AppendTextOptions(std::span<const schema::QuerySpec* const> indexes, bson_t* out) {
  const schema::QuerySpec* first = nullptr;
  for (const schema::QuerySpec* q : indexes) {
    if (q != nullptr && schema::IsTextQuery(q->type)) {
      first = q;
      break;
    }
  }
  if (first == nullptr) return;
  // The server requires the same sensitivities on every text index of a field (9783409,
  // 9783410), so the first one speaks for all.
  BSON_APPEND_BOOL(out, "caseSensitive", first->case_sensitive.value_or(true));
  BSON_APPEND_BOOL(out, "diacriticSensitive", first->diacritic_sensitive.value_or(true));
  for (const schema::QuerySpec* q : indexes) {
    if (q == nullptr || !schema::IsTextQuery(q->type)) continue;
    const schema::TextKind kind = schema::TextKindOf(q->type);
    const char* name = kind == schema::TextKind::kPrefix   ? "prefix"
                       : kind == schema::TextKind::kSuffix ? "suffix"
                                                           : "substring";
    bson_t block;
    BSON_APPEND_DOCUMENT_BEGIN(out, name, &block);
    if (kind == schema::TextKind::kSubstring && q->str_max_length) {
      BSON_APPEND_INT32(&block, "strMaxLength", *q->str_max_length);
    }
    if (q->str_max_query_length) {
      BSON_APPEND_INT32(&block, "strMaxQueryLength", *q->str_max_query_length);
    }
    if (q->str_min_query_length) {
      BSON_APPEND_INT32(&block, "strMinQueryLength", *q->str_min_query_length);
    }
    bson_append_document_end(out, &block);
  }
}

schema::QueryType ExactMatchQueryType(std::span<const schema::QuerySpec* const> indexes) {
  bool prefix = false, suffix = false, preview = false;
  for (const schema::QuerySpec* q : indexes) {
    if (q == nullptr || !schema::IsTextQuery(q->type)) continue;
    preview = preview || schema::IsTextPreview(q->type);
    const schema::TextKind kind = schema::TextKindOf(q->type);
    prefix = prefix || kind == schema::TextKind::kPrefix;
    suffix = suffix || kind == schema::TextKind::kSuffix;
  }
  using schema::QueryType;
  if (prefix && suffix) return preview ? QueryType::kSubstringPreview : QueryType::kSubstring;
  if (prefix) return preview ? QueryType::kSuffixPreview : QueryType::kSuffix;
  return preview ? QueryType::kPrefixPreview : QueryType::kPrefix;
}

}  // namespace querysafe::lower
