// Robustness: hostile inputs (deep nesting, long chains, huge input, invalid
// UTF-8, NUL bytes) end in an AST or a diagnostic, never a crash, an exception
// or a stack overflow; and no AST is deeper than ParseOptions::max_depth, so
// later stages may recurse. No timing assertions: speed is measured in bench/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "lib/common/arena.h"
#include "lib/parse/parse.h"
#include "querysafe/diagnostic.h"
#include "tests/parse/ast_depth.h"

namespace querysafe {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<std::string> Codes(const ParseResult& r) {
  std::vector<std::string> codes;
  for (const Diagnostic& d : r.diagnostics) codes.push_back(d.code);
  return codes;
}

// The invariants every result keeps, whatever the input.
void ExpectWellFormed(const ParseResult& r, std::string_view text, const ParseOptions& options) {
  EXPECT_EQ(r.query == nullptr, !r.diagnostics.empty());
  EXPECT_LE(r.diagnostics.size(), options.max_diagnostics);
  for (size_t i = 0; i < r.diagnostics.size(); ++i) {
    EXPECT_LE(r.diagnostics[i].span.begin, r.diagnostics[i].span.end);
    EXPECT_LE(r.diagnostics[i].span.end, text.size());
    if (i > 0) {
      EXPECT_LE(r.diagnostics[i - 1].span.begin, r.diagnostics[i].span.begin);
    }
  }
  if (r.query != nullptr) {
    EXPECT_LE(testing_internal::Depth(*r.query), options.max_depth);
  }
}

// The AST points into `text`: callers that look at its strings keep `text`
// alive.
ParseResult Parse(std::string_view text, Arena* arena, const ParseOptions& options = {}) {
  ParseResult r = ParseQuery(text, options, arena);
  ExpectWellFormed(r, text, options);
  return r;
}

TEST(ParseLimits, HundredThousandNestedQIsTooDeep) {
  Arena arena;
  const std::string text =
      "Patient.objects.filter(" + Repeat("Q(", 100000) + "a=1" + Repeat(")", 100000) + ")";
  const ParseResult r = Parse(text, &arena);
  EXPECT_THAT(Codes(r), ElementsAre("syntax.too_deep"));
  EXPECT_EQ(r.diagnostics[0].message, "too many nested brackets (the limit is 200)");
}

TEST(ParseLimits, HundredThousandOpeningBracketsAreTooDeep) {
  for (const char* open : {"(", "[", "{"}) {
    Arena arena;
    const ParseResult r = Parse("Patient.objects.filter(a=" + Repeat(open, 100000), &arena);
    EXPECT_THAT(Codes(r), ElementsAre("syntax.too_deep")) << open;
  }
}

TEST(ParseLimits, HundredThousandPrefixOperatorsAreRejected) {
  for (const char* op : {"~", "-", "+", "not "}) {
    Arena arena;
    const ParseResult r = Parse("Patient.objects.filter(" + Repeat(op, 100000) + "Q(a=1))", &arena);
    EXPECT_THAT(Codes(r), ElementsAre("syntax.too_large")) << op;
  }
}

TEST(ParseLimits, ThousandInversionsExceedTheAstDepth) {
  Arena arena;
  const ParseResult r = Parse("Patient.objects.filter(" + Repeat("~", 1000) + "Q(a=1))", &arena);
  EXPECT_THAT(Codes(r), ElementsAre("syntax.too_deep"));
}

TEST(ParseLimits, ThousandSignsFoldIntoOneLiteral) {
  Arena arena;
  const ParseResult r = Parse("Patient.objects.filter(a=" + Repeat("-", 1000) + "1)", &arena);
  ASSERT_NE(r.query, nullptr);
  const ast::Expr* value = r.query->steps[0].condition->children[0]->Cast<ast::Lookup>().value;
  EXPECT_EQ(value->Cast<ast::IntLit>().value, 1);
}

TEST(ParseLimits, HundredThousandOrChainIsTooLargeByDefault) {
  Arena arena;
  const std::string text = "Patient.objects.filter(" + Repeat("Q(a=1) | ", 100000) + "Q(a=1))";
  ASSERT_LT(text.size(), ParseOptions{}.max_input_bytes);
  const ParseResult r = Parse(text, &arena);
  EXPECT_THAT(Codes(r), ElementsAre("syntax.too_large"));
}

TEST(ParseLimits, LongOrChainIsOneFlatNode) {
  ParseOptions options;
  options.max_nodes = 10000000;
  Arena arena;
  const std::string text = "Patient.objects.filter(" + Repeat("Q(a=1) | ", 100000) + "Q(a=1))";
  const ParseResult r = Parse(text, &arena, options);
  ASSERT_NE(r.query, nullptr);
  const ast::Q& condition = *r.query->steps[0].condition;
  ASSERT_THAT(condition.children, SizeIs(1));
  const ast::Q& chain = condition.children[0]->Cast<ast::Q>();
  EXPECT_EQ(chain.op, ast::Q::Op::kOr);
  EXPECT_THAT(chain.children, SizeIs(100001));
  EXPECT_EQ(testing_internal::Depth(*r.query),
            7);  // query, step, and, or, Q, lookup, int
}

TEST(ParseLimits, LongQuerySetChainExceedsTheAstDepth) {
  Arena arena;
  const ParseResult r = Parse(Repeat("A.objects.all() | ", 1000) + "A.objects.all()", &arena);
  EXPECT_THAT(Codes(r), ElementsAre("syntax.too_deep"));
}

TEST(ParseLimits, NestingUpToTheLimitIsAccepted) {
  // filter(Q(Q(...Q(a=1)...))): query, step, the filter's Q, n Q's, the lookup,
  // the int.
  ParseOptions options;
  options.max_depth = 20;
  const auto query = [](int n) {
    return "Patient.objects.filter(" + Repeat("Q(", static_cast<size_t>(n)) + "a=1" +
           Repeat(")", static_cast<size_t>(n)) + ")";
  };
  Arena arena;
  const ParseResult at_limit = Parse(query(15), &arena, options);
  ASSERT_NE(at_limit.query, nullptr);
  EXPECT_EQ(testing_internal::Depth(*at_limit.query), 20);
  const ParseResult beyond = Parse(query(16), &arena, options);
  EXPECT_THAT(Codes(beyond), ElementsAre("syntax.too_deep"));
}

TEST(ParseLimits, BracketDepthLimitIsConfigurable) {
  ParseOptions options;
  options.max_depth = 3;
  Arena arena;
  EXPECT_THAT(Codes(Parse("Patient.objects.filter(a=[[[1]]])", &arena, options)),
              ElementsAre("syntax.too_deep"));
}

TEST(ParseLimits, InputLargerThanTheLimitIsRejectedBeforeParsing) {
  Arena arena;
  const std::string text = "Patient.objects.filter(a=\"" + std::string(2 << 20, 'x') + "\")";
  const ParseResult r = Parse(text, &arena);
  EXPECT_THAT(Codes(r), ElementsAre("syntax.input_too_large"));
}

TEST(ParseLimits, LiteralSizeIsLimited) {
  ParseOptions options;
  options.max_literal_bytes = 16;
  Arena arena;
  EXPECT_THAT(Codes(Parse("Patient.objects.filter(a=\"0123456789abcdefX\")", &arena, options)),
              ElementsAre("parse.literal_too_large"));
  EXPECT_THAT(Codes(Parse("Patient.objects.filter(a=\"0123456789abcdef\")", &arena, options)),
              IsEmpty());
  EXPECT_THAT(Codes(Parse("Patient.objects.filter(a=12345678901234567)", &arena, options)),
              ElementsAre("parse.literal_too_large"));
  EXPECT_THAT(
      Codes(Parse("Patient.objects.filter(a=\"01234567\" + \"89abcdefX\")", &arena, options)),
      ElementsAre("parse.literal_too_large"));
}

TEST(ParseLimits, NulBytesAreRejectedWithTheirOffsets) {
  Arena arena;
  static constexpr char kText[] = "Patient.objects.filter(a=\"x\0y\", b=\0)";
  const std::string text(kText, sizeof kText - 1);
  const ParseResult r = Parse(text, &arena);
  ASSERT_THAT(Codes(r), ElementsAre("syntax.nul_byte", "syntax.nul_byte"));
  EXPECT_EQ(r.diagnostics[0].span, (Span{27, 28}));
  EXPECT_EQ(r.diagnostics[1].span, (Span{34, 35}));
  EXPECT_THAT(r.diagnostics[0].message, ::testing::HasSubstr("at byte 27"));
}

TEST(ParseLimits, NulCharactersFromEscapesAreAllowed) {
  Arena arena;
  const ParseResult r = Parse(R"(Patient.objects.filter(a="x\0y"))", &arena);
  ASSERT_NE(r.query, nullptr);
  EXPECT_EQ(r.query->steps[0]
                .condition->children[0]
                ->Cast<ast::Lookup>()
                .value->Cast<ast::StringLit>()
                .value,
            std::string_view("x\0y", 3));
}

TEST(ParseLimits, InvalidUtf8IsRejectedWithItsOffset) {
  struct Case {
    std::string bytes;
    const char* what;
  };
  const Case cases[] = {
      {"\x80", "a lone continuation byte"},
      {"\xC0\x80", "an overlong NUL"},
      {"\xE0\x80\xAF", "an overlong slash"},
      {"\xED\xA0\x80", "a surrogate"},
      {"\xF4\x90\x80\x80", "a code point above U+10FFFF"},
      {"\xF8\x88\x80\x80\x80", "a five-byte sequence"},
      {"\xC3", "a truncated sequence"},
      {"\xFF", "0xFF"},
  };
  for (const Case& c : cases) {
    Arena arena;
    const std::string text = "Patient.objects.filter(a=\"" + c.bytes + "\")";
    const ParseResult r = Parse(text, &arena);
    ASSERT_FALSE(r.diagnostics.empty()) << c.what;
    EXPECT_EQ(r.diagnostics[0].code, "syntax.invalid_utf8") << c.what;
    EXPECT_EQ(r.diagnostics[0].span.begin, 26u) << c.what;
    EXPECT_EQ(r.diagnostics[0].message, "invalid UTF-8 at byte 26") << c.what;
  }
}

TEST(ParseLimits, ValidUtf8OfEveryLengthIsAccepted) {
  Arena arena;
  const std::string text = "Patient.objects.filter(a=\"a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\")";
  const ParseResult r = Parse(text, &arena);
  ASSERT_NE(r.query, nullptr);
  EXPECT_EQ(r.query->steps[0]
                .condition->children[0]
                ->Cast<ast::Lookup>()
                .value->Cast<ast::StringLit>()
                .value,
            "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
}

TEST(ParseLimits, DiagnosticsAreCappedAndOrderedByPosition) {
  std::string text = "Patient.objects.filter(";
  for (int i = 0; i < 30; ++i) text += "a" + std::to_string(i) + "=1_, ";
  text += ")";
  Arena arena;
  const ParseResult r = Parse(text, &arena);
  ASSERT_THAT(r.diagnostics, SizeIs(20));
  EXPECT_TRUE(std::is_sorted(
      r.diagnostics.begin(), r.diagnostics.end(),
      [](const Diagnostic& a, const Diagnostic& b) { return a.span.begin < b.span.begin; }));
  ParseOptions few;
  few.max_diagnostics = 3;
  EXPECT_THAT(Parse(text, &arena, few).diagnostics, SizeIs(3));
}

TEST(ParseLimits, InterpreterDiagnosticsAreCappedToo) {
  std::string text = "Patient.objects.filter(";
  for (int i = 0; i < 30; ++i) text += "a" + std::to_string(i) + "=x, ";
  text += ")";
  Arena arena;
  const ParseResult r = Parse(text, &arena);
  EXPECT_THAT(r.diagnostics, SizeIs(20));
  EXPECT_THAT(r.diagnostics, ::testing::Each(Field(&Diagnostic::code, "parse.unknown_name")));
}

TEST(ParseLimits, CarriageReturnsAndFormFeedsAreWhitespace) {
  Arena arena;
  const std::string text = "Patient.objects.filter(\r\n\ta=1,\r\n\fb=\"\"\"x\r\ny\"\"\")";
  const ParseResult r = Parse(text, &arena);
  ASSERT_NE(r.query, nullptr);
  const ast::Q& q = *r.query->steps[0].condition;
  ASSERT_THAT(q.children, SizeIs(2));
  // Python reads "\r\n" inside a string literal as "\n".
  EXPECT_EQ(q.children[1]->Cast<ast::Lookup>().value->Cast<ast::StringLit>().value, "x\ny");
}

TEST(ParseLimits, ArenaIsReusableAfterReset) {
  Arena arena;
  const std::string text = "Patient.objects.filter(ssn=\"987-65-4320\")";
  for (int i = 0; i < 3; ++i) {
    const ParseResult r = Parse(text, &arena);
    ASSERT_NE(r.query, nullptr);
    EXPECT_EQ(r.query->model, "Patient");
    arena.Reset();
  }
}

}  // namespace
}  // namespace querysafe
