// Migrate: the commands django-mongodb-backend's migrate sends (through
// PyMongo), here sent by querysafe through mongoc: the key vault index, one
// data key per encrypted path, the state collections and the collection with
// its encryptedFields; and that running it again changes nothing.
#include <gtest/gtest.h>

#include "lib/crypt/key_source.h"
#include "lib/exec/migrate.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

using WireMigrate = WireTest;

BsonDoc WithoutSessionFields(const bson_t* command) {
  BsonDoc out;
  bson_copy_to_excluding_noinit(command, out.get(), "lsid", "$db", "$clusterTime", nullptr);
  return out;
}

TEST_F(WireMigrate, CreatesTheIndexTheKeysAndTheCollections) {
  keys().clear();
  exec::MigrateResult m = exec::Migrate(Options(LoadTestSchema("medical.json")));
  ASSERT_TRUE(m.ok()) << m.diagnostics[0].message;

  // 1. The key vault's unique partial index on keyAltNames.
  std::vector<ReceivedCommand> indexes = Commands("createIndexes", "medical_records.__keyVault");
  ASSERT_EQ(indexes.size(), 1u);
  EXPECT_EQ(ToCanonicalJson(WithoutSessionFields(indexes[0].body.get()).get()),
            ToCanonicalJson(Json(R"({"createIndexes": "__keyVault", "indexes": [
                {"key": {"keyAltNames": 1}, "name": "keyAltNames_1",
                 "unique": true,
                 "partialFilterExpression": {"keyAltNames": {"$exists": true}}}]})")
                                .get()));

  // 2. One data key per encrypted path, inserted with writeConcern majority.
  std::vector<ReceivedCommand> inserts = Commands("insert", "medical_records.__keyVault");
  ASSERT_EQ(inserts.size(), 4u);
  std::vector<std::string> names;
  for (const ReceivedCommand& c : inserts) {
    EXPECT_EQ(StringAt(c.body.get(), "writeConcern/w"), "majority");
    names.push_back(StringAt(c.body.get(), "documents/0/keyAltNames/0"));
    EXPECT_FALSE(Has(c.body.get(), "documents/0/keyAltNames/1"));
    EXPECT_EQ(StringAt(c.body.get(), "documents/0/masterKey/provider"), "local");
    EXPECT_EQ(BinaryAt(c.body.get(), "documents/0/_id").size(), 16u);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"patients.patient_record.ssn",
                                             "patients.patient_record.billing",
                                             "visits.visit_count", "visits.notes"}));

  // 3. The state collections, then the collection with its encryptedFields,
  // then the __safeContent__ index (mongoc's create_collection).
  std::vector<ReceivedCommand> creates = peer_.Received("create");
  std::vector<std::string> created;
  for (const ReceivedCommand& c : creates) {
    created.push_back(StringAt(c.body.get(), "create"));
  }
  EXPECT_EQ(created,
            (std::vector<std::string>{"enxcol_.patients.esc", "enxcol_.patients.ecoc", "patients",
                                      "enxcol_.visits.esc", "enxcol_.visits.ecoc", "visits"}));
  EXPECT_EQ(ToCanonicalJson(WithoutSessionFields(creates[0].body.get()).get()),
            ToCanonicalJson(Json(R"({"create": "enxcol_.patients.esc",
                "clusteredIndex": {"key": {"_id": 1}, "unique": true}})")
                                .get()));
  BsonDoc patients = WithoutSessionFields(creates[2].body.get());
  // The keyIds are the keys just inserted; the rest is the schema's.
  BsonDoc expected = Json(R"({"create": "patients", "encryptedFields": {"fields": [
      {"bsonType": "string", "path": "patient_record.ssn", "keyId": 0,
       "queries": {"queryType": "equality"}},
      {"bsonType": "object", "path": "patient_record.billing", "keyId": 0}]}})");
  EXPECT_EQ(BinaryAt(patients.get(), "encryptedFields/fields/0/keyId"),
            BinaryAt(inserts[0].body.get(), "documents/0/_id"));
  EXPECT_EQ(BinaryAt(patients.get(), "encryptedFields/fields/1/keyId"),
            BinaryAt(inserts[1].body.get(), "documents/0/_id"));
  EXPECT_EQ(StringAt(patients.get(), "encryptedFields/fields/0/path"),
            StringAt(expected.get(), "encryptedFields/fields/0/path"));
  EXPECT_EQ(ToCanonicalJson(SubDocument(patients.get(), "encryptedFields/fields/0/queries").get()),
            ToCanonicalJson(Json(R"({"queryType": "equality"})").get()));
  EXPECT_EQ(StringAt(patients.get(), "encryptedFields/fields/1/bsonType"), "object");
  EXPECT_FALSE(Has(patients.get(), "encryptedFields/fields/1/queries"));
  std::vector<ReceivedCommand> safe_content = Commands("createIndexes", "medical_records.patients");
  ASSERT_EQ(safe_content.size(), 1u);
  EXPECT_EQ(ToCanonicalJson(SubDocument(safe_content[0].body.get(), "indexes").get()),
            ToCanonicalJson(Json(R"([{"key": {"__safeContent__": 1},
                                      "name": "__safeContent___1"}])")
                                .get()));

  // The map Connect will use names the same keys, and Connect now works.
  EXPECT_EQ(BinaryAt(m.encrypted_fields_map.get(), "medical_records.patients/fields/0/keyId"),
            BinaryAt(inserts[0].body.get(), "documents/0/_id"));
  EXPECT_NE(Connect(LoadTestSchema("medical.json")), nullptr);
}

TEST_F(WireMigrate, RunningItAgainChangesNothing) {
  keys().clear();
  auto schema = LoadTestSchema("medical.json");
  exec::MigrateResult first = exec::Migrate(Options(schema));
  ASSERT_TRUE(first.ok()) << first.diagnostics[0].message;
  const size_t inserts = peer_.Received("insert").size();
  const size_t creates = peer_.Received("create").size();
  exec::MigrateResult again = exec::Migrate(Options(schema));
  ASSERT_TRUE(again.ok()) << again.diagnostics[0].message;
  EXPECT_EQ(peer_.Received("insert").size(), inserts);
  EXPECT_EQ(peer_.Received("create").size(), creates);
  EXPECT_EQ(again.actions,
            (std::vector<std::string>{"collection medical_records.patients is up to date",
                                      "collection medical_records.visits is up to date"}));
  EXPECT_EQ(ToCanonicalJson(again.encrypted_fields_map.get()),
            ToCanonicalJson(first.encrypted_fields_map.get()));
}

TEST_F(WireMigrate, ACollectionWithOtherEncryptedFieldsIsAnError) {
  // The keys exist (SetUp's vault); the collection was made with another key.
  collections()["medical_records.patients"] = Json(R"({"encryptedFields": {
      "fields": [{"keyId": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==",
                                        "subType": "04"}},
                  "path": "patient_record.ssn", "bsonType": "string",
                  "queries": {"queryType": "equality", "contention": 8}}]}})");
  exec::MigrateResult m = exec::Migrate(Options(LoadTestSchema("medical.json")));
  ASSERT_EQ(m.diagnostics.size(), 1u);
  EXPECT_EQ(m.diagnostics[0].category, Category::kImproperlyConfigured);
  const std::string& message = m.diagnostics[0].message;
  EXPECT_EQ(message.find("Collection 'medical_records.patients' exists with "
                         "encryptedFields {"),
            0u)
      << message;
  EXPECT_NE(message.find("AAAAAAAAAAAAAAAAAAAAAA=="), std::string::npos);
  EXPECT_NE(message.find("but the schema gives {"), std::string::npos);
  EXPECT_NE(message.find("patient_record.billing"), std::string::npos);
  EXPECT_TRUE(peer_.Received("create").empty());
}

TEST_F(WireMigrate, KeysFromTheServerThatListsDefaultsAreTheSame) {
  // What listCollections shows for a collection migrate made: the server adds
  // the state collection names and the contention it defaulted.
  collections()["medical_records.patients"] = Json(R"({"encryptedFields": {
      "escCollection": "enxcol_.patients.esc",
      "ecocCollection": "enxcol_.patients.ecoc", "fields": [
      {"keyId": {"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}},
       "path": "patient_record.ssn", "bsonType": "string",
       "queries": {"queryType": "equality", "contention": {"$numberLong": "8"}}},
      {"keyId": {"$binary": {"base64": "q83vqxI0mHYSNBI0VniQEg==", "subType": "04"}},
       "path": "patient_record.billing", "bsonType": "object"}]}})");
  exec::MigrateResult m = exec::Migrate(Options(LoadTestSchema("medical.json")));
  ASSERT_TRUE(m.ok()) << m.diagnostics[0].message;
  EXPECT_EQ(m.actions.front(), "collection medical_records.patients is up to date");
  EXPECT_TRUE(peer_.Received("insert").empty());  // the keys were reused
}

TEST_F(WireMigrate, OneKmsProviderAsDjangoRequires) {
  exec::ClientOptions o = Options(LoadTestSchema("medical.json"));
  BsonDoc aws = Json(R"({"accessKeyId": "AKIA", "secretAccessKey": "secret"})");
  ASSERT_TRUE(o.kms_providers.Set("aws", aws.get()).ok());
  exec::MigrateResult m = exec::Migrate(o);
  ASSERT_EQ(m.diagnostics.size(), 1u);
  EXPECT_EQ(m.diagnostics[0].message,
            "Multiple KMS providers per database aren't supported. Please "
            "create a feature request with details about your use case.");
  EXPECT_TRUE(peer_.AllReceived().empty());
}

}  // namespace
}  // namespace querysafe::testing
