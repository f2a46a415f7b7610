// Why: a text index (prefix, suffix, substring, and their 8.2 previews) only holds tokens for
// query strings between strMinQueryLength and strMaxQueryLength code points, counted after the
// index's case and diacritic folding. libmongocrypt refuses anything else when it builds the find
// payload (mc_text_search_str_query in src/mc-text-search-str-encode.c, whose messages these
// are), so `explain` and `run` would fail late and `translate` would print a command that can
// never be encrypted. An empty string is below every minimum (the minimum is at least 1): Django's
// `startswith=""` matches every non-null value, which no text index can answer.
//
// The count here is of the value's code points, less the combining diacritical marks when the
// index ignores diacritics (folding removes them; case folding maps one code point to one).
// libmongocrypt counts again, after its own folding, when it encrypts.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

bool IsCombiningMark(uint32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

// Code points of valid UTF-8 (coercion has checked it); marks skipped when `fold_diacritics`.
uint32_t FoldedLength(std::string_view s, bool fold_diacritics) {
  uint32_t n = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (i + len > s.size()) len = s.size() - i;
    uint32_t c = len == 1 ? b : b & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (!(fold_diacritics && IsCombiningMark(c))) ++n;
    i += len;
  }
  return n;
}

}  // namespace

bool CheckTextQueryLength(Context& ctx, const bound::FieldRef& field,
                          const schema::QuerySpec& index, const bson_value_t& value, Span span) {
  if (value.value_type != BSON_TYPE_UTF8 || !index.str_min_query_length ||
      !index.str_max_query_length) {
    return true;
  }
  const bool fold_diacritics = index.diacritic_sensitive.has_value() && !*index.diacritic_sensitive;
  const uint32_t length = FoldedLength(
      std::string_view(value.value.v_utf8.str, value.value.v_utf8.len), fold_diacritics);
  const auto min = static_cast<uint32_t>(*index.str_min_query_length);
  const auto max = static_cast<uint32_t>(*index.str_max_query_length);
  if (length > max) {
    ctx.Report(Category::kValidationError, "qe.text_query_too_long",
               std::format("String value was longer than the maximum query length for this field "
                           "after folding -- folded codepoint len: {}, max query len: {} (field "
                           "'{}', {} index, strMaxQueryLength {}).",
                           length, max, ServerPath(field), schema::QueryTypeName(index.type), max),
               span);
    return false;
  }
  if (length < min) {
    ctx.Report(Category::kValidationError, "qe.text_query_too_short",
               std::format("String value was shorter than the minimum query length for this field "
                           "after folding -- folded codepoint len: {}, min query len: {} (field "
                           "'{}', {} index, strMinQueryLength {}).",
                           length, min, ServerPath(field), schema::QueryTypeName(index.type), min),
               span);
    return false;
  }
  return true;
}

}  // namespace querysafe::analyze::rules
