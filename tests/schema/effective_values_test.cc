// What the server and libmongocrypt apply when a `queries` key is absent, and
// the coercion of declared values to the types the server expects. Expected
// values: the server's defaults (contention 8, sparsity 2, trimFactor 6 capped
// by libmongocrypt's trimFactorDefault to bits - 1, and 8.0's full-type-range
// bounds), as the server's kFLERangeSparsityDefault/kFLERangeTrimFactorDefault
// (src/mongo/crypto/fle_field_schema.idl), libmongocrypt's mc-range-encoding.c
// and the spec test fle2v2-Rangev2-Defaults (min 0, max 200, no sparsity or
// trimFactor: sp 2, tf 6) give them.
#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "lib/common/bson_util.h"
#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::FieldF;
using testing::FieldSchema;
using testing::LoadOk;

const QuerySpec* LoadSpec(std::string_view field_json, std::shared_ptr<const Schema>* keep) {
  *keep = LoadOk(FieldSchema(field_json));
  if (*keep == nullptr) return nullptr;
  const Field* f = FieldF(**keep);
  if (f == nullptr || f->queries.empty()) return nullptr;
  return &f->queries[0];
}

std::string Canonical(const BsonDoc& doc) { return ToCanonicalJson(doc.get()); }

TEST(EffectiveValues, EqualityContentionDefaultsTo8) {
  std::shared_ptr<const Schema> s;
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedCharField",
                                       "queries": {"queryType": "equality"}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_FALSE(spec->contention.has_value());
  EXPECT_EQ(spec->effective_contention, 8);
  // Declared: nothing added (django-mongodb-backend passes queries through).
  EXPECT_EQ(Canonical(spec->declared), R"({ "queryType" : "equality" })");
  spec = LoadSpec(R"({"type": "EncryptedCharField",
                      "queries": {"queryType": "equality", "contention": 0}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->effective_contention, 0);
  EXPECT_EQ(Canonical(spec->declared),
            R"({ "queryType" : "equality", "contention" : { "$numberLong" : "0" } })");
}

TEST(EffectiveValues, RangeDefaultsForAFullInt) {
  std::shared_ptr<const Schema> s;
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedSmallIntegerField",
                                       "queries": {"queryType": "range"}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->effective_contention, 8);
  EXPECT_EQ(spec->effective_sparsity, 2);
  EXPECT_EQ(spec->domain_bits, 32u);
  EXPECT_EQ(spec->effective_trim_factor, 6);
  ASSERT_TRUE(spec->has_bounds());
  // The query analysis markings of 8.0: indexMin INT32_MIN, indexMax INT32_MAX.
  EXPECT_EQ(spec->min().value_type, BSON_TYPE_INT32);
  EXPECT_EQ(spec->min().value.v_int32, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(spec->max().value.v_int32, std::numeric_limits<int32_t>::max());
  EXPECT_FALSE(spec->has_min);
  EXPECT_EQ(Canonical(spec->declared), R"({ "queryType" : "range" })");
}

TEST(EffectiveValues, RangeDefaultsForLongAndDate) {
  std::shared_ptr<const Schema> s;
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedIntegerField",
                                       "queries": {"queryType": "range"}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->domain_bits, 64u);
  EXPECT_EQ(spec->min().value_type, BSON_TYPE_INT64);
  EXPECT_EQ(spec->min().value.v_int64, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(spec->max().value.v_int64, std::numeric_limits<int64_t>::max());
  spec = LoadSpec(R"({"type": "EncryptedDateField", "queries": {"queryType": "range"}})", &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->min().value_type, BSON_TYPE_DATE_TIME);
  EXPECT_EQ(spec->min().value.v_datetime, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(spec->max().value.v_datetime, std::numeric_limits<int64_t>::max());
  // Only min given: max is still the type's limit.
  spec = LoadSpec(R"({"type": "EncryptedBigIntegerField",
                      "queries": {"queryType": "range", "min": 0}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->min().value.v_int64, 0);
  EXPECT_EQ(spec->max().value.v_int64, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(spec->domain_bits, 63u);
}

TEST(EffectiveValues, TrimFactorDefaultIsCappedBySmallDomains) {
  std::shared_ptr<const Schema> s;
  // fle2v2-Rangev2-Defaults: [0, 200] is 8 bits, default trimFactor 6,
  // sparsity 2.
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedSmallIntegerField",
                                       "queries": {"queryType": "range", "min": 0, "max": 200}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->domain_bits, 8u);
  EXPECT_EQ(spec->effective_trim_factor, 6);
  EXPECT_EQ(spec->effective_sparsity, 2);
  // [0, 3] is 2 bits: trimFactorDefault gives bits - 1.
  spec = LoadSpec(R"({"type": "EncryptedSmallIntegerField",
                      "queries": {"queryType": "range", "min": 0, "max": 3}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->domain_bits, 2u);
  EXPECT_EQ(spec->effective_trim_factor, 1);
  // [-1, 0]: 1 bit, trimFactor 0.
  spec = LoadSpec(R"({"type": "EncryptedSmallIntegerField",
                      "queries": {"queryType": "range", "min": -1, "max": 0}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->domain_bits, 1u);
  EXPECT_EQ(spec->effective_trim_factor, 0);
  // A declared trimFactor is used as is.
  spec = LoadSpec(R"({"type": "EncryptedSmallIntegerField",
                      "queries": {"queryType": "range", "min": 0, "max": 200, "trimFactor": 1,
                                  "sparsity": 1}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->effective_trim_factor, 1);
  EXPECT_EQ(spec->effective_sparsity, 1);
}

TEST(EffectiveValues, FloatingRangesWithoutBoundsStayUnbounded) {
  std::shared_ptr<const Schema> s;
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedFloatField",
                                       "queries": {"queryType": "range"}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_FALSE(spec->has_bounds());
  EXPECT_EQ(spec->domain_bits, 64u);
  EXPECT_EQ(spec->effective_trim_factor, 6);
  spec = LoadSpec(
      R"({"type": "EncryptedDecimalField", "max_digits": 10, "decimal_places": 2,
                      "queries": {"queryType": "range"}})",
      &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_FALSE(spec->has_bounds());
  EXPECT_EQ(spec->domain_bits, 128u);
}

TEST(EffectiveValues, FloatingPrecisionDomain) {
  std::shared_ptr<const Schema> s;
  // [0, 200] at 2 digits: 20000 + 10^2 values, ceil(log2(20100)) = 15 bits.
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedFloatField",
                                       "queries": {"queryType": "range", "min": 0, "max": 200,
                                                   "precision": 2}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->domain_bits, 15u);
  EXPECT_EQ(spec->min().value_type, BSON_TYPE_DOUBLE);
  EXPECT_EQ(spec->max().value.v_double, 200.0);
  spec = LoadSpec(
      R"({"type": "EncryptedDecimalField", "max_digits": 10, "decimal_places": 2,
                      "queries": {"queryType": "range", "min": 0, "max": 200, "precision": 2}})",
      &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->domain_bits, 15u);
  EXPECT_EQ(spec->min().value_type, BSON_TYPE_DECIMAL128);
}

TEST(Coercion, NumbersTakeTheFieldsType) {
  std::shared_ptr<const Schema> s;
  // JSON has one number type; the server compares BSON types exactly.
  const QuerySpec* spec = LoadSpec(R"({"type": "EncryptedIntegerField",
                                       "queries": {"queryType": "range", "min": 0, "max": 1.0e3,
                                                   "sparsity": 1.0, "trimFactor": 2}})",
                                   &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(
      Canonical(spec->declared),
      R"({ "queryType" : "range", "min" : { "$numberLong" : "0" }, "max" : { "$numberLong" : "1000" }, "sparsity" : { "$numberLong" : "1" }, "trimFactor" : { "$numberInt" : "2" } })");
  spec = LoadSpec(R"({"type": "EncryptedSmallIntegerField",
                      "queries": {"queryType": "range", "min": {"$numberLong": "-5"},
                                  "max": 5}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(
      Canonical(spec->declared),
      R"({ "queryType" : "range", "min" : { "$numberInt" : "-5" }, "max" : { "$numberInt" : "5" } })");
  spec = LoadSpec(R"({"type": "EncryptedFloatField",
                      "queries": {"queryType": "range", "min": 0, "max": 10, "precision": 1}})",
                  &s);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(
      Canonical(spec->declared),
      R"({ "queryType" : "range", "min" : { "$numberDouble" : "0.0" }, "max" : { "$numberDouble" : "10.0" }, "precision" : { "$numberInt" : "1" } })");
  spec = LoadSpec(
      R"({"type": "EncryptedDecimalField", "max_digits": 10, "decimal_places": 2,
                      "queries": {"queryType": "range", "min": 0.1, "max": 123.45,
                                  "precision": 2}})",
      &s);
  ASSERT_NE(spec, nullptr);
  // A JSON 0.1 means the decimal 0.1, not the binary double nearest to it.
  EXPECT_EQ(
      Canonical(spec->declared),
      R"({ "queryType" : "range", "min" : { "$numberDecimal" : "0.1" }, "max" : { "$numberDecimal" : "123.45" }, "precision" : { "$numberInt" : "2" } })");
}

}  // namespace
}  // namespace querysafe::schema
