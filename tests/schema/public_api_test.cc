// querysafe::Schema, the public face of the schema.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/schema/model.h"
#include "querysafe/schema.h"
#include "tests/schema/schema_test_util.h"

namespace querysafe {
namespace {

TEST(PublicSchema, LoadsAndSharesTheCompiledSchema) {
  SchemaResult r = Schema::FromJson(schema::testing::ReadData("conformance/schemas/medical.json"));
  ASSERT_TRUE(r.ok()) << schema::testing::Describe(r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty());
  Schema copy = *r.schema;  // cheap: the same compiled schema
  EXPECT_EQ(&copy.impl(), &r.schema->impl());
  EXPECT_EQ(copy.database(), "medical_records");
  EXPECT_EQ(copy.key_vault_namespace(), "medical_records.__keyVault");
  EXPECT_THAT(copy.model_names(), ::testing::ElementsAre("Patient", "PatientRecord", "Billing"));
  EXPECT_EQ(copy.db_table("Patient"), "patients");
  EXPECT_EQ(copy.db_table("Billing"), "");
  EXPECT_TRUE(copy.has_encrypted_fields());
  EXPECT_THAT(copy.EncryptedFieldsMapExtendedJson(),
              ::testing::HasSubstr(R"("path" : "patient_record.ssn")"));
}

TEST(PublicSchema, RefusedSchemaGivesDiagnosticsOnly) {
  SchemaResult r = Schema::FromJson(R"({"database": "db", "models": {"M": {"fields": {
      "f": {"type": "EncryptedCharField", "null": true}}}}})");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].message, "Encrypted fields do not support null=True.");
}

TEST(PublicSchema, ServerVersionChangesTheRules) {
  const char* text = R"({"database": "db", "models": {"M": {"fields": {
      "f": {"type": "EncryptedTextField", "queries": {"queryType": "suffixPreview",
            "strMinQueryLength": 1, "strMaxQueryLength": 5, "caseSensitive": true,
            "diacriticSensitive": true}}}}}})";
  EXPECT_FALSE(Schema::FromJson(text).ok());
  SchemaOptions options;
  options.server_minor = 2;
  EXPECT_TRUE(Schema::FromJson(text, options).ok());
}

}  // namespace
}  // namespace querysafe
