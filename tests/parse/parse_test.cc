// The parse API: the anchor queries, spans on the AST, ParseLookupKey, the JSON
// form, and a deterministic mutation pass over the golden inputs (no input may
// crash or throw).
#include "lib/parse/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "grammar/parse_syntax.h"
#include "lib/common/arena.h"
#include "lib/common/bson_util.h"
#include "lib/parse/lookup_key.h"
#include "tests/parse/ast_depth.h"

namespace querysafe {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr std::string_view kSimple = R"(Patient.objects.filter(ssn="987-65-4320"))";
constexpr std::string_view kThreePredicate =
    R"(Patient.objects.filter(Q(ssn="987-65-4320") | Q(score__gte=5), patient_name__startswith="J").exclude(patient_id__in=[1, 2, 3]).order_by("-assessed_on")[:10])";

std::string_view TextOf(std::string_view text, Span span) {
  return text.substr(span.begin, span.end - span.begin);
}

TEST(ParseQuery, SimpleAnchor) {
  Arena arena;
  const ParseResult r = ParseQuery(kSimple, {}, &arena);
  ASSERT_NE(r.query, nullptr);
  ASSERT_THAT(r.diagnostics, IsEmpty());
  const ast::Query& q = *r.query;
  EXPECT_EQ(q.kind, ast::Query::Kind::kChain);
  EXPECT_EQ(q.model, "Patient");
  EXPECT_EQ(q.manager, "objects");
  EXPECT_EQ(TextOf(kSimple, q.span), kSimple);
  ASSERT_THAT(q.steps, SizeIs(1));
  const ast::Step& filter = q.steps[0];
  EXPECT_EQ(filter.method, ast::Method::kFilter);
  EXPECT_EQ(TextOf(kSimple, filter.method_span), "filter");
  EXPECT_THAT(filter.args, IsEmpty());
  ASSERT_NE(filter.condition, nullptr);
  EXPECT_EQ(filter.condition->op, ast::Q::Op::kAnd);
  ASSERT_THAT(filter.condition->children, SizeIs(1));
  const auto& lookup = filter.condition->children[0]->Cast<ast::Lookup>();
  EXPECT_EQ(lookup.key, "ssn");
  EXPECT_EQ(TextOf(kSimple, lookup.span), R"(ssn="987-65-4320")");
  EXPECT_THAT(lookup.parts, SizeIs(1));
  const auto& value = lookup.value->Cast<ast::StringLit>();
  EXPECT_EQ(value.value, "987-65-4320");
  EXPECT_EQ(TextOf(kSimple, value.span), R"("987-65-4320")");
}

TEST(ParseQuery, ThreePredicateAnchor) {
  Arena arena;
  const ParseResult r = ParseQuery(kThreePredicate, {}, &arena);
  ASSERT_NE(r.query, nullptr);
  const ast::Query& q = *r.query;
  ASSERT_THAT(q.steps, SizeIs(4));
  EXPECT_EQ(q.steps[0].method, ast::Method::kFilter);
  EXPECT_EQ(q.steps[1].method, ast::Method::kExclude);
  EXPECT_EQ(q.steps[2].method, ast::Method::kOrderBy);
  EXPECT_EQ(q.steps[3].kind, ast::Step::Kind::kSlice);
  EXPECT_EQ(q.steps[3].start, nullptr);
  EXPECT_EQ(q.steps[3].stop->Cast<ast::IntLit>().value, 10);
  // filter(Q(...) | Q(...), patient_name__startswith="J"): and[or[Q, Q],
  // lookup].
  const ast::Q& condition = *q.steps[0].condition;
  ASSERT_THAT(condition.children, SizeIs(2));
  const ast::Q& either = condition.children[0]->Cast<ast::Q>();
  EXPECT_EQ(either.op, ast::Q::Op::kOr);
  EXPECT_EQ(TextOf(kThreePredicate, either.span), R"(Q(ssn="987-65-4320") | Q(score__gte=5))");
  const auto& score = either.children[1]->Cast<ast::Q>().children[0]->Cast<ast::Lookup>();
  ASSERT_THAT(score.parts, SizeIs(2));
  EXPECT_EQ(score.parts[0].name, "score");
  EXPECT_EQ(score.parts[1].name, "gte");
  EXPECT_EQ(TextOf(kThreePredicate, score.parts[1].span), "gte");
  const auto& list =
      q.steps[1].condition->children[0]->Cast<ast::Lookup>().value->Cast<ast::ListLit>();
  EXPECT_THAT(list.items, SizeIs(3));
  EXPECT_EQ(q.steps[2].args[0].value->Cast<ast::StringLit>().value, "-assessed_on");
}

TEST(ParseQuery, EveryMethodHasItsDjangoName) {
  for (int m = 0; m <= static_cast<int>(ast::Method::kUsing); ++m) {
    const std::string_view name = ast::MethodName(static_cast<ast::Method>(m));
    EXPECT_NE(name, "?") << m;
    Arena arena;
    // Each name is accepted as a method (the arguments may be wrong, the name
    // is not).
    const ParseResult r = ParseQuery("Patient.objects." + std::string(name) + "()", {}, &arena);
    for (const Diagnostic& d : r.diagnostics) {
      EXPECT_NE(d.code, "parse.unknown_method") << name;
    }
  }
}

TEST(ParseQuery, TextOutlivesNothingButTheArenaHoldsDecodedValues) {
  Arena arena;
  std::string text = R"(Patient.objects.filter(a="x\ty"))";
  const ParseResult r = ParseQuery(text, {}, &arena);
  ASSERT_NE(r.query, nullptr);
  const auto& value =
      r.query->steps[0].condition->children[0]->Cast<ast::Lookup>().value->Cast<ast::StringLit>();
  EXPECT_EQ(value.value, "x\ty");
  // A decoded value lives in the arena, not in the text.
  EXPECT_FALSE(value.value.data() >= text.data() && value.value.data() < text.data() + text.size());
}

TEST(QueryToJson, IsJsonWithKindsAndSpans) {
  Arena arena;
  const ParseResult r = ParseQuery(kThreePredicate, {}, &arena);
  ASSERT_NE(r.query, nullptr);
  const std::string json = QueryToJson(*r.query);
  BsonDoc doc;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message << "\n" << json;
  EXPECT_THAT(json, ::testing::StartsWith(R"({"kind":"query","span":[0,156],"model":"Patient")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("kind":"slice","span":[151,156],"start":null)"));
}

TEST(QueryToJson, EscapesStringsAndEncodesBytesAsHex) {
  Arena arena;
  const ParseResult r = ParseQuery(
      R"(Patient.objects.filter(a="q\"\\\n\x01", b=b"\xff", c=float("nan")))", {}, &arena);
  ASSERT_NE(r.query, nullptr);
  const std::string json = QueryToJson(*r.query);
  BsonDoc doc;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message << "\n" << json;
  EXPECT_THAT(json, ::testing::HasSubstr(R"("value":"q\"\\\u000a\u0001")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("hex":"ff")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("value":"nan")"));
}

TEST(ParseLookupKey, SplitsOnDoubleUnderscore) {
  Arena arena;
  const LookupKeyResult r = ParseLookupKey("patient_record__ssn__exact", &arena);
  ASSERT_THAT(r.diagnostics, IsEmpty());
  ASSERT_THAT(r.parts, SizeIs(3));
  EXPECT_EQ(r.parts[0].name, "patient_record");
  EXPECT_EQ(r.parts[0].span, (Span{0, 14}));
  EXPECT_EQ(r.parts[1].name, "ssn");
  EXPECT_EQ(r.parts[1].span, (Span{16, 19}));
  EXPECT_EQ(r.parts[2].name, "exact");
  EXPECT_EQ(r.parts[2].span, (Span{21, 26}));
}

TEST(ParseLookupKey, FollowsPythonStrSplit) {
  // Python: "a___b".split("__") == ["a", "_b"]; "_a__b_".split("__") == ["_a",
  // "b_"].
  Arena arena;
  const auto names = [&](std::string_view key) {
    std::vector<std::string> out;
    for (const ast::KeyPart& part : ParseLookupKey(key, &arena).parts) {
      out.emplace_back(part.name);
    }
    return out;
  };
  EXPECT_THAT(names("pk"), ElementsAre("pk"));
  EXPECT_THAT(names("a___b"), ElementsAre("a", "_b"));
  EXPECT_THAT(names("_a__b_"), ElementsAre("_a", "b_"));
  EXPECT_THAT(names("assessed_on__year__gte"), ElementsAre("assessed_on", "year", "gte"));
  EXPECT_THAT(names("class__in"), ElementsAre("class", "in"));  // keywords are fine as parts
  EXPECT_THAT(names("prénom__startswith"), ElementsAre("prénom", "startswith"));
}

TEST(ParseLookupKey, ReportsEmptyAndInvalidParts) {
  struct Case {
    std::string_view key;
    std::string_view message;
    Span span;
  };
  const Case cases[] = {
      {"", "lookup is empty", {0, 0}},
      {"a__", "lookup 'a__' ends with '__'", {1, 3}},
      {"__a", "lookup '__a' starts with '__'", {0, 2}},
      {"a____b", "lookup 'a____b' has an empty part between '__' separators", {1, 3}},
      {"a b__c", "lookup 'a b__c' has a part that is not a name: 'a b'", {0, 3}},
      {"a__1b", "lookup 'a__1b' has a part that is not a name: '1b'", {3, 5}},
      {"a__b-c", "lookup 'a__b-c' has a part that is not a name: 'b-c'", {3, 6}},
      {"a__€", "lookup 'a__€' has a part that is not a name: '€'", {3, 6}},
  };
  for (const Case& c : cases) {
    Arena arena;
    const LookupKeyResult r = ParseLookupKey(c.key, &arena);
    EXPECT_THAT(r.parts, IsEmpty()) << c.key;
    ASSERT_THAT(r.diagnostics, SizeIs(1)) << c.key;
    EXPECT_EQ(r.diagnostics[0].code, "parse.bad_lookup_key");
    EXPECT_EQ(r.diagnostics[0].category, Category::kSyntaxError);
    EXPECT_EQ(r.diagnostics[0].message, c.message);
    EXPECT_EQ(r.diagnostics[0].span, c.span) << c.key;
  }
}

// Found by the parse fuzzer (tests/data/regression/parse/): every bad part of a
// key had its own diagnostic quoting the whole key, so 40 underscores gave 21
// (more than kMaxDiagnostics) and a key with n separators cost n times its
// length. Like Django, the first bad part is the one reported.
TEST(ParseLookupKey, ReportsOnlyTheFirstBadPart) {
  Arena arena;
  const LookupKeyResult r = ParseLookupKey("a____b__1c__", &arena);
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(r.diagnostics[0].message,
            "lookup 'a____b__1c__' has an empty part between '__' separators");
  EXPECT_EQ(r.diagnostics[0].span, (Span{1, 3}));

  // 60 KB of separators: one diagnostic, not 30000 copies of the key.
  const std::string key = "a" + std::string(60000, '_');
  const LookupKeyResult big = ParseLookupKey(key, &arena);
  EXPECT_THAT(big.parts, IsEmpty());
  EXPECT_THAT(big.diagnostics, SizeIs(1));
}

TEST(ParseQuery, OneDiagnosticForAKeywordOfManySeparators) {
  // 200 KB: it took a minute when each empty part formatted its own message.
  const std::string text = "Patient.objects.filter(a" + std::string(200000, '_') + "=1)";
  Arena arena;
  const ParseResult r = ParseQuery(text, {}, &arena);
  EXPECT_EQ(r.query, nullptr);
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(r.diagnostics[0].code, "parse.bad_lookup_key");
  EXPECT_EQ(r.diagnostics[0].span, (Span{24, 26}));
}

// Queries split keyword names with a direct scan; builder calls with the
// grammar's lookup_key rule. Both are Python's str.split("__").
TEST(ParseLookupKey, QuerySplitAgreesWithTheGrammarRule) {
  const std::string_view keys[] = {
      "",       "a",    "a__b",    "a___b",      "a____b", "a_____b", "__a",
      "a__",    "___",  "____",    "_____",      "__",     "_",       "a_b",
      "_a__b_", "é__ü", "a__b__c", "x____y__z_", "a b",    "__a__",   "a__b_",
  };
  for (std::string_view key : keys) {
    EXPECT_EQ(parse_internal::SplitOnSeparators(key), grammar::SplitLookupKey(key))
        << "'" << key << "'";
  }
  // And every key of up to 8 characters over {a, _}.
  for (int length = 0; length <= 8; ++length) {
    for (int bits = 0; bits < (1 << length); ++bits) {
      std::string key;
      for (int i = 0; i < length; ++i) key += (bits >> i) & 1 ? '_' : 'a';
      ASSERT_EQ(parse_internal::SplitOnSeparators(key), grammar::SplitLookupKey(key))
          << "'" << key << "'";
    }
  }
}

TEST(ParseLookupKey, RejectsInvalidUtf8AndNul) {
  Arena arena;
  EXPECT_EQ(ParseLookupKey("a__\xFF", &arena).diagnostics.at(0).code, "syntax.invalid_utf8");
  EXPECT_EQ(ParseLookupKey(std::string_view("a\0b", 3), &arena).diagnostics.at(0).code,
            "syntax.nul_byte");
}

// Every golden input, cut and spliced at random places with a fixed seed:
// whatever comes out, the result is well formed and nothing throws or crashes
// (ASan builds check memory too).
TEST(ParseQuery, MutatedInputsNeverBreakIt) {
  std::vector<std::string> seeds;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(QUERYSAFE_TEST_DATA_DIR) + "/parse")) {
    std::ifstream in(entry.path());
    std::string line;
    bool input = false;
    while (std::getline(in, line)) {
      if (line.starts_with("=== ")) {
        input = true;
      } else if (line == "----") {
        input = false;
      } else if (input) {
        seeds.push_back(line);
      }
    }
  }
  ASSERT_GT(seeds.size(), 300u);
  using namespace std::string_view_literals;
  static constexpr std::string_view kTokens[] = {
      "(",  ")",  "[",    "]",   "{",       "}",       ",",   "=",        "==",    "|",
      "&",  "~",  "-",    "*",   "**",      ".",       ":",   "'",        "\"",    "\"\"\"",
      "\\", "$",  "Q(",   "F(",  "0x",      "1_",      "1e",  "é",        "\xFF",  "\0"sv,
      "#",  "\n", "not ", "and", "filter(", "objects", "**{", "Decimal(", "date(", "timedelta(",
  };
  std::mt19937 rng(20240731);
  size_t accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = text.empty() ? 0 : rng() % (text.size() + 1);
      switch (rng() % 4) {
        case 0:  // insert a token
          text.insert(at, kTokens[rng() % std::size(kTokens)]);
          break;
        case 1:  // delete a few bytes
          text.erase(at, rng() % 4);
          break;
        case 2:  // cut
          text.resize(at);
          break;
        default:  // splice another seed
          text.insert(at, seeds[rng() % seeds.size()]);
          break;
      }
    }
    Arena arena;
    ParseOptions options;
    options.max_depth = 1 + rng() % 40;
    const ParseResult r = ParseQuery(text, options, &arena);
    ASSERT_EQ(r.query == nullptr, !r.diagnostics.empty()) << text;
    ASSERT_LE(r.diagnostics.size(), options.max_diagnostics);
    for (const Diagnostic& d : r.diagnostics) {
      ASSERT_LE(d.span.begin, d.span.end) << text;
      ASSERT_LE(d.span.end, text.size()) << text;
      ASSERT_FALSE(d.message.empty());
    }
    if (r.query != nullptr) {
      ++accepted;
      ASSERT_LE(testing_internal::Depth(*r.query), options.max_depth) << text;
      (void)DebugString(*r.query);
      (void)QueryToJson(*r.query);
    }
  }
  // The mutations keep some queries valid, so both paths are exercised.
  EXPECT_GT(accepted, 100u);
}

}  // namespace
}  // namespace querysafe
