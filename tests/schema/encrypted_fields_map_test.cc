// encryptedFields generation and key binding: the schema's encrypted_fields_map
// (the showencryptedfieldsmap format) must agree with the models, and the
// printed map is what showencryptedfieldsmap prints. Expected texts are
// Python's json.dumps(..., indent=4) of the structures bson.json_util builds.
#include <bson/bson.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/common/bson_util.h"
#include "lib/schema/python_json.h"
#include "querysafe/schema.h"
#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using ::testing::HasSubstr;
using testing::LoadError;
using testing::LoadOk;

constexpr const char* kSsnKey =
    R"({"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}})";
constexpr const char* kBillingKey =
    R"({"$binary": {"base64": "q83vqxI0mHYSNBI0VniQEg==", "subType": "04"}})";

std::string Medical(std::string_view map) {
  std::string schema = testing::ReadData("conformance/schemas/medical.json");
  size_t brace = schema.find('{');
  return schema.substr(0, brace + 1) + std::format(R"( "encrypted_fields_map": {}, )", map) +
         schema.substr(brace + 1);
}

std::string MedicalMap(std::string_view ssn_extra = R"(, "queries": {"queryType": "equality"})",
                       std::string_view billing_type = "object") {
  return std::format(R"({{"patients": {{"fields": [
      {{"bsonType": "string", "path": "patient_record.ssn", "keyId": {}{}}},
      {{"bsonType": "{}", "path": "patient_record.billing", "keyId": {}}}]}}}})",
                     kSsnKey, ssn_extra, billing_type, kBillingKey);
}

TEST(EncryptedFieldsMap, BindsKeyIdsWhenTheMapAgrees) {
  auto schema = LoadOk(Medical(MedicalMap()));
  ASSERT_NE(schema, nullptr);
  const Model* patient = schema->FindModel("Patient");
  const EncryptedPath* ssn = patient->FindEncryptedPath("patient_record.ssn");
  ASSERT_NE(ssn, nullptr);
  ASSERT_TRUE(ssn->key.key_id.has_value());
  // EjRWeBI0mHYSNBI0VniQEg== is UUID 12345678-1234-9876-1234-123456789012.
  EXPECT_EQ((*ssn->key.key_id)[0], 0x12);
  EXPECT_EQ((*ssn->key.key_id)[15], 0x12);
  EXPECT_TRUE(ssn->key.key_alt_name.empty());
  // A map read back from text has int32 where querysafe has int64, and one
  // listed by the server has its defaults filled in (contention 8): both agree
  // with the models.
  LoadOk(Medical(MedicalMap(R"(, "queries": {"queryType": "equality", "contention": 8})")));
  LoadOk(Medical(
      MedicalMap(R"(, "queries": {"queryType": "equality", "contention": {"$numberLong": "8"}})")));
  LoadError(Medical(MedicalMap(R"(, "queries": {"queryType": "equality", "contention": 0})")),
            "schema.encrypted_fields_map");
}

TEST(EncryptedFieldsMap, PrintsLikeShowEncryptedFieldsMap) {
  querysafe::SchemaResult r = querysafe::Schema::FromJson(Medical(MedicalMap()));
  ASSERT_TRUE(r.ok()) << testing::Describe(r.diagnostics);
  EXPECT_EQ(r.schema->EncryptedFieldsMapJson(), R"({
    "patients": {
        "fields": [
            {
                "bsonType": "string",
                "path": "patient_record.ssn",
                "keyId": {
                    "$binary": {
                        "base64": "EjRWeBI0mHYSNBI0VniQEg==",
                        "subType": "04"
                    }
                },
                "queries": {
                    "queryType": "equality"
                }
            },
            {
                "bsonType": "object",
                "path": "patient_record.billing",
                "keyId": {
                    "$binary": {
                        "base64": "q83vqxI0mHYSNBI0VniQEg==",
                        "subType": "04"
                    }
                }
            }
        ]
    }
})");
}

TEST(EncryptedFieldsMap, DisagreementsNameBothSides) {
  Diagnostic d = LoadError(Medical(MedicalMap(R"(, "queries": {"queryType": "range"})")),
                           "schema.encrypted_fields_map");
  EXPECT_THAT(d.message, HasSubstr("encrypted_fields_map['patients'] gives 'patient_record.ssn' "
                                   "the queries"));
  EXPECT_THAT(d.message, HasSubstr("but PatientRecord.ssn (EncryptedCharField) declares"));
  d = LoadError(Medical(MedicalMap(R"(, "queries": {"queryType": "equality"})", "string")),
                "schema.encrypted_fields_map");
  EXPECT_EQ(d.message,
            "encrypted_fields_map['patients'] gives 'patient_record.billing' "
            "the bsonType "
            "'string', but PatientRecord.billing (EncryptedEmbeddedModelField) "
            "stores 'object'");
  // No queries in the map for a queryable field.
  LoadError(Medical(MedicalMap("")), "schema.encrypted_fields_map");
  // A path the models do not encrypt.
  d = LoadError(Medical(std::format(R"({{"patients": {{"fields": [
      {{"bsonType": "string", "path": "patient_record.ssn", "keyId": {},
        "queries": {{"queryType": "equality"}}}},
      {{"bsonType": "object", "path": "patient_record.billing", "keyId": {}}},
      {{"bsonType": "string", "path": "patient_name", "keyId": {{"$binary": {{
        "base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04"}}}}}}]}}}})",
                                    kSsnKey, kBillingKey)),
                "schema.encrypted_fields_map");
  EXPECT_EQ(d.message,
            "encrypted_fields_map['patients'] lists 'patient_name', but model "
            "Patient has no "
            "encrypted field at that path");
  // A path missing from the map.
  d = LoadError(Medical(std::format(R"({{"patients": {{"fields": [
      {{"bsonType": "string", "path": "patient_record.ssn", "keyId": {},
        "queries": {{"queryType": "equality"}}}}]}}}})",
                                    kSsnKey)),
                "schema.encrypted_fields_map");
  EXPECT_EQ(d.message,
            "encrypted_fields_map['patients'] has no entry for "
            "'patient_record.billing', which "
            "PatientRecord.billing (EncryptedEmbeddedModelField) encrypts");
  // No entry for the collection at all, and one for a collection no model has.
  d = LoadError(Medical(R"({"other": {"fields": []}})"), "schema.encrypted_fields_map");
  EXPECT_THAT(d.message, HasSubstr("has no entry for 'patients', but model Patient has encrypted "
                                   "fields ('patient_record.ssn', 'patient_record.billing')"));
}

TEST(EncryptedFieldsMap, EnforcesTheServersConfigRules) {
  std::string map = MedicalMap();
  map.replace(map.find(kBillingKey), std::string_view(kBillingKey).size(), kSsnKey);
  Diagnostic d = LoadError(Medical(map), "schema.server.6338401");
  EXPECT_EQ(d.message, "Duplicate key ids are not allowed");
  d = LoadError(
      Medical(MedicalMap().replace(MedicalMap().find(R"("keyId": {"$binary")"), 1, R"("x": 1, ")")),
      "schema.server.40415");
  LoadError(Medical(R"({"patients": {"fields": [{"bsonType": "object",
               "path": "patient_record.billing", "keyId": "not a uuid"}]}})"),
            "schema.encrypted_fields_map");
}

TEST(EncryptedFieldsMap, WithoutAMapKeysAreAltNames) {
  auto schema = LoadOk(testing::ReadData("conformance/schemas/medical.json"));
  ASSERT_NE(schema, nullptr);
  const EncryptedPath* billing =
      schema->FindModel("Patient")->FindEncryptedPath("patient_record.billing");
  ASSERT_NE(billing, nullptr);
  EXPECT_FALSE(billing->key.key_id.has_value());
  // django-mongodb-backend: key_alt_name = f"{db_table}.{column}" down the
  // embedded path.
  EXPECT_EQ(billing->key.key_alt_name, "patients.patient_record.billing");
}

TEST(EncryptedFieldsMap, SkipsUnmanagedModels) {
  // showencryptedfieldsmap lists only models that can migrate (KeyTestModel is
  // unmanaged).
  auto schema = LoadOk(testing::Schema1(
      R"("f": {"type": "EncryptedCharField"})",
      R"(, "KeyTestModel": {"managed": false, "fields": {"value": {"type": "EncryptedCharField",
         "max_length": 255}}})"));
  ASSERT_NE(schema, nullptr);
  BsonDoc map = schema->EncryptedFieldsMap();
  bson_iter_t it;
  EXPECT_TRUE(bson_iter_init_find(&it, map.get(), "m"));
  EXPECT_FALSE(bson_iter_init_find(&it, map.get(), "keytestmodel"));
  // Still a model with encrypted fields for querying.
  EXPECT_TRUE(schema->FindModel("KeyTestModel")->has_encrypted_fields());
}

TEST(EncryptedFieldsMap, QueriesListStaysAList) {
  SchemaLoadOptions v82;
  v82.server_version = {8, 2};
  auto schema =
      LoadOk(testing::FieldSchema(
                 R"({"type": "EncryptedCharField", "queries": [{"queryType": "equality"}]})"),
             v82);
  ASSERT_NE(schema, nullptr);
  BsonDoc map = schema->EncryptedFieldsMap();
  EXPECT_EQ(
      ToCanonicalJson(map.get()),
      R"({ "m" : { "fields" : [ { "bsonType" : "string", "path" : "f", "keyAltName" : "m.f", "queries" : [ { "queryType" : "equality" } ] } ] } })");
}

TEST(EncryptedFieldsMap, RecursiveModelsWithEncryptedFieldsAreRefused) {
  // _get_encrypted_fields would recurse forever: A -> B -> A through plain
  // EmbeddedModelFields.
  Diagnostic d =
      LoadError(testing::Schema1(R"("f": {"type": "EmbeddedModelField", "embedded_model": "A"})",
                                 R"(, "A": {"embedded": true, "fields": {
                             "b": {"type": "EmbeddedModelField", "embedded_model": "B"},
                             "s": {"type": "EncryptedCharField"}}},
                           "B": {"embedded": true, "fields": {
                             "a": {"type": "EmbeddedModelField", "embedded_model": "A"}}})"),
                "schema.recursive_encrypted");
  EXPECT_THAT(d.message, HasSubstr("'A' -> 'B' -> 'A'"));
}

TEST(PythonJson, MatchesJsonUtilDumps) {
  BsonDoc doc;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(
      R"({"a": 1.5, "b": 200.0, "c": 1e16, "d": 1e-05, "e": 0.0001,
      "f": {"$numberDouble": "-0.0"}, "g": {"$numberLong": "9007199254740993"},
      "h": {"$date": {"$numberLong": "1704067200123"}}, "i": {"$date": {"$numberLong": "-1"}},
      "j": "\u00e9\n\"\\\ud83d\ude00\u007f", "k": {"$numberDecimal": "1.50"}, "l": [], "m": {},
      "n": [true, null, 12345.678], "o": 1.2345678901234567e-300, "p": 123456789012345.6})",
      &doc, &error))
      << error.message;
  EXPECT_EQ(PythonJsonDumps(doc.get()), R"({
    "a": 1.5,
    "b": 200.0,
    "c": 1e+16,
    "d": 1e-05,
    "e": 0.0001,
    "f": -0.0,
    "g": 9007199254740993,
    "h": {
        "$date": "2024-01-01T00:00:00.123Z"
    },
    "i": {
        "$date": {
            "$numberLong": "-1"
        }
    },
    "j": "\u00e9\n\"\\\ud83d\ude00\u007f",
    "k": {
        "$numberDecimal": "1.50"
    },
    "l": [],
    "m": {},
    "n": [
        true,
        null,
        12345.678
    ],
    "o": 1.2345678901234568e-300,
    "p": 123456789012345.6
})");
}

}  // namespace
}  // namespace querysafe::schema
