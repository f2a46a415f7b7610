// Range finds beyond the spec vectors: two-sided ranges, point ranges, double
// and decimal with and without precision, and the option rules. No local byte
// oracle exists for these, so payloads are checked against the documented
// rules: the payload's structure (FLE2FindRangePayloadV2), its crypto
// parameters (they must equal the field's options, SERVER-91889), and the
// number of edge token sets, which range_oracle.h derives from the documented
// encoding and mincover rules (and which spec_vectors_test.cc validates on
// MongoDB's own payloads).
#include <gtest/gtest.h>

#include <cfloat>
#include <optional>
#include <string>

#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "tests/crypt/range_oracle.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

using lower::RangeOperator;
using schema::BsonType;
using testing::DocumentAt;
using testing::PayloadBson;
using testing::RangeOperands;
using testing::uint128;

// FLE2RangeOperator values (mc-fle2-range-operator-private.h).
constexpr int32_t kGt = 1, kGte = 2, kLt = 3, kLte = 4;

class RangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = testing::LoadSpec("fle2v2-Rangev2-Int-InsertFind.json");
    encryptor_ = testing::SpecEncryptor(spec_.get());
    ASSERT_NE(encryptor_, nullptr);
  }

  // A range find on the spec's key with the given field type and options
  // (Extended JSON).
  lower::EncryptionRequest Request(BsonType type, const char* options_json) {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
    request.bson_type = type;
    request.path = "amount";
    request.range_options.Clear();
    bson_error_t error;
    EXPECT_TRUE(BsonDoc::FromJson(options_json, &request.range_options, &error))
        << options_json << ": " << error.message;
    return request;
  }

  absl::StatusOr<EncryptedRequest> Find(lower::EncryptionRequest request, const bson_value_t* lower,
                                        RangeOperator lower_op, const bson_value_t* upper,
                                        RangeOperator upper_op) {
    request.operands = RangeOperands(lower, upper);
    request.lower_operator = lower_op;
    request.upper_operator = upper_op;
    return encryptor_->Encrypt(request);
  }

  BsonDoc spec_;
  std::unique_ptr<Encryptor> encryptor_;
};

int64_t Int64At(const bson_t* doc, const char* key) {
  bson_iter_t iter;
  EXPECT_TRUE(bson_iter_init_find(&iter, doc, key)) << "no " << key;
  return bson_iter_as_int64(&iter);
}

bool Has(const bson_t* doc, const char* key) {
  bson_iter_t iter;
  return bson_iter_init_find(&iter, doc, key);
}

// The full payload of a find: type 13, `edges` edge token sets, the field's
// contention and crypto parameters, and the operators it was made for.
void ExpectFullPayload(const Payload& payload, size_t edges, int64_t sparsity, int32_t trim_factor,
                       std::optional<int32_t> precision, int32_t first_op,
                       std::optional<int32_t> second_op) {
  ASSERT_EQ(payload.type(), 13) << "FLE2FindRangePayloadV2";
  BsonDoc doc = PayloadBson(payload);
  ASSERT_TRUE(Has(doc.get(), "payload")) << "the full payload carries the edges";
  BsonDoc g = DocumentAt(doc.get(), "payload.g");
  EXPECT_EQ(bson_count_keys(g.get()), edges);
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init(&iter, doc.get()) &&
              bson_iter_find_descendant(&iter, "payload.cm", &iter));
  EXPECT_EQ(bson_iter_as_int64(&iter), 0) << "the spec field's contention";
  EXPECT_EQ(Int64At(doc.get(), "firstOperator"), first_op);
  EXPECT_EQ(Has(doc.get(), "secondOperator"), second_op.has_value());
  if (second_op) {
    EXPECT_EQ(Int64At(doc.get(), "secondOperator"), *second_op);
  }
  EXPECT_EQ(Int64At(doc.get(), "sp"), sparsity);
  EXPECT_EQ(Int64At(doc.get(), "tf"), trim_factor);
  EXPECT_EQ(Has(doc.get(), "pn"), precision.has_value());
  if (precision) {
    EXPECT_EQ(Int64At(doc.get(), "pn"), *precision);
  }
}

TEST_F(RangeTest, TwoSidedRangeGivesTheFullPayloadAndAStubWithTheSamePayloadId) {
  bson_value_t low = testing::Int32(5), high = testing::Int32(150);
  auto out = Find(testing::SpecRequest(spec_.get(), 0, true), &low, RangeOperator::kGte, &high,
                  RangeOperator::kLt);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->lower && out->upper);
  // [5, 150) on the domain [0, 200]: 8 bits, sparsity 1, trim factor 1.
  ExpectFullPayload(*out->lower, testing::MinCoverSize(5, 149, 200, 1, 1), 1, 1, std::nullopt, kGte,
                    kLt);
  ASSERT_EQ(out->upper->type(), 13);
  BsonDoc stub = PayloadBson(*out->upper);
  EXPECT_FALSE(Has(stub.get(), "payload")) << "the stub carries no edges";
  EXPECT_EQ(Int64At(stub.get(), "firstOperator"), kGte);
  EXPECT_EQ(Int64At(stub.get(), "secondOperator"), kLt);
  EXPECT_EQ(Int64At(stub.get(), "payloadId"), Int64At(PayloadBson(*out->lower).get(), "payloadId"));
}

TEST_F(RangeTest, PointRangeIsATwoSidedRangeOnOneValue) {
  // Equality on a range field becomes [v, v], as query analysis rewrites it.
  bson_value_t v = testing::Int32(42);
  auto out = Find(testing::SpecRequest(spec_.get(), 0, true), &v, RangeOperator::kGte, &v,
                  RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectFullPayload(*out->lower, testing::MinCoverSize(42, 42, 200, 1, 1), 1, 1, std::nullopt, kGte,
                    kLte);
  EXPECT_EQ(out->upper->type(), 13);
}

TEST_F(RangeTest, UpperBoundAloneCarriesTheFullPayloadUnderLt) {
  bson_value_t high = testing::Int32(10);
  auto out = Find(testing::SpecRequest(spec_.get(), 0, true), nullptr, RangeOperator::kGte, &high,
                  RangeOperator::kLt);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->lower.has_value());
  ASSERT_TRUE(out->upper.has_value());
  // Open below: from the index minimum 0 to 9.
  ExpectFullPayload(*out->upper, testing::MinCoverSize(0, 9, 200, 1, 1), 1, 1, std::nullopt, kLt,
                    std::nullopt);
}

TEST_F(RangeTest, DefaultSparsityAndTrimFactorAreTheServerDefaults) {
  // fle2v2-Rangev2-Defaults: an int field with only min and max; the payload
  // then says sp 2 and tf min(6, bits - 1) = 6 for the 8-bit domain.
  auto request =
      Request(BsonType::kInt, R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200"}})");
  bson_value_t zero = testing::Int32(0);
  auto out = Find(request, &zero, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectFullPayload(*out->lower, testing::MinCoverSize(1, 200, 200, 2, 6), 2,
                    testing::DefaultTrimFactor(8), std::nullopt, kGt, std::nullopt);
}

TEST_F(RangeTest, DoubleWithoutPrecisionUsesTheWhole64BitDomain) {
  // fle2v2-Rangev2-Double: trimFactor 1, sparsity 1, no bounds; $gt 0 runs to
  // DBL_MAX.
  auto request =
      Request(BsonType::kDouble,
              R"({"sparsity": {"$numberLong": "1"}, "trimFactor": {"$numberInt": "1"}})");
  bson_value_t zero = testing::Double(0);
  auto out = Find(request, &zero, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  testing::Encoded low = testing::EncodeDouble(0), high = testing::EncodeDouble(DBL_MAX);
  ExpectFullPayload(*out->lower, testing::MinCoverSize(low.value + 1, high.value, low.max, 1, 1), 1,
                    1, std::nullopt, kGt, std::nullopt);
  BsonDoc doc = PayloadBson(*out->lower);
  bson_iter_t iter;
  // The index bounds libmongocrypt documents for a double without min and max
  // (mc-rangeopts.c).
  if (bson_iter_init_find(&iter, doc.get(), "mn")) {
    EXPECT_EQ(bson_iter_double(&iter), -DBL_MAX);
  }
  if (bson_iter_init_find(&iter, doc.get(), "mx")) {
    EXPECT_EQ(bson_iter_double(&iter), DBL_MAX);
  }
}

TEST_F(RangeTest, DoubleWithPrecisionUsesTheScaledDomain) {
  // fle2v2-Rangev2-DoublePrecision: [0, 200] with 2 digits: 20100 values, a
  // 15-bit domain.
  auto request = Request(BsonType::kDouble, R"({"min": {"$numberDouble": "0"},
      "max": {"$numberDouble": "200"}, "precision": {"$numberInt": "2"},
      "sparsity": {"$numberLong": "1"}, "trimFactor": {"$numberInt": "1"}})");
  bson_value_t zero = testing::Double(0);
  auto out = Find(request, &zero, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  testing::Encoded low = testing::EncodeDoublePrecision(0, 0, 200, 2);
  testing::Encoded high = testing::EncodeDoublePrecision(200, 0, 200, 2);
  ASSERT_EQ(testing::DomainBits(low.max), 15);
  ExpectFullPayload(*out->lower, testing::MinCoverSize(low.value + 1, high.value, low.max, 1, 1), 1,
                    1, 2, kGt, std::nullopt);
  BsonDoc doc = PayloadBson(*out->lower);
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "mn"));
  EXPECT_EQ(bson_iter_double(&iter), 0.0);
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "mx"));
  EXPECT_EQ(bson_iter_double(&iter), 200.0);

  // Two-sided with fractional bounds: [1.25, 99.5) is [125, 9949] scaled.
  bson_value_t a = testing::Double(1.25), b = testing::Double(99.5);
  out = Find(request, &a, RangeOperator::kGte, &b, RangeOperator::kLt);
  ASSERT_TRUE(out.ok()) << out.status();
  testing::Encoded ea = testing::EncodeDoublePrecision(1.25, 0, 200, 2);
  testing::Encoded eb = testing::EncodeDoublePrecision(99.5, 0, 200, 2);
  EXPECT_EQ(ea.value, uint128{125});
  ExpectFullPayload(*out->lower, testing::MinCoverSize(ea.value, eb.value - 1, ea.max, 1, 1), 1, 1,
                    2, kGte, kLt);
}

TEST_F(RangeTest, DecimalWithoutPrecisionUsesTheWhole128BitDomain) {
  // fle2v2-Rangev2-Decimal: trimFactor 1, sparsity 1, no bounds; $gt 0 runs to
  // the largest decimal128.
  auto request =
      Request(BsonType::kDecimal,
              R"({"sparsity": {"$numberLong": "1"}, "trimFactor": {"$numberInt": "1"}})");
  bson_value_t zero = testing::Decimal("0");
  auto out = Find(request, &zero, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  bson_value_t largest = testing::Decimal("9.999999999999999999999999999999999E+6144");
  testing::Encoded low = testing::EncodeDecimal(zero.value.v_decimal128);
  testing::Encoded high = testing::EncodeDecimal(largest.value.v_decimal128);
  ASSERT_EQ(testing::DomainBits(low.max), 128);
  ExpectFullPayload(*out->lower, testing::MinCoverSize(low.value + 1, high.value, low.max, 1, 1), 1,
                    1, std::nullopt, kGt, std::nullopt);
}

TEST_F(RangeTest, DecimalWithPrecisionUsesTheScaledDomain) {
  auto request = Request(BsonType::kDecimal, R"({"min": {"$numberDecimal": "0"},
      "max": {"$numberDecimal": "200"}, "precision": {"$numberInt": "2"},
      "sparsity": {"$numberLong": "1"}, "trimFactor": {"$numberInt": "1"}})");
  bson_value_t zero = testing::Decimal("0");
  bson_value_t min = testing::Decimal("0"), max = testing::Decimal("200");
  auto out = Find(request, &zero, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  testing::Encoded low = testing::EncodeDecimalPrecision(
      zero.value.v_decimal128, min.value.v_decimal128, max.value.v_decimal128, 2);
  testing::Encoded high = testing::EncodeDecimalPrecision(
      max.value.v_decimal128, min.value.v_decimal128, max.value.v_decimal128, 2);
  ExpectFullPayload(*out->lower, testing::MinCoverSize(low.value + 1, high.value, low.max, 1, 1), 1,
                    1, 2, kGt, std::nullopt);

  // 12.345 keeps two digits: [12.34, 150.5] is [1234, 15050] scaled.
  bson_value_t a = testing::Decimal("12.345"), b = testing::Decimal("150.5");
  out = Find(request, &a, RangeOperator::kGte, &b, RangeOperator::kLte);
  ASSERT_TRUE(out.ok()) << out.status();
  testing::Encoded ea = testing::EncodeDecimalPrecision(
      a.value.v_decimal128, min.value.v_decimal128, max.value.v_decimal128, 2);
  testing::Encoded eb = testing::EncodeDecimalPrecision(
      b.value.v_decimal128, min.value.v_decimal128, max.value.v_decimal128, 2);
  EXPECT_EQ(ea.value, uint128{1234});
  EXPECT_EQ(eb.value, uint128{15050});
  ExpectFullPayload(*out->lower, testing::MinCoverSize(ea.value, eb.value, ea.max, 1, 1), 1, 1, 2,
                    kGte, kLte);
}

TEST_F(RangeTest, BoundOutsideMinMaxFailsWithTheDocumentedError) {
  bson_value_t v = testing::Int32(500);
  lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
  request.span = Span{30, 33};
  auto out = Find(request, &v, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  // libmongocrypt's message (mc-range-mincover.c), and the request it is about.
  EXPECT_NE(out.status().message().find("Lower bound (500) must be less than "
                                        "or equal to the range maximum (200)"),
            absl::string_view::npos)
      << out.status();
  EXPECT_NE(out.status().message().find("'encryptedInt'"), absl::string_view::npos);
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->category, Category::kValidationError);
  EXPECT_EQ(d->server_code, 6747900) << "Range query predicate must be within the bounds";
  EXPECT_EQ(d->span, (Span{30, 33}));

  bson_value_t below = testing::Int32(-1);
  out = Find(request, nullptr, RangeOperator::kGte, &below, RangeOperator::kLte);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Upper bound (-1) must be greater than "
                                        "or equal to the range minimum (0)"),
            absl::string_view::npos)
      << out.status();
}

TEST_F(RangeTest, NaNBoundIsRefusedAsTheServerDoes) {
  auto request = Request(BsonType::kDouble, R"({"min": {"$numberDouble": "0"},
      "max": {"$numberDouble": "200"}, "precision": {"$numberInt": "2"}})");
  bson_value_t nan = testing::Double(std::nan(""));
  auto out = Find(request, &nan, RangeOperator::kGt, nullptr, RangeOperator::kLte);
  ASSERT_FALSE(out.ok());
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->server_code, 6991000);
  EXPECT_NE(d->message.find("Query bound cannot be NaN."), std::string::npos);
}

TEST_F(RangeTest, RangeWithNothingInsideIsAnError) {
  // > 5 and < 6 on ints leaves no value; libmongocrypt cannot build a cover of
  // nothing.
  bson_value_t a = testing::Int32(5), b = testing::Int32(6);
  auto out = Find(testing::SpecRequest(spec_.get(), 0, true), &a, RangeOperator::kGt, &b,
                  RangeOperator::kLt);
  ASSERT_FALSE(out.ok());
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, "crypt.empty_range");
}

struct OptionsCase {
  const char* name;
  BsonType type;
  const char* options;
  bool accepted;        // what the server's rules say (encryption_fields_validation.cpp)
  int32_t server_code;  // the rule's code where querysafe reports it, else 0
};

// Each row's verdict comes from the server's encryptedFields rules, not from
// libmongocrypt: a row where libmongocrypt alone would disagree (sparsity 9) is
// one querysafe must refuse itself.
const OptionsCase kOptionsCases[] = {
    {"double without bounds", BsonType::kDouble, R"({})", true, 0},
    {"double with bounds and precision", BsonType::kDouble,
     R"({"min": {"$numberDouble": "0"}, "max": {"$numberDouble": "200"}, "precision": {"$numberInt": "2"}})",
     true, 0},
    {"double bounds without precision", BsonType::kDouble,
     R"({"min": {"$numberDouble": "0"}, "max": {"$numberDouble": "200"}})", false, 6967100},
    {"double precision without bounds", BsonType::kDouble, R"({"precision": {"$numberInt": "2"}})",
     false, 6967100},
    {"double trimFactor below the 15 domain bits", BsonType::kDouble,
     R"({"min": {"$numberDouble": "0"}, "max": {"$numberDouble": "200"}, "precision": {"$numberInt": "2"}, "trimFactor": {"$numberInt": "14"}})",
     true, 0},
    {"double trimFactor equal to the domain bits", BsonType::kDouble,
     R"({"min": {"$numberDouble": "0"}, "max": {"$numberDouble": "200"}, "precision": {"$numberInt": "2"}, "trimFactor": {"$numberInt": "15"}})",
     false, 8574000},
    {"double negative trimFactor", BsonType::kDouble, R"({"trimFactor": {"$numberInt": "-1"}})",
     false, 8574000},
    {"double sparsity 8", BsonType::kDouble, R"({"sparsity": {"$numberLong": "8"}})", true, 0},
    {"double sparsity 9", BsonType::kDouble, R"({"sparsity": {"$numberLong": "9"}})", false,
     6775214},
    {"double sparsity 0", BsonType::kDouble, R"({"sparsity": {"$numberLong": "0"}})", false,
     6775214},
    {"double min not below max", BsonType::kDouble,
     R"({"min": {"$numberDouble": "200"}, "max": {"$numberDouble": "0"}, "precision": {"$numberInt": "2"}})",
     false, 6720005},
    {"double field with int bounds", BsonType::kDouble,
     R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200"}, "precision": {"$numberInt": "2"}})",
     false, 7018200},
    {"double domain of 53 bits or more", BsonType::kDouble,
     R"({"min": {"$numberDouble": "-1e20"}, "max": {"$numberDouble": "1e20"}, "precision": {"$numberInt": "2"}})",
     false, 0},
    {"decimal without bounds", BsonType::kDecimal, R"({})", true, 0},
    {"decimal with bounds and precision", BsonType::kDecimal,
     R"({"min": {"$numberDecimal": "0"}, "max": {"$numberDecimal": "200"}, "precision": {"$numberInt": "2"}})",
     true, 0},
    {"decimal bounds without precision", BsonType::kDecimal,
     R"({"min": {"$numberDecimal": "0"}, "max": {"$numberDecimal": "200"}})", false, 6967100},
    {"decimal trimFactor below the 15 domain bits", BsonType::kDecimal,
     R"({"min": {"$numberDecimal": "0"}, "max": {"$numberDecimal": "200"}, "precision": {"$numberInt": "2"}, "trimFactor": {"$numberInt": "14"}})",
     true, 0},
    {"decimal trimFactor equal to the domain bits", BsonType::kDecimal,
     R"({"min": {"$numberDecimal": "0"}, "max": {"$numberDecimal": "200"}, "precision": {"$numberInt": "2"}, "trimFactor": {"$numberInt": "15"}})",
     false, 0},
    {"decimal min not below max", BsonType::kDecimal,
     R"({"min": {"$numberDecimal": "200"}, "max": {"$numberDecimal": "0"}, "precision": {"$numberInt": "2"}})",
     false, 0},
    {"decimal domain of 128 bits or more", BsonType::kDecimal,
     R"({"min": {"$numberDecimal": "-1E+40"}, "max": {"$numberDecimal": "1E+40"}, "precision": {"$numberInt": "2"}})",
     false, 0},
    {"int with precision", BsonType::kInt,
     R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200"}, "precision": {"$numberInt": "2"}})",
     false, 8574112},
    {"int trimFactor 7 of 8 bits, sparsity 4", BsonType::kInt,
     R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200"}, "sparsity": {"$numberLong": "4"}, "trimFactor": {"$numberInt": "7"}})",
     true, 0},
    {"int trimFactor 8 of 8 bits", BsonType::kInt,
     R"({"min": {"$numberInt": "0"}, "max": {"$numberInt": "200"}, "trimFactor": {"$numberInt": "8"}})",
     false, 8574000},
    {"int min not below max", BsonType::kInt,
     R"({"min": {"$numberInt": "200"}, "max": {"$numberInt": "0"}})", false, 6720005},
    {"int field with long bounds", BsonType::kInt,
     R"({"min": {"$numberLong": "0"}, "max": {"$numberLong": "200"}})", false, 7018200},
    {"long with bounds", BsonType::kLong,
     R"({"min": {"$numberLong": "0"}, "max": {"$numberLong": "200"}})", true, 0},
    {"date with bounds", BsonType::kDate,
     R"({"min": {"$date": {"$numberLong": "0"}}, "max": {"$date": {"$numberLong": "200"}}})", true,
     0},
};

bson_value_t FiveOf(BsonType type) {
  switch (type) {
    case BsonType::kDouble:
      return testing::Double(5);
    case BsonType::kDecimal:
      return testing::Decimal("5");
    case BsonType::kLong:
      return testing::Int64(5);
    case BsonType::kDate:
      return testing::Date(5);
    default:
      return testing::Int32(5);
  }
}

TEST_F(RangeTest, OptionsAreAcceptedExactlyWhenTheServerRulesAcceptThem) {
  for (const OptionsCase& c : kOptionsCases) {
    SCOPED_TRACE(c.name);
    lower::EncryptionRequest request = Request(c.type, c.options);
    bson_value_t five = FiveOf(c.type);
    // A point range: one edge whatever the options, so accepted rows stay
    // cheap.
    auto out = Find(request, &five, RangeOperator::kGte, &five, RangeOperator::kLte);
    EXPECT_EQ(out.ok(), c.accepted) << out.status();
    if (out.ok()) {
      EXPECT_EQ(out->lower->type(), 13);
      continue;
    }
    EXPECT_NE(out.status().code(), absl::StatusCode::kInternal) << out.status();
    std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
    ASSERT_TRUE(d.has_value()) << out.status();
    if (c.server_code != 0) {
      EXPECT_EQ(d->server_code, c.server_code) << out.status();
    }
  }
}

}  // namespace
}  // namespace querysafe::crypt
