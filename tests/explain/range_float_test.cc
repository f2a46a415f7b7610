// Double and decimal ranges, with and without precision, through the whole path (schema JSON +
// query text + key file + local master key -> explain). MongoDB has no offline byte oracle for
// these, so each payload is checked against the rules of libmongocrypt's range encoding, by the
// independent model in tests/crypt/range_oracle.h (which first reproduces MongoDB's own Int, Long
// and Date payloads): the edge count of the minimal cover of the query range in the field's
// domain, and the crypto parameters (sparsity, trimFactor, precision, bounds) the server checks.

#include <bson/bson.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <fstream>
#include <sstream>
#include <string>

#include "lib/common/bson_util.h"
#include "lib/crypt/payload.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"
#include "tests/crypt/range_oracle.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe {
namespace {

using crypt::testing::uint128;

std::string Dir() { return std::string(QUERYSAFE_TEST_DATA_DIR) + "/spec-qe/"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The explained filter of `query` on the schema named `schema`.
BsonDoc ExplainFilter(const std::string& schema, const std::string& query) {
  SchemaResult s = Schema::FromJson(ReadFile(Dir() + "schemas/" + schema + ".json"));
  EXPECT_TRUE(s.ok());
  CompileResult compiled = Query::Compile(*s.schema, query);
  EXPECT_TRUE(compiled.ok()) << FormatDiagnostics(compiled.diagnostics, query, "query");
  TranslateResult translated = compiled.query->Translate();
  EncryptorResult e =
      Encryptor::OpenOffline(Dir() + "keys/key1.json", "@" + Dir() + "keys/local-master.key");
  EXPECT_TRUE(e.ok());
  TranslateResult sent = e.encryptor->Explain(*translated.translation);
  EXPECT_TRUE(sent.ok()) << (sent.diagnostics.empty() ? "" : sent.diagnostics[0].message);
  return crypt::testing::DocumentAt(sent.translation->command(), "filter");
}

crypt::Payload PayloadAt(const bson_t* doc, const char* dotted) {
  bson_iter_t it, target;
  crypt::Payload p;
  if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, dotted, &target) ||
      !BSON_ITER_HOLDS_BINARY(&target)) {
    ADD_FAILURE() << "no payload at " << dotted;
    return p;
  }
  bson_subtype_t subtype;
  uint32_t len;
  const uint8_t* data;
  bson_iter_binary(&target, &subtype, &len, &data);
  EXPECT_EQ(subtype, BSON_SUBTYPE_ENCRYPTED);
  p.bytes.assign(data, data + len);
  return p;
}

int64_t Int64At(const bson_t* doc, const char* key) {
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, doc, key)) << key;
  return bson_iter_as_int64(&it);
}

bool Has(const bson_t* doc, const char* key) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, key);
}

// A full find payload: type 13, `edges` edge token sets, sparsity 1 and trimFactor 1 (the
// schemas' options), the precision if any.
void ExpectFull(const crypt::Payload& payload, size_t edges, std::optional<int64_t> precision) {
  ASSERT_EQ(payload.type(), 13);
  BsonDoc doc = crypt::testing::PayloadBson(payload);
  ASSERT_TRUE(Has(doc.get(), "payload"));
  BsonDoc g = crypt::testing::DocumentAt(doc.get(), "payload.g");
  EXPECT_EQ(bson_count_keys(g.get()), edges);
  EXPECT_EQ(Int64At(doc.get(), "sp"), 1);
  EXPECT_EQ(Int64At(doc.get(), "tf"), 1);
  EXPECT_EQ(Has(doc.get(), "pn"), precision.has_value());
  if (precision) {
    EXPECT_EQ(Int64At(doc.get(), "pn"), *precision);
  }
}

void ExpectStub(const crypt::Payload& payload) {
  ASSERT_EQ(payload.type(), 13);
  BsonDoc doc = crypt::testing::PayloadBson(payload);
  EXPECT_FALSE(Has(doc.get(), "payload")) << "a stub carries no edges";
}

bson_decimal128_t Dec(const char* text) {
  bson_decimal128_t d;
  EXPECT_TRUE(bson_decimal128_from_string(text, &d));
  return d;
}

TEST(ExplainFloatRanges, DoubleWithoutPrecisionCoversToDblMax) {
  BsonDoc filter = ExplainFilter("range_double", "Default.objects.filter(amount__gt=0.0)");
  crypt::testing::Encoded low = crypt::testing::EncodeDouble(0);
  crypt::testing::Encoded high = crypt::testing::EncodeDouble(DBL_MAX);
  ExpectFull(PayloadAt(filter.get(), "amount.$gt"),
             crypt::testing::MinCoverSize(low.value + 1, high.value, low.max, 1, 1), std::nullopt);
}

TEST(ExplainFloatRanges, DoubleWithPrecisionUsesTheScaledDomain) {
  // [1.25, 99.5) with 2 digits in [0, 200]: [125, 9949] in a 15-bit domain.
  BsonDoc filter = ExplainFilter("range_double_precision",
                                 "Default.objects.filter(amount__gte=1.25, amount__lt=99.5)");
  crypt::testing::Encoded a = crypt::testing::EncodeDoublePrecision(1.25, 0, 200, 2);
  crypt::testing::Encoded b = crypt::testing::EncodeDoublePrecision(99.5, 0, 200, 2);
  ASSERT_EQ(a.value, uint128{125});
  ASSERT_EQ(crypt::testing::DomainBits(a.max), 15);
  ExpectFull(PayloadAt(filter.get(), "$and.0.amount.$gte"),
             crypt::testing::MinCoverSize(a.value, b.value - 1, a.max, 1, 1), 2);
  ExpectStub(PayloadAt(filter.get(), "$and.1.amount.$lt"));
}

TEST(ExplainFloatRanges, DecimalWithoutPrecisionCoversTheWhole128BitDomain) {
  BsonDoc filter =
      ExplainFilter("range_decimal", R"(Default.objects.filter(amount__gt=Decimal("0")))");
  crypt::testing::Encoded low = crypt::testing::EncodeDecimal(Dec("0"));
  crypt::testing::Encoded high =
      crypt::testing::EncodeDecimal(Dec("9.999999999999999999999999999999999E+6144"));
  ExpectFull(PayloadAt(filter.get(), "amount.$gt"),
             crypt::testing::MinCoverSize(low.value + 1, high.value, low.max, 1, 1), std::nullopt);
}

TEST(ExplainFloatRanges, DecimalWithPrecisionUsesTheScaledDomain) {
  BsonDoc filter =
      ExplainFilter("range_decimal_precision",
                    R"(Default.objects.filter(amount__range=(Decimal("1.25"), Decimal("99.50"))))");
  crypt::testing::Encoded a =
      crypt::testing::EncodeDecimalPrecision(Dec("1.25"), Dec("0"), Dec("200"), 2);
  crypt::testing::Encoded b =
      crypt::testing::EncodeDecimalPrecision(Dec("99.50"), Dec("0"), Dec("200"), 2);
  ASSERT_EQ(a.value, uint128{125});
  ExpectFull(PayloadAt(filter.get(), "$and.0.amount.$gte"),
             crypt::testing::MinCoverSize(a.value, b.value, a.max, 1, 1), 2);
  ExpectStub(PayloadAt(filter.get(), "$and.1.amount.$lte"));
}

}  // namespace
}  // namespace querysafe
