// The grammar on its own: the shape of the syntax tree (flat chains, prefix
// lists, trailers), recovery, limits, and the lookup-key split.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "grammar/identifier.h"
#include "grammar/parse_syntax.h"
#include "grammar/syntax_tree.h"
#include "lib/common/arena.h"

namespace querysafe::grammar {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

struct Parsed {
  Arena arena;
  Diagnostics diagnostics;
  const syntax::Node* root = nullptr;
};

std::unique_ptr<Parsed> Parse(std::string_view text, Limits limits = {}) {
  auto p = std::make_unique<Parsed>();
  p->root = ParseSyntax(text, limits, &p->arena, &p->diagnostics);
  return p;
}

std::vector<std::string> Split(std::string_view key) {
  std::vector<std::string> out;
  for (const Span s : SplitLookupKey(key)) {
    out.emplace_back(key.substr(s.begin, s.end - s.begin));
  }
  return out;
}

TEST(SplitLookupKey, IsPythonStrSplit) {
  // Each expectation is Python's key.split("__").
  EXPECT_THAT(Split("a"), ElementsAre("a"));
  EXPECT_THAT(Split("a__b__c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Split("a___b"), ElementsAre("a", "_b"));
  EXPECT_THAT(Split("a____b"), ElementsAre("a", "", "b"));
  EXPECT_THAT(Split("a_____b"), ElementsAre("a", "", "_b"));
  EXPECT_THAT(Split("__a"), ElementsAre("", "a"));
  EXPECT_THAT(Split("a__"), ElementsAre("a", ""));
  EXPECT_THAT(Split("___"), ElementsAre("", "_"));
  EXPECT_THAT(Split(""), ElementsAre(""));
  EXPECT_THAT(Split("é__ü"), ElementsAre("é", "ü"));
}

TEST(Identifier, FollowsPythonNames) {
  EXPECT_TRUE(IsIdentifier("a"));
  EXPECT_TRUE(IsIdentifier("_"));
  EXPECT_TRUE(IsIdentifier("snake_case_1"));
  EXPECT_TRUE(IsIdentifier("prénom"));
  EXPECT_TRUE(IsIdentifier("имя"));
  EXPECT_TRUE(IsIdentifier("日本"));
  EXPECT_TRUE(IsIdentifier("x\xCC\x81"));  // x + combining acute accent (a mark continues)
  EXPECT_FALSE(IsIdentifier(""));
  EXPECT_FALSE(IsIdentifier("1a"));
  EXPECT_FALSE(IsIdentifier("a-b"));
  EXPECT_FALSE(IsIdentifier("a b"));
  EXPECT_FALSE(IsIdentifier("€"));
  EXPECT_FALSE(IsIdentifier("😀"));
  EXPECT_FALSE(IsIdentifier("\xCC\x81x"));  // a mark cannot start a name
}

TEST(Identifier, KnowsPythonKeywords) {
  for (const char* kw : {"False", "None", "True", "and", "class", "def", "in", "is", "lambda",
                         "not", "or", "yield", "async", "await"}) {
    EXPECT_TRUE(IsPythonKeyword(kw)) << kw;
  }
  for (const char* soft : {"match", "case", "type", "_", "print", "self", "none"}) {
    EXPECT_FALSE(IsPythonKeyword(soft)) << soft;
  }
}

TEST(DecodeUtf8, RejectsMalformedSequences) {
  uint32_t cp;
  const auto decode = [&](std::string_view s) {
    return DecodeUtf8(s.data(), s.data() + s.size(), &cp);
  };
  EXPECT_EQ(decode("\xC3\xA9"), 2);
  EXPECT_EQ(cp, 0xE9u);
  EXPECT_EQ(decode("\xF0\x9F\x98\x80"), 4);
  EXPECT_EQ(cp, 0x1F600u);
  EXPECT_EQ(decode("\xEF\xBF\xBD"), 3);  // U+FFFD itself is valid
  for (std::string_view bad : {"\x80", "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC3"}) {
    EXPECT_EQ(decode(bad), 1);
    EXPECT_EQ(cp, 0xFFFDu);
  }
}

TEST(ParseSyntax, OperatorChainIsFlat) {
  const auto p = Parse("a | b & c - d * e");
  ASSERT_NE(p->root, nullptr);
  const auto& chain = p->root->Cast<syntax::Chain>();
  EXPECT_THAT(chain.operands, SizeIs(5));
  ASSERT_THAT(chain.ops, SizeIs(4));
  EXPECT_EQ(chain.ops[0].op, syntax::OpKind::kBitOr);
  EXPECT_EQ(chain.ops[1].op, syntax::OpKind::kBitAnd);
  EXPECT_EQ(chain.ops[2].op, syntax::OpKind::kSub);
  EXPECT_EQ(chain.ops[3].op, syntax::OpKind::kMul);
  EXPECT_EQ(chain.span, (Span{0, 17}));
}

TEST(ParseSyntax, WordOperatorsNeedWordBoundaries) {
  const auto p = Parse("a not in b is not c");
  ASSERT_NE(p->root, nullptr);
  const auto& chain = p->root->Cast<syntax::Chain>();
  ASSERT_THAT(chain.ops, SizeIs(2));
  EXPECT_EQ(chain.ops[0].op, syntax::OpKind::kNotIn);
  EXPECT_EQ(chain.ops[0].span, (Span{2, 8}));
  EXPECT_EQ(chain.ops[1].op, syntax::OpKind::kIsNot);
  // `android` is a name, not `and` + `roid`.
  const auto q = Parse("f(android)");
  EXPECT_THAT(q->diagnostics, IsEmpty());
}

TEST(ParseSyntax, PrefixOperatorsAreAList) {
  const auto p = Parse("-~-x");
  ASSERT_NE(p->root, nullptr);
  const auto& operand = p->root->Cast<syntax::Operand>();
  ASSERT_THAT(operand.prefix, SizeIs(3));
  EXPECT_EQ(operand.prefix[0].op, syntax::OpKind::kNeg);
  EXPECT_EQ(operand.prefix[1].op, syntax::OpKind::kInvert);
  EXPECT_EQ(operand.primary->kind, syntax::Kind::kName);
}

TEST(ParseSyntax, TrailersAreAList) {
  const auto p = Parse("a.b(1, k=2, *c, **d)[1:2:3][0]");
  ASSERT_NE(p->root, nullptr);
  const auto& postfix = p->root->Cast<syntax::Postfix>();
  ASSERT_THAT(postfix.trailers, SizeIs(4));
  EXPECT_EQ(postfix.trailers[0].kind, syntax::Trailer::Kind::kAttribute);
  const syntax::Trailer& call = postfix.trailers[1];
  ASSERT_THAT(call.args, SizeIs(4));
  EXPECT_EQ(call.args[0].kind, syntax::Argument::Kind::kPositional);
  EXPECT_EQ(call.args[1].kind, syntax::Argument::Kind::kKeyword);
  EXPECT_EQ(call.args[1].name, (Span{7, 8}));
  EXPECT_EQ(call.args[2].kind, syntax::Argument::Kind::kStar);
  EXPECT_EQ(call.args[3].kind, syntax::Argument::Kind::kDoubleStar);
  EXPECT_TRUE(postfix.trailers[2].is_slice);
  EXPECT_NE(postfix.trailers[2].step, nullptr);
  EXPECT_FALSE(postfix.trailers[3].is_slice);
}

TEST(ParseSyntax, AdjacentStringsAreOneNode) {
  const auto p = Parse("'a' rb\"b\" '''c'''");
  ASSERT_NE(p->root, nullptr);
  const auto& s = p->root->Cast<syntax::String>();
  ASSERT_THAT(s.pieces, SizeIs(3));
  EXPECT_EQ(s.pieces[1].flags, syntax::kStringRaw | syntax::kStringBytes);
  EXPECT_EQ(s.pieces[2].flags, syntax::kStringTriple);
  EXPECT_EQ(s.pieces[2].body, (Span{13, 14}));
}

TEST(ParseSyntax, RecoversAfterEachBadArgument) {
  const auto p = Parse("f(=1, a=, b=2, c=1_)");
  ASSERT_NE(p->root, nullptr);
  ASSERT_THAT(p->diagnostics, SizeIs(3));
  const auto& call = p->root->Cast<syntax::Postfix>().trailers[0];
  ASSERT_THAT(call.args, SizeIs(4));
  EXPECT_EQ(call.args[0].value->kind, syntax::Kind::kError);
  EXPECT_EQ(call.args[1].value->kind, syntax::Kind::kError);
  EXPECT_EQ(call.args[2].value->kind, syntax::Kind::kNumber);  // b=2 survived
  EXPECT_EQ(call.args[3].value->kind, syntax::Kind::kError);
}

// Found by the parse fuzzer (tests/data/regression/parse/): a bare "0b" or
// "0o" at the very end read the byte after the text. The view here ends before
// a '7', which the old scan took for a digit of the literal.
TEST(ParseSyntax, NumberPrefixAtTheEndReadsNothingBeyond) {
  const std::string buffer = "0b7 0o7";
  for (size_t at : {size_t{0}, size_t{4}}) {
    const auto p = Parse(std::string_view(buffer).substr(at, 2));
    EXPECT_EQ(p->root, nullptr);
    ASSERT_THAT(p->diagnostics, SizeIs(1));
    EXPECT_EQ(p->diagnostics[0].code, "syntax.invalid_number");
    EXPECT_EQ(p->diagnostics[0].message,
              at == 0 ? "invalid binary literal" : "invalid octal literal");
    EXPECT_EQ(p->diagnostics[0].span, (Span{0, 2}));
  }
}

TEST(ParseSyntax, StopsAtMaxErrors) {
  Limits limits;
  limits.max_errors = 2;
  const auto p = Parse("f(=1, =2, =3, =4)", limits);
  EXPECT_EQ(p->root, nullptr);
  EXPECT_THAT(p->diagnostics, SizeIs(2));
}

TEST(ParseSyntax, CountsNodesAgainstTheLimit) {
  Limits limits;
  limits.max_nodes = 10;
  const auto p = Parse("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", limits);
  EXPECT_EQ(p->root, nullptr);
  ASSERT_THAT(p->diagnostics, SizeIs(1));
  EXPECT_EQ(p->diagnostics[0].code, "syntax.too_large");
}

TEST(ParseSyntax, BoundsBracketNesting) {
  Limits limits;
  limits.max_depth = 4;
  EXPECT_NE(Parse("[[[[1]]]]", limits)->root, nullptr);
  const auto p = Parse("[[[[[1]]]]]", limits);
  EXPECT_EQ(p->root, nullptr);
  ASSERT_THAT(p->diagnostics, SizeIs(1));
  EXPECT_EQ(p->diagnostics[0].code, "syntax.too_deep");
  EXPECT_EQ(p->diagnostics[0].span, (Span{4, 5}));  // the fifth '['
}

}  // namespace
}  // namespace querysafe::grammar
