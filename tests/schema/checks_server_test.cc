// The server's encryptedFields rules (encryption_fields_validation.cpp), each
// with a schema it rejects, with the server's code and message, and the
// boundary case it accepts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::FieldSchema;
using testing::FindCode;
using ::testing::HasSubstr;
using testing::LoadError;
using testing::LoadOk;
using testing::Schema1;

std::string Range(std::string_view type, std::string_view options) {
  return FieldSchema(
      std::format(R"({{"type": "{}", "queries": {{"queryType": "range"{}}}}})", type, options));
}

std::string DecimalRange(std::string_view options) {
  return FieldSchema(std::format(
      R"({{"type": "EncryptedDecimalField", "max_digits": 10, "decimal_places": 3,
           "queries": {{"queryType": "range"{}}}}})",
      options));
}

SchemaLoadOptions Version(int major, int minor) {
  SchemaLoadOptions o;
  o.server_version = {major, minor};
  return o;
}

TEST(RangeSparsity, MustBeBetween1And8) {
  for (int bad : {0, 9, -1}) {
    Diagnostic d =
        LoadError(Range("EncryptedIntegerField", std::format(R"(, "sparsity": {})", bad)),
                  "schema.server.6775214");
    EXPECT_EQ(d.message, "The field 'sparsity' must be between 1 and 8");
    EXPECT_EQ(d.server_code, 6775214);
    EXPECT_EQ(d.location, "models.M.fields.f.queries.sparsity");
  }
  for (int good : {1, 8})
    LoadOk(Range("EncryptedIntegerField", std::format(R"(, "sparsity": {})", good)));
}

TEST(RangeSparsity, IsBetween1And4On7x) {
  Diagnostic d = LoadError(Range("EncryptedIntegerField", R"(, "sparsity": 5, "min": 0, "max": 9)"),
                           "schema.server.6775214", Version(7, 0));
  EXPECT_EQ(d.message, "The field 'sparsity' must be between 1 and 4");
  SchemaLoadResult r = LoadSchema(
      Range("EncryptedIntegerField", R"(, "sparsity": 4, "min": 0, "max": 9)"), Version(7, 0));
  EXPECT_EQ(FindCode(r.diagnostics, "schema.server.6775214"), nullptr);
  // 7.0 only knew 'rangePreview', which libmongocrypt 1.13 refuses: 'range'
  // needs 8.0.
  EXPECT_NE(FindCode(r.diagnostics, "schema.server_version"), nullptr);
  LoadError(Range("EncryptedIntegerField", R"(, "min": 0, "max": 9)"), "schema.server.6775202",
            Version(7, 0));
}

TEST(RangeBounds, MinMustBeLessThanMax) {
  Diagnostic d = LoadError(Range("EncryptedIntegerField", R"(, "min": 10, "max": 10)"),
                           "schema.server.6720005");
  EXPECT_EQ(d.message, "Min must be less than max.");
  LoadError(
      Range(
          "EncryptedDateField",
          R"(, "min": {"$date": "2024-02-01T00:00:00Z"}, "max": {"$date": "2024-01-01T00:00:00Z"})"),
      "schema.server.6720005");
  LoadError(DecimalRange(R"(, "min": 2.5, "max": 2.50, "precision": 2)"), "schema.server.6720005");
  LoadOk(Range("EncryptedIntegerField", R"(, "min": 10, "max": 11)"));
}

TEST(RangeBounds, MustHaveTheFieldsType) {
  // 2^40 on an int field reaches the server as a long: no silent wrap to int32.
  Diagnostic d = LoadError(
      Range("EncryptedSmallIntegerField", R"(, "min": 1099511627776, "max": 1099511627777)"),
      "schema.server.7018200");
  EXPECT_EQ(d.message, "Range field type 'int' does not match the min value type 'long'");
  EXPECT_EQ(d.server_code, 7018200);
  d = LoadError(Range("EncryptedBigIntegerField", R"(, "min": 0, "max": 1.5)"),
                "schema.server.7018201");
  EXPECT_EQ(d.message, "Range field type 'long' does not match the max value type 'double'");
  d = LoadError(
      Range("EncryptedDateTimeField", R"(, "min": 0, "max": {"$date": "2024-01-01T00:00:00Z"})"),
      "schema.server.7018200");
  EXPECT_EQ(d.message, "Range field type 'date' does not match the min value type 'int'");
  // The int32 limits themselves fit, whatever the JSON number's width.
  LoadOk(Range("EncryptedSmallIntegerField",
               R"(, "min": {"$numberLong": "-2147483648"}, "max": 2147483647)"));
}

TEST(RangeType, MustBeNumericOrDate) {
  Diagnostic d = LoadError(Range("EncryptedCharField", ""), "schema.server.6775201");
  EXPECT_EQ(d.message, "Type 'string' is not a supported range indexed type");
  LoadError(Range("EncryptedBooleanField", ""), "schema.server.6775201");
  for (const char* type : {"EncryptedIntegerField", "EncryptedSmallIntegerField",
                           "EncryptedDateField", "EncryptedFloatField", "EncryptedDurationField"}) {
    LoadOk(Range(type, ""));
  }
}

TEST(RangeTextKeys, AreRefused) {
  Diagnostic d = LoadError(Range("EncryptedIntegerField", R"(, "caseSensitive": true)"),
                           "schema.server.10774909");
  EXPECT_EQ(d.message,
            "The field 'caseSensitive' is not allowed for range index but is "
            "present");
}

TEST(RangePrecision, OnlyForDoubleAndDecimal) {
  Diagnostic d =
      LoadError(Range("EncryptedIntegerField", R"(, "min": 0, "max": 9, "precision": 2)"),
                "schema.server.8574112");
  EXPECT_EQ(d.message, "Precision may only be set when type is double or decimal");
  LoadOk(Range("EncryptedFloatField", R"(, "min": 0, "max": 9, "precision": 2)"));
}

TEST(RangeFloatingBounds, AreAllOrNone) {
  for (const char* partial :
       {R"(, "min": 0, "max": 9)", R"(, "precision": 2)", R"(, "min": 0, "precision": 2)"}) {
    SCOPED_TRACE(partial);
    Diagnostic d = LoadError(Range("EncryptedFloatField", partial), "schema.server.6967100");
    EXPECT_EQ(d.message,
              "Precision, min, and max must all be specified together for "
              "floating point fields");
  }
  LoadOk(Range("EncryptedFloatField", ""));
  LoadOk(Range("EncryptedFloatField", R"(, "min": -1.5, "max": 9.25, "precision": 2)"));
  // Integers need no precision: a missing bound is the type's limit.
  LoadOk(Range("EncryptedIntegerField", R"(, "min": 0)"));
}

TEST(RangeFloatingBounds, HaveAtMostPrecisionDigits) {
  Diagnostic d =
      LoadError(Range("EncryptedFloatField", R"(, "min": 0.125, "max": 9, "precision": 2)"),
                "schema.server.6966805");
  EXPECT_EQ(d.message,
            "The number of decimal digits for minimum value of field 'f' must "
            "be less than or "
            "equal to precision");
  LoadOk(Range("EncryptedFloatField", R"(, "min": 0.125, "max": 9, "precision": 3)"));
  d = LoadError(DecimalRange(R"(, "min": 0, "max": {"$numberDecimal": "9.125"}, "precision": 2)"),
                "schema.server.6966808");
  EXPECT_THAT(d.message, HasSubstr("maximum value of field 'f'"));
  LoadOk(DecimalRange(R"(, "min": 0, "max": {"$numberDecimal": "9.125"}, "precision": 3)"));
}

TEST(RangeFloatingBounds, DomainMustFitPrecisionMode) {
  Diagnostic d =
      LoadError(Range("EncryptedFloatField", R"(, "min": -1e15, "max": 1e15, "precision": 2)"),
                "schema.server.9157100");
  EXPECT_EQ(d.message,
            "The domain of double values specified by the min, max, and "
            "precision for field 'f' "
            "cannot be represented in fewer than 64 bits");
  // 2^52 - 1 scaled values: the widest double domain libmongocrypt accepts
  // (bits < 53).
  LoadOk(Range("EncryptedFloatField", R"(, "min": 0, "max": 4503599627370495, "precision": 0)"));
  LoadError(Range("EncryptedFloatField", R"(, "min": 0, "max": 9007199254740991, "precision": 0)"),
            "schema.server.9157100");
  LoadError(DecimalRange(R"(, "min": {"$numberDecimal": "-1E+30"},
                             "max": {"$numberDecimal": "1E+30"}, "precision": 10)"),
            "schema.server.9157101");
  LoadOk(DecimalRange(
      R"(, "min": {"$numberDecimal": "-1E+20"}, "max": {"$numberDecimal": "1E+20"},
                         "precision": 10)"));
}

TEST(RangeTrimFactor, MustBeBelowTheDomainBits) {
  // [0, 200] needs 8 bits: trimFactor 7 is the largest accepted, 8 the first
  // refused.
  Diagnostic d =
      LoadError(Range("EncryptedIntegerField", R"(, "min": 0, "max": 200, "trimFactor": 8)"),
                "schema.server.8574000");
  EXPECT_EQ(d.message,
            "The field 'trimFactor' must be >= 0 and less than the total "
            "number of bits needed to "
            "represent elements in the domain (8)");
  LoadOk(Range("EncryptedIntegerField", R"(, "min": 0, "max": 200, "trimFactor": 7)"));
  LoadOk(Range("EncryptedIntegerField", R"(, "min": 0, "max": 200, "trimFactor": 0)"));
  LoadError(Range("EncryptedIntegerField", R"(, "min": 0, "max": 200, "trimFactor": -1)"),
            "schema.server.8574000");
}

TEST(RangeTrimFactor, WithSparsityMustKeepQueriesUnderTheBsonLimit) {
  // A full long domain: 2^sparsity * (2 * 64 - 1 + 2^trimFactor) must stay
  // under 300000 tags.
  LoadOk(Range("EncryptedBigIntegerField", R"(, "sparsity": 2, "trimFactor": 16)"));
  Diagnostic d =
      LoadError(Range("EncryptedBigIntegerField", R"(, "sparsity": 2, "trimFactor": 17)"),
                "schema.server.9203508");
  EXPECT_EQ(d.message,
            "Sparsity, trimFactor, min, and max together are too large and "
            "could create queries "
            "that exceed the BSON size limit");
  d = LoadError(Range("EncryptedBigIntegerField", R"(, "sparsity": 4, "trimFactor": 16)"),
                "schema.server.9203504");
  EXPECT_EQ(d.message,
            "Sparsity and trimFactor together are too large and could create "
            "queries that exceed "
            "the BSON size limit");
}

TEST(EqualityIndex, RefusesTypesWithoutDeterministicTokens) {
  Diagnostic d = LoadError(FieldSchema(R"({"type": "EncryptedFloatField",
                                           "queries": {"queryType": "equality"}})"),
                           "schema.server.6338405");
  EXPECT_EQ(d.message, "Type 'double' is not a supported equality indexed type");
  LoadError(FieldSchema(
                R"({"type": "EncryptedDecimalField", "max_digits": 5, "decimal_places": 2,
                            "queries": {"queryType": "equality"}})"),
            "schema.server.6338405");
  for (const char* type : {"EncryptedBooleanField", "EncryptedBinaryField", "EncryptedDateField",
                           "EncryptedObjectIdField", "EncryptedIntegerField"}) {
    LoadOk(FieldSchema(
        std::format(R"({{"type": "{}", "queries": {{"queryType": "equality"}}}})", type)));
  }
}

TEST(EqualityIndex, RefusesTheOtherIndexesOptions) {
  struct Case {
    const char* option;
    const char* code;
  } cases[] = {{R"("sparsity": 1)", "schema.server.6775205"},
               {R"("min": 1)", "schema.server.6775206"},
               {R"("max": 1)", "schema.server.6775207"},
               {R"("trimFactor": 1)", "schema.server.8574104"},
               {R"("precision": 1)", "schema.server.10774900"},
               {R"("strMaxLength": 1)", "schema.server.10774901"},
               {R"("strMinQueryLength": 1)", "schema.server.10774902"},
               {R"("strMaxQueryLength": 1)", "schema.server.10774903"},
               {R"("caseSensitive": true)", "schema.server.10774904"},
               {R"("diacriticSensitive": true)", "schema.server.10774905"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.option);
    Diagnostic d = LoadError(
        FieldSchema(std::format(
            R"({{"type": "EncryptedCharField", "queries": {{"queryType": "equality", {}}}}})",
            c.option)),
        c.code);
    EXPECT_THAT(d.message, HasSubstr("is not allowed for equality index but is present"));
  }
  LoadOk(FieldSchema(
      R"({"type": "EncryptedCharField", "queries": {"queryType": "equality", "contention": 4}})"));
}

TEST(Contention, MustNotBeNegative) {
  Diagnostic d = LoadError(FieldSchema(R"({"type": "EncryptedCharField",
                                           "queries": {"queryType": "equality", "contention": -1}})"),
                           "schema.server.51024");
  EXPECT_EQ(d.message, "BSON field 'contention' value must be >= 0, actual value '-1'");
  LoadOk(FieldSchema(
      R"({"type": "EncryptedCharField", "queries": {"queryType": "equality", "contention": 0}})"));
}

std::string Text(std::string_view queries) {
  return FieldSchema(std::format(R"({{"type": "EncryptedTextField", "queries": {}}})", queries));
}

constexpr const char* kPrefix =
    R"({"queryType": "prefixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
        "caseSensitive": true, "diacriticSensitive": false})";
constexpr const char* kSuffix =
    R"({"queryType": "suffixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
        "caseSensitive": true, "diacriticSensitive": false})";

TEST(TextIndex, NeedsMongoDb82) {
  Diagnostic d = LoadError(Text(kPrefix), "schema.server_version");
  EXPECT_EQ(d.message,
            "queryType 'prefixPreview' needs MongoDB 8.2 or later (server "
            "version 8.0)");
  LoadOk(Text(kPrefix), Version(8, 2));
}

TEST(TextIndex, IsForStringsWithEveryParameter) {
  const SchemaLoadOptions v82 = Version(8, 2);
  Diagnostic d = LoadError(
      FieldSchema(std::format(R"({{"type": "EncryptedIntegerField", "queries": {}}})", kPrefix)),
      "schema.server.9783400", v82);
  EXPECT_EQ(d.message,
            "Type 'long' is not a supported type for text search indexed "
            "encrypted field f");
  d = LoadError(Text(R"({"queryType": "prefixPreview", "strMaxQueryLength": 10,
                         "caseSensitive": true, "diacriticSensitive": false})"),
                "schema.server.9783402", v82);
  EXPECT_EQ(d.message,
            "strMinQueryLength parameter is required for prefixPreview query "
            "type of field f");
  d = LoadError(Text(R"({"queryType": "prefixPreview", "strMinQueryLength": 11,
                         "strMaxQueryLength": 10, "caseSensitive": true,
                         "diacriticSensitive": false})"),
                "schema.server.9783406", v82);
  EXPECT_EQ(d.message, "strMinQueryLength cannot be greater than strMaxQueryLength");
  LoadError(Text(R"({"queryType": "substringPreview", "strMinQueryLength": 2,
                     "strMaxQueryLength": 10, "caseSensitive": true, "diacriticSensitive": false})"),
            "schema.server.9783407", v82);
  LoadError(Text(
                R"({"queryType": "substringPreview", "strMaxLength": 9, "strMinQueryLength": 2,
                     "strMaxQueryLength": 10, "caseSensitive": true, "diacriticSensitive": false})"),
            "schema.server.9783408", v82);
  LoadOk(Text(
             R"({"queryType": "substringPreview", "strMaxLength": 10, "strMinQueryLength": 2,
                  "strMaxQueryLength": 10, "caseSensitive": false, "diacriticSensitive": false})"),
         v82);
  LoadError(Text(
                R"({"queryType": "suffixPreview", "strMinQueryLength": 2, "strMaxQueryLength": 10,
                     "caseSensitive": true, "diacriticSensitive": false, "sparsity": 1})"),
            "schema.server.10774911", v82);
}

TEST(QueryList, OnlyPrefixWithSuffixAndAlike) {
  const SchemaLoadOptions v82 = Version(8, 2);
  LoadOk(Text(std::format("[{}, {}]", kPrefix, kSuffix)), v82);
  Diagnostic d = LoadError(Text(R"([{"queryType": "equality"}, {"queryType": "equality"}])"),
                           "schema.server.9783414", v82);
  EXPECT_EQ(d.message,
            "Multiple query types may only include the suffixPreview and "
            "prefixPreview query types");
  LoadError(Text(std::format("[{}, {}, {}]", kPrefix, kSuffix, kPrefix)), "schema.server.9783413",
            v82);
  std::string suffix_other_case = std::string(kSuffix);
  suffix_other_case.replace(suffix_other_case.find("true"), 4, "false");
  d = LoadError(Text(std::format("[{}, {}]", kPrefix, suffix_other_case)), "schema.server.9783409",
                v82);
  EXPECT_EQ(d.message,
            "caseSensitive parameter must be the same for all query types of "
            "field f");
  std::string suffix_contention = std::string(kSuffix);
  suffix_contention.insert(1, R"("contention": 0, )");
  LoadError(Text(std::format("[{}, {}]", kPrefix, suffix_contention)), "schema.server.9783411",
            v82);
  // Before 8.2 a field has one query type.
  d = LoadError(Text(R"([{"queryType": "equality"}, {"queryType": "equality"}])"),
                "schema.server.6338404");
  EXPECT_EQ(d.message, "Exactly one query type should be specified per field");
  LoadOk(Text(R"([{"queryType": "equality"}])"));
}

constexpr const char* kPrefix90 =
    R"({"queryType": "prefix", "strMinQueryLength": 2, "strMaxQueryLength": 10,
        "caseSensitive": true, "diacriticSensitive": false})";
constexpr const char* kSuffix90 =
    R"({"queryType": "suffix", "strMinQueryLength": 2, "strMaxQueryLength": 10,
        "caseSensitive": true, "diacriticSensitive": false})";

TEST(TextIndex90, NeedsMongoDb90) {
  Diagnostic d = LoadError(Text(kPrefix90), "schema.server_version", Version(8, 2));
  EXPECT_EQ(d.message,
            "queryType 'prefix' needs MongoDB 9.0 or later (server version 8.2; 8.2 has "
            "'prefixPreview')");
  LoadOk(Text(kPrefix90), Version(9, 0));
  // The previews stay accepted on 9.0 (collections created with them are still served).
  LoadOk(Text(kPrefix), Version(9, 0));
}

TEST(TextIndex90, HasThePreviewsRules) {
  const SchemaLoadOptions v90 = Version(9, 0);
  Diagnostic d = LoadError(
      FieldSchema(std::format(R"({{"type": "EncryptedIntegerField", "queries": {}}})", kSuffix90)),
      "schema.server.9783400", v90);
  EXPECT_EQ(d.message,
            "Type 'long' is not a supported type for text search indexed encrypted field f");
  d = LoadError(Text(R"({"queryType": "suffix", "strMinQueryLength": 2,
                         "caseSensitive": true, "diacriticSensitive": false})"),
                "schema.server.9783403", v90);
  EXPECT_EQ(d.message, "strMaxQueryLength parameter is required for suffix query type of field f");
  d = LoadError(Text(R"({"queryType": "substring", "strMinQueryLength": 2,
                         "strMaxQueryLength": 10, "diacriticSensitive": false,
                         "strMaxLength": 10})"),
                "schema.server.9783404", v90);
  EXPECT_EQ(d.message, "caseSensitive parameter is required for substring query type of field f");
  LoadError(Text(R"({"queryType": "substring", "strMinQueryLength": 2, "strMaxQueryLength": 10,
                     "caseSensitive": true, "diacriticSensitive": false})"),
            "schema.server.9783407", v90);
  LoadError(Text(R"({"queryType": "substring", "strMaxLength": 9, "strMinQueryLength": 2,
                     "strMaxQueryLength": 10, "caseSensitive": true, "diacriticSensitive": false})"),
            "schema.server.9783408", v90);
  LoadError(Text(R"({"queryType": "prefix", "strMinQueryLength": 2, "strMaxQueryLength": 10,
                     "caseSensitive": true, "diacriticSensitive": false, "min": 1})"),
            "schema.server.10774912", v90);
  LoadError(Text(R"({"queryType": "prefix", "strMinQueryLength": 0, "strMaxQueryLength": 10,
                     "caseSensitive": true, "diacriticSensitive": false})"),
            "schema.text_length", v90);
  LoadOk(Text(R"({"queryType": "substring", "strMaxLength": 10, "strMinQueryLength": 2,
                  "strMaxQueryLength": 10, "caseSensitive": false, "diacriticSensitive": false})"),
         v90);
}

TEST(QueryList90, OnlyPrefixWithSuffixOfOneGeneration) {
  const SchemaLoadOptions v90 = Version(9, 0);
  LoadOk(Text(std::format("[{}, {}]", kSuffix90, kPrefix90)), v90);
  LoadOk(Text(std::format("[{}, {}]", kPrefix, kSuffix)), v90);
  std::string substring = R"({"queryType": "substring", "strMaxLength": 10,
      "strMinQueryLength": 2, "strMaxQueryLength": 10, "caseSensitive": true,
      "diacriticSensitive": false})";
  Diagnostic d =
      LoadError(Text(std::format("[{}, {}]", kPrefix90, substring)), "schema.server.9783414", v90);
  EXPECT_EQ(d.message, "Multiple query types may only include the suffix and prefix query types");
  // A preview with a 9.0 type: neither server serves the pair.
  LoadError(Text(std::format("[{}, {}]", kPrefix90, kSuffix)), "schema.server.9783414", v90);
  std::string suffix_other = std::string(kSuffix90);
  suffix_other.replace(suffix_other.find("false"), 5, "true");
  d = LoadError(Text(std::format("[{}, {}]", kPrefix90, suffix_other)), "schema.server.9783410",
                v90);
  EXPECT_EQ(d.message,
            "diacriticSensitive parameter must be the same for all query types of field f");
}

TEST(EncryptedFieldConfig, CannotEncryptId) {
  Diagnostic d = LoadError(FieldSchema(R"({"type": "EncryptedCharField", "db_column": "_id"})"),
                           "schema.server.6316403");
  EXPECT_EQ(d.message, "Cannot encrypt _id or its subfields");
  LoadOk(FieldSchema(R"({"type": "EncryptedCharField", "db_column": "_idx"})"));
}

TEST(EncryptedFieldConfig, PathsAreUniqueAndNotPrefixesOfEachOther) {
  Diagnostic d = LoadError(Schema1(R"("a": {"type": "EncryptedCharField"},
                                      "b": {"type": "EncryptedTextField", "db_column": "a"})"),
                           "schema.server.6338402");
  EXPECT_EQ(d.message, "Duplicate paths are not allowed");
  const std::string embedded =
      R"(, "E": {"embedded": true, "fields": {"x": {"type": "EncryptedIntegerField"}}})";
  d = LoadError(Schema1(R"("a": {"type": "EncryptedCharField"},
                           "b": {"type": "EmbeddedModelField", "embedded_model": "E",
                                 "db_column": "a"})",
                        embedded),
                "schema.server.6338403");
  EXPECT_EQ(d.message,
            "Conflicting index paths found as one is a prefix of another 'a.x' "
            "and 'a'");
  // "ab.x" is not under "a": paths compare by components, not characters.
  LoadOk(Schema1(R"("a": {"type": "EncryptedCharField"},
                    "b": {"type": "EmbeddedModelField", "embedded_model": "E", "db_column": "ab"})",
                 embedded));
}

}  // namespace
}  // namespace querysafe::schema
