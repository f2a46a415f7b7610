// Django's model-level rules and the references between models: each with a
// rejected schema and the closest accepted one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/schema/schema_test_util.h"

namespace querysafe::schema {
namespace {

using testing::FieldSchema;
using ::testing::HasSubstr;
using testing::LoadError;
using testing::LoadOk;
using testing::Schema1;

TEST(FieldNames, FollowDjangosRules) {
  Diagnostic d = LoadError(Schema1(R"("a__b": {"type": "IntegerField"})"), "schema.field_name");
  EXPECT_EQ(d.message, "Field names must not contain \"__\".");
  EXPECT_EQ(d.category, Category::kFieldError);
  d = LoadError(Schema1(R"("pk": {"type": "IntegerField"})"), "schema.field_name");
  EXPECT_EQ(d.message, "'pk' is a reserved word that cannot be used as a field name.");
  d = LoadError(Schema1(R"("a_": {"type": "IntegerField"})"), "schema.field_name");
  EXPECT_EQ(d.message, "Field names must not end with an underscore.");
  LoadOk(Schema1(R"("a_b": {"type": "IntegerField"}, "_a": {"type": "IntegerField"})"));
}

TEST(FieldNames, ColumnsMustBeAddressable) {
  LoadError(FieldSchema(R"({"type": "IntegerField", "db_column": "a.b"})"),
            "schema.invalid_column");
  LoadError(FieldSchema(R"({"type": "IntegerField", "db_column": "$a"})"), "schema.invalid_column");
  LoadOk(FieldSchema(R"({"type": "IntegerField", "db_column": "a$b"})"));
  // Django's get_attname_column: `self.db_column or attname`, so "" means the
  // default.
  auto schema = LoadOk(FieldSchema(R"({"type": "IntegerField", "db_column": ""})"));
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(testing::FieldF(*schema)->column, "f");
}

TEST(ModelFields, OnePrimaryKeyAndOneFieldPerColumn) {
  Diagnostic d = LoadError(Schema1(R"("a": {"type": "CharField", "primary_key": true},
                                      "b": {"type": "CharField", "primary_key": true})"),
                           "schema.primary_keys");
  EXPECT_EQ(d.message, "The model cannot have more than one field with 'primary_key=True'.");
  d = LoadError(
      Schema1(R"("a": {"type": "IntegerField"}, "b": {"type": "IntegerField", "db_column": "a"})"),
      "schema.column_clash");
  EXPECT_EQ(d.message,
            "Field 'b' has column name 'a' that is used by another field. "
            "Specify a 'db_column' "
            "for the field.");
  d = LoadError(Schema1(R"("id": {"type": "IntegerField"})"), "schema.id_field");
  EXPECT_EQ(d.message,
            "'id' can only be used as a field name if the field also sets "
            "'primary_key=True'.");
  // A field named like another's attname.
  d = LoadError(Schema1(R"("author": {"type": "ForeignKey", "to": "M"},
                           "author_id": {"type": "IntegerField", "db_column": "x"})"),
                "schema.field_clash");
  EXPECT_EQ(d.message, "The field 'author_id' clashes with the field 'author' from model 'M'.");
  LoadError(FieldSchema(R"({"type": "ObjectIdAutoField"})"), "schema.auto_field");
  LoadOk(Schema1(R"("id": {"type": "ObjectIdAutoField", "primary_key": true},
                    "a": {"type": "IntegerField"}, "b": {"type": "IntegerField", "db_column": "bb"})"));
}

TEST(ModelMeta, OrderingAndIndexesNameExistingFields) {
  Diagnostic d = LoadError(
      R"({"database": "db", "models": {"M": {"ordering": ["-nme"], "fields": {"name": {"type": "CharField"}}}}})",
      "schema.ordering");
  EXPECT_EQ(d.message,
            "'ordering' refers to the nonexistent field, related field, or "
            "lookup 'nme'.");
  EXPECT_EQ(d.location, "models.M.ordering.0");
  d = LoadError(
      R"({"database": "db", "models": {"M": {"indexes": [["name", "age"]], "fields": {"name": {"type": "CharField"}}}}})",
      "schema.indexes");
  EXPECT_EQ(d.message, "'indexes' refers to the nonexistent field 'age'.");
  d = LoadError(
      R"({"database": "db", "models": {"M": {"indexes": [{"fields": ["ssn"], "name": "i"}],
          "fields": {"ssn": {"type": "EncryptedCharField"}}}}})",
      "schema.index_on_encrypted");
  EXPECT_THAT(d.message, HasSubstr("encrypted fields cannot be indexed"));
  LoadOk(
      R"({"database": "db", "models": {"A": {"fields": {"name": {"type": "CharField"}}},
      "M": {"ordering": ["-name", "pk", "?", "author__name", "author_id"],
            "indexes": [["-name"], {"fields": ["name", "author"]}],
            "fields": {"name": {"type": "CharField"}, "author": {"type": "ForeignKey", "to": "A"}}}}})");
}

TEST(DbTables, AreNotShared) {
  Diagnostic d =
      LoadError(R"({"database": "db", "models": {"A": {"db_table": "t"}, "B": {"db_table": "t"}}})",
                "schema.db_table_clash");
  EXPECT_EQ(d.message, "db_table 't' is used by multiple models: A, B.");
  LoadOk(R"({"database": "db", "models": {"A": {"db_table": "t"}, "B": {"db_table": "u"}}})");
}

TEST(DbTables, DefaultToAppLabelAndModelName) {
  auto schema = LoadOk(R"({"database": "db", "app_label": "encryption_", "models": {
      "Patient": {}, "PatientRecord": {"embedded": true, "db_table": "ignored"}}})");
  ASSERT_NE(schema, nullptr);
  // Django: "<app_label>_<model name lowercased>", test_management's
  // encryption__patient.
  EXPECT_EQ(schema->FindModel("Patient")->db_table, "encryption__patient");
  EXPECT_EQ(schema->FindModel("PatientRecord")->db_table, "");
  EXPECT_EQ(schema->FindModelByTable("encryption__patient"), schema->FindModel("Patient"));
  EXPECT_EQ(schema->key_vault_namespace, "db.__keyVault");
}

TEST(References, MustNameModelsOfTheRightKind) {
  Diagnostic d =
      LoadError(FieldSchema(R"({"type": "EmbeddedModelField", "embedded_model": "Nope"})"),
                "schema.unknown_model");
  EXPECT_EQ(d.message,
            "Field defines a relation with model 'Nope', which is either not "
            "installed, or is "
            "abstract.");
  EXPECT_EQ(d.category, Category::kFieldError);
  LoadError(FieldSchema(R"({"type": "ForeignKey", "to": "Nope"})"), "schema.unknown_model");
  d = LoadError(Schema1(R"("f": {"type": "EmbeddedModelField", "embedded_model": "Top"})",
                        R"(, "Top": {"fields": {}})"),
                "schema.not_embedded_model");
  EXPECT_THAT(d.message, HasSubstr("Embedded models must be a subclass of "
                                   "django_mongodb_backend.models.EmbeddedModel."));
  LoadError(Schema1(R"("f": {"type": "ForeignKey", "to": "E"})", R"(, "E": {"embedded": true})"),
            "schema.relation_to_embedded");
  d = LoadError(FieldSchema(R"({"type": "EmbeddedModelField"})"), "schema.missing_option");
  EXPECT_EQ(d.message,
            "EmbeddedModelField.__init__() missing 1 required positional argument: "
            "'embedded_model'");
  LoadError(FieldSchema(R"({"type": "ArrayField"})"), "schema.missing_option");
  LoadError(
      FieldSchema(R"({"type": "ArrayField", "base_field": {"type": "ForeignKey", "to": "M"}})"),
      "schema.array_related_base");
}

TEST(DecimalField, NeedsItsDigits) {
  Diagnostic d = LoadError(FieldSchema(R"({"type": "DecimalField", "max_digits": 5})"),
                           "schema.decimal_field");
  EXPECT_EQ(d.message, "DecimalFields must define a 'decimal_places' attribute.");
  LoadError(FieldSchema(R"({"type": "DecimalField", "max_digits": 2, "decimal_places": 3})"),
            "schema.decimal_field");
  LoadOk(FieldSchema(R"({"type": "DecimalField", "max_digits": 3, "decimal_places": 3})"));
}

}  // namespace
}  // namespace querysafe::schema
