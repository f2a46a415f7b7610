// Django's XOR (`Q(a) ^ Q(b) ^ ...`, `qs1 ^ qs2`): true when an odd number of operands hold.
// MQL has no XOR, so the analyzer groups the operands as a balanced tree (MakeXor) that lowering
// spells out with $and/$or/$nor, and rules/queryset_xor_expansion.cc bounds the result. The
// semantics are checked on the lowered filter itself, with a small match evaluator, against
// parity for every assignment of the operands.

#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <format>
#include <map>
#include <string>

#include "querysafe/query.h"
#include "tests/analyze/analyze_fixture.h"

namespace querysafe::analyze {
namespace {

using testing::Analyze;
using testing::ConformanceSchema;
using ::testing::HasSubstr;
using testing::LoadSchemaJson;

using Doc = std::map<std::string, int64_t>;

// Evaluates the match language the lowering writes for plain integer equalities: $and, $or,
// $nor, {$expr: <bool>}, {field: value} and {field: {$eq: value}}.
bool Matches(const bson_t* query, const Doc& doc);

bool MatchesArray(bson_iter_t* it, const Doc& doc, bool want_all, bool want_none) {
  bson_iter_t elems;
  EXPECT_TRUE(BSON_ITER_HOLDS_ARRAY(it));
  bson_iter_recurse(it, &elems);
  bool any = false, all = true;
  while (bson_iter_next(&elems)) {
    uint32_t len;
    const uint8_t* data;
    bson_iter_document(&elems, &len, &data);
    bson_t sub;
    bson_init_static(&sub, data, len);
    const bool m = Matches(&sub, doc);
    any = any || m;
    all = all && m;
  }
  if (want_none) return !any;
  return want_all ? all : any;
}

bool Matches(const bson_t* query, const Doc& doc) {
  bson_iter_t it;
  bson_iter_init(&it, query);
  while (bson_iter_next(&it)) {
    const std::string key = bson_iter_key(&it);
    bool m = false;
    if (key == "$and" || key == "$or" || key == "$nor") {
      m = MatchesArray(&it, doc, key == "$and", key == "$nor");
    } else if (key == "$expr") {
      EXPECT_TRUE(BSON_ITER_HOLDS_BOOL(&it)) << "only constant $expr is evaluated";
      m = BSON_ITER_HOLDS_BOOL(&it) && bson_iter_bool(&it);
    } else {
      int64_t want = 0;
      if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_iter_t op;
        bson_iter_recurse(&it, &op);
        EXPECT_TRUE(bson_iter_find(&op, "$eq")) << key;
        want = bson_iter_as_int64(&op);
      } else {
        want = bson_iter_as_int64(&it);
      }
      auto field = doc.find(key);
      m = field != doc.end() && field->second == want;
    }
    if (!m) return false;
  }
  return true;
}

std::string ModelWithFields(int n) {
  std::string fields;
  for (int i = 0; i < n; ++i) {
    if (i > 0) fields += ", ";
    fields += std::format(R"("f{}": {{"type": "IntegerField"}})", i);
  }
  return std::format(
      R"({{"database": "xor", "models": {{"M": {{"db_table": "m", "fields": {{{}}}}}}}}})", fields);
}

// Q(f0=1) ^ Q(f1=1) ^ ... ^ Q(f{n-1}=1)
std::string XorOf(int n, std::string_view model = "M") {
  std::string q = std::format("{}.objects.filter(", model);
  for (int i = 0; i < n; ++i) q += std::format("{}Q(f{}=1)", i > 0 ? " ^ " : "", i);
  return q + ")";
}

// The lowered find filter of `text`, or an empty document after a failure.
struct Lowered {
  std::optional<Translation> translation;
  const bson_t* filter() {
    static bson_t empty = BSON_INITIALIZER;
    if (!translation) return &empty;
    bson_iter_t it;
    if (!bson_iter_init_find(&it, translation->command(), "filter")) return &empty;
    uint32_t len;
    const uint8_t* data;
    bson_iter_document(&it, &len, &data);
    bson_init_static(&doc, data, len);
    return &doc;
  }
  bson_t doc;
};

Lowered Lower(const Schema& schema, std::string_view text) {
  TranslateResult r = Translate(schema, text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  return {r.translation, {}};
}

bool Parity(const Doc& doc, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) count += doc.at(std::format("f{}", i)) == 1;
  return count % 2 == 1;
}

TEST(Xor, LoweredFilterHoldsWhenAnOddNumberOfOperandsHold) {
  auto schema = LoadSchemaJson(ModelWithFields(10));
  ASSERT_NE(schema, nullptr);
  for (int n = 2; n <= 10; ++n) {
    Lowered lowered = Lower(*schema, XorOf(n));
    ASSERT_TRUE(lowered.translation) << n;
    for (int bits = 0; bits < (1 << n); ++bits) {
      Doc doc;
      for (int i = 0; i < 10; ++i) doc[std::format("f{}", i)] = (bits >> i) & 1;
      ASSERT_EQ(Matches(lowered.filter(), doc), Parity(doc, n)) << n << " operands, " << bits;
    }
  }
}

TEST(Xor, QuerySetXorIsTheSameNaryXor) {
  auto schema = LoadSchemaJson(ModelWithFields(5));
  ASSERT_NE(schema, nullptr);
  Lowered lowered = Lower(*schema,
                          "M.objects.filter(f0=1) ^ M.objects.filter(f1=1) ^ "
                          "M.objects.filter(f2=1) ^ M.objects.filter(f3=1) ^ "
                          "M.objects.filter(f4=1)");
  ASSERT_TRUE(lowered.translation);
  for (int bits = 0; bits < 32; ++bits) {
    Doc doc;
    for (int i = 0; i < 5; ++i) doc[std::format("f{}", i)] = (bits >> i) & 1;
    ASSERT_EQ(Matches(lowered.filter(), doc), Parity(doc, 5)) << bits;
  }
}

// Every XOR node of the bound tree has two operands, and no operand is deeper than log2(n)+1.
void ExpectBalanced(const bound::Filter& f, int depth, int max_depth, int* leaves) {
  if (f.kind != bound::Filter::Kind::kXor) {
    EXPECT_LE(depth, max_depth);
    ++*leaves;
    return;
  }
  ASSERT_EQ(f.children.size(), 2u);
  for (const bound::Filter* c : f.children) ExpectBalanced(*c, depth + 1, max_depth, leaves);
}

TEST(Xor, OperandsAreGroupedAsABalancedTree) {
  auto schema = LoadSchemaJson(ModelWithFields(40));
  ASSERT_NE(schema, nullptr);
  for (int n : {2, 3, 5, 8, 13, 40}) {
    auto a = Analyze(*schema, XorOf(n));
    ASSERT_TRUE(a->ok()) << n;
    int leaves = 0;
    int max_depth = 0;
    while ((1 << max_depth) < n) ++max_depth;
    ExpectBalanced(*a->query->filter, 0, max_depth, &leaves);
    EXPECT_EQ(leaves, n);
  }
}

TEST(Xor, ManyOperandsMakeAPolynomialCommand) {
  // Grouped as a chain, 40 operands would write the first one 2^39 times.
  auto schema = LoadSchemaJson(ModelWithFields(64));
  ASSERT_NE(schema, nullptr);
  Lowered lowered = Lower(*schema, XorOf(64));
  ASSERT_TRUE(lowered.translation);
  EXPECT_LT(lowered.filter()->len, 512u * 1024u);
}

TEST(Xor, TooLargeAnExpansionIsRefused) {
  auto schema = LoadSchemaJson(ModelWithFields(65));
  ASSERT_NE(schema, nullptr);
  auto a = Analyze(*schema, XorOf(65));
  ASSERT_EQ(a->code(), "queryset.xor_too_large");
  EXPECT_EQ(a->first().category, Category::kNotSupportedError);
  EXPECT_THAT(a->first().message, HasSubstr("XOR of 65 operands expands to 4288 match clauses"));
  EXPECT_EQ(a->spanned().substr(0, 9), "Q(f0=1) ^");
}

TEST(Xor, EncryptedOperandsAreBoundedByTheirPayloads) {
  auto medical = ConformanceSchema("medical");
  ASSERT_NE(medical, nullptr);
  auto ssn_xor = [](int n) {
    std::string q = "Patient.objects.filter(";
    for (int i = 0; i < n; ++i) {
      q += std::format("{}Q(patient_record__ssn=\"{:03}\")", i > 0 ? " ^ " : "", i);
    }
    return q + ")";
  };
  auto ok = Analyze(*medical, ssn_xor(16));
  EXPECT_TRUE(ok->ok()) << (ok->diagnostics.empty() ? "" : ok->first().message);
  auto refused = Analyze(*medical, ssn_xor(17));
  ASSERT_EQ(refused->code(), "queryset.xor_too_large");
  EXPECT_THAT(refused->first().message, HasSubstr("encrypted payloads"));
}

TEST(Xor, EncryptedOperandsKeepTheirMatchPayloads) {
  auto medical = ConformanceSchema("medical");
  ASSERT_NE(medical, nullptr);
  TranslateResult r = Translate(
      *medical, R"(Patient.objects.filter(Q(patient_record__ssn="1") ^ Q(patient_id=2)))");
  ASSERT_TRUE(r.ok());
  // x ^ y = (x AND NOT y) OR (NOT x AND y): the encrypted operand is written twice.
  EXPECT_EQ(r.translation->encryption_count(), 2u);
}

TEST(Xor, EmptyOperandsAreDroppedAsDjangoDoes) {
  auto schema = LoadSchemaJson(ModelWithFields(2));
  ASSERT_NE(schema, nullptr);
  struct Case {
    const char* query;
    bool (*expected)(const Doc&);
  };
  const Case cases[] = {
      // Q() is no condition: Q() ^ Q(f0=1) is Q(f0=1), not NOT f0=1.
      {"M.objects.filter(Q() ^ Q(f0=1))", [](const Doc& d) { return d.at("f0") == 1; }},
      {"M.objects.filter(Q(f0=1) ^ ~Q() ^ Q(f1=1))",
       [](const Doc& d) { return (d.at("f0") == 1) != (d.at("f1") == 1); }},
      // ... and Q() | Q(f0=1) is Q(f0=1), not everything.
      {"M.objects.filter(Q() | Q(f0=1))", [](const Doc& d) { return d.at("f0") == 1; }},
      {"M.objects.filter(Q(Q()) | Q(f0=1))", [](const Doc& d) { return d.at("f0") == 1; }},
      {"M.objects.exclude(Q())", [](const Doc&) { return true; }},
      {"M.objects.filter(~Q())", [](const Doc&) { return true; }},
  };
  for (const Case& c : cases) {
    Lowered lowered = Lower(*schema, c.query);
    ASSERT_TRUE(lowered.translation) << c.query;
    for (int bits = 0; bits < 4; ++bits) {
      Doc doc{{"f0", bits & 1}, {"f1", (bits >> 1) & 1}};
      EXPECT_EQ(Matches(lowered.filter(), doc), c.expected(doc)) << c.query << " " << bits;
    }
  }
}

}  // namespace
}  // namespace querysafe::analyze
