// Django's pattern lookups (iexact, contains, icontains, startswith, istartswith, endswith,
// iendswith, regex, iregex) in aggregation-expression form, for what the path form's $regex
// cannot say: the text of a value that is not stored as a string (or of a transform's result),
// and a pattern taken from another field (`name__startswith=F("nickname")`).

#include <string>
#include <string_view>

#include "lib/lower/lowering.h"
#include "lib/lower/regex_escape.h"

namespace querysafe::lower {

namespace {

// The characters PCRE gives a meaning outside a character class (without the `x` option, which
// querysafe never sets), the backslash first so that the escapes added after it stay single.
// A backslash before any of them means that character, in PCRE and in every regex dialect
// that matters here. The constant form (regex_escape.cc) escapes more, which is harmless.
constexpr std::string_view kMetaCharacters = "\\^$.|?*+()[]{}";

// The value of `e` with every metacharacter escaped, at run time: {$replaceAll: {input:
// {$replaceAll: ...}, find: "c", replacement: "\\c"}}, one level per metacharacter, the
// backslash innermost. MongoDB has no regex-escape operator; $replaceAll (4.4) is the one that
// says this (https://www.mongodb.com/docs/manual/reference/operator/aggregation/replaceAll/).
void WriteEscaped(Lowering& l, BsonWriter& w, BsonKey key, const bound::Expr& e, size_t count) {
  if (count == 0) {
    l.WriteExpr(w, key, e);
    return;
  }
  const char c = kMetaCharacters[count - 1];
  const char replacement[2] = {'\\', c};
  w.BeginDocument(key);
  w.BeginDocument("$replaceAll");
  WriteEscaped(l, w, "input", e, count - 1);
  // As $literal: "$" alone would be read as a field path.
  w.BeginDocument("find");
  w.AppendUtf8("$literal", std::string_view(&c, 1));
  w.EndDocument();
  w.BeginDocument("replacement");
  w.AppendUtf8("$literal", std::string_view(replacement, 2));
  w.EndDocument();
  w.EndDocument();
  w.EndDocument();
}

// The text a pattern is matched against: the field itself when it is stored as a string (a UUID
// is stored as its text, as django-mongodb-backend stores it), else its text.
void WriteInput(BsonWriter& w, BsonKey key, const bound::Predicate& p) {
  const size_t n = p.transforms.size();
  if (n == 0 &&
      (schema::IsStringClass(p.value_class) || p.value_class == schema::FieldClass::kUUID)) {
    WriteLhs(w, key, p, n);
    return;
  }
  w.BeginDocument(key);
  if (p.value_class == schema::FieldClass::kDate) {
    // Django matches the text of the column, and a date's text is YYYY-MM-DD on every SQL
    // backend; $toString of the stored midnight would be 2024-01-31T00:00:00.000Z.
    w.BeginDocument("$dateToString");
    w.AppendUtf8("format", "%Y-%m-%d");
    WriteLhs(w, "date", p, n);
    w.EndDocument();
  } else {
    WriteLhs(w, "$toString", p, n);
  }
  w.EndDocument();
}

}  // namespace

void Lowering::WritePatternExpr(BsonWriter& w, const bound::Predicate& p) {
  const bound::Pattern pattern = bound::LookupOf(p.lookup).pattern;
  const Anchors anchors = AnchorsOf(pattern);
  const bool start = anchors.start;
  const bool end = anchors.end;
  const bool escaped = pattern != bound::Pattern::kRegex;
  auto write_match = [&](auto&& write_regex) {
    w.BeginDocument("$regexMatch");
    WriteInput(w, "input", p);
    write_regex("regex");
    if (bound::IsCaseInsensitiveLookup(p.lookup)) w.AppendUtf8("options", "i");
    w.EndDocument();
  };
  if (p.expr == nullptr) {
    // A constant: escaped and anchored here, as in path form (filter_lowering.cc).
    const bson_value_t& v = ValuesOf(p.values[0])[0];
    const std::string_view text(v.value.v_utf8.str, v.value.v_utf8.len);
    const std::string regex = PatternFor(pattern, text);
    write_match([&](BsonKey key) { w.AppendUtf8(key, regex); });
    return;
  }
  // Against another field: Django's SQL is `lhs LIKE '%' || <escaped other> || '%'` (UPPER() of
  // both sides for the i-variants), from PatternLookup.get_rhs_op and the PostgreSQL backend's
  // pattern_esc and pattern_ops; iexact is `UPPER(lhs) = UPPER(other)`, and regex/iregex are
  // `~` / `~*` with the other value as the regex (the backend's operators). Here the pattern is
  // built at run time: the other value escaped, between the anchors. In SQL a NULL on
  // either side makes the condition NULL, which no filter keeps; here it is false, so that a NOT
  // above it keeps the row, as Django's exclude() does (it adds `other IS NOT NULL` inside the
  // NOT). $cond evaluates only the branch it takes: $regexMatch never sees a null.
  ArrayWriter branches(w, "$cond");
  branches.BeginDocument();
  {
    ArrayWriter either(w, "$or");
    WriteIsNullOf(w, either.NextKey(), [&](BsonKey k) { WriteLhs(w, k, p, p.transforms.size()); });
    WriteIsNullOf(w, either.NextKey(), [&](BsonKey k) { WriteExpr(w, k, *p.expr); });
  }
  branches.EndDocument();
  w.AppendBool(branches.NextKey(), false);
  branches.BeginDocument();
  write_match([&](BsonKey key) {
    if (!escaped) {
      WriteExpr(w, key, *p.expr);
      return;
    }
    if (!start && !end) {
      WriteEscaped(*this, w, key, *p.expr, kMetaCharacters.size());
      return;
    }
    w.BeginDocument(key);
    {
      ArrayWriter parts(w, "$concat");
      if (start) w.AppendUtf8(parts.NextKey(), "^");
      WriteEscaped(*this, w, parts.NextKey(), *p.expr, kMetaCharacters.size());
      // \z, not $: $ also matches before a final newline (regex_escape.h).
      if (end) w.AppendUtf8(parts.NextKey(), "\\z");
    }
    w.EndDocument();
  });
  branches.EndDocument();
}

}  // namespace querysafe::lower
