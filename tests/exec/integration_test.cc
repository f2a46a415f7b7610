// The seed tutorial end to end against a real MongoDB (7.0 or later, a replica
// set or Atlas: Queryable Encryption needs one) named by QUERYSAFE_TEST_URI:
// migrate the medical schema into a fresh database, insert a Patient, find it
// by its encrypted ssn, read it back decrypted, and the limits querysafe
// enforces before sending. Without the variable every test is skipped with one
// line saying why.
//
//   QUERYSAFE_TEST_URI='mongodb://localhost:27017/?replicaSet=rs0' ./dev test
//   -R integration
//
// Each test uses its own database (querysafe_it_<pid>_<time>_<n>) with its own
// key vault (<database>.__keyVault) and a fresh local master key, and drops it
// at the end, so runs never see each other's data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <format>
#include <fstream>
#include <sstream>

#include "lib/crypt/kms_providers.h"
#include "lib/exec/client.h"
#include "lib/exec/migrate.h"
#include "lib/exec/mongoc_util.h"
#include "lib/lower/lowered_instance.h"
#include "lib/schema/load.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

using bound::Operation;
using lower::CommandKind;

std::atomic<int> database_counter{0};

class IntegrationTutorial : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* uri = std::getenv("QUERYSAFE_TEST_URI");
    if (uri == nullptr || *uri == '\0') {
      GTEST_SKIP() << "QUERYSAFE_TEST_URI is not set: no MongoDB replica set "
                      "to run the tutorial against";
    }
    uri_ = uri;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    database_ = std::format("querysafe_it_{}_{}_{}", getpid(),
                            std::chrono::duration_cast<std::chrono::milliseconds>(now).count(),
                            database_counter++);
    std::ifstream in(std::string(QUERYSAFE_TEST_DATA_DIR) + "/exec/medical.json");
    std::stringstream text;
    text << in.rdbuf();
    std::string json = text.str();
    const std::string from = R"("database": "medical_records")";
    const size_t at = json.find(from);
    ASSERT_NE(at, std::string::npos);
    json.replace(at, from.size(), std::format(R"("database": "{}")", database_));
    schema::SchemaLoadResult loaded = schema::LoadSchema(json);
    ASSERT_NE(loaded.schema, nullptr);
    schema_ = loaded.schema;
    absl::StatusOr<std::string> key = crypt::NewLocalMasterKey();
    ASSERT_TRUE(key.ok());
    absl::StatusOr<crypt::KmsProviders> kms =
        crypt::KmsProviders::Local({reinterpret_cast<const uint8_t*>(key->data()), key->size()});
    ASSERT_TRUE(kms.ok());
    kms_ = *std::move(kms);
  }

  void TearDown() override {
    if (database_.empty()) return;
    exec::EnsureMongocInitialized();
    bson_error_t error;
    exec::MongocPtr<mongoc_uri_t> uri(mongoc_uri_new_with_error(uri_.c_str(), &error));
    if (uri == nullptr) return;
    exec::MongocPtr<mongoc_client_t> client(mongoc_client_new_from_uri(uri.get()));
    exec::MongocPtr<mongoc_database_t> db(
        mongoc_client_get_database(client.get(), database_.c_str()));
    EXPECT_TRUE(mongoc_database_drop(db.get(), &error)) << error.message;
  }

  exec::ClientOptions Options() {
    exec::ClientOptions o;
    o.uri = uri_;
    o.schema = schema_;
    o.kms_providers = kms_;
    return o;
  }

  // Migrates, then connects.
  std::unique_ptr<exec::Client> Ready() {
    exec::MigrateResult m = exec::Migrate(Options());
    EXPECT_TRUE(m.ok()) << m.diagnostics[0].message;
    if (!m.ok()) return nullptr;
    exec::ConnectResult c = exec::Client::Connect(Options());
    EXPECT_TRUE(c.ok()) << c.diagnostics[0].message;
    return std::move(c.client);
  }

  exec::WriteResult InsertPatient(const exec::Client& client, std::string_view name,
                                  std::string_view ssn) {
    return client.Insert("Patient",
                         Json(std::format(R"({{"patient_name": "{}", "patient_id": 12345678,
            "patient_record": {{"ssn": "{}", "billing": {{"cc_type": "Visa",
            "cc_number": "4111222233334444"}}, "bill_amount": "1500.25"}}}})",
                                          name, ssn))
                             .get());
  }

  // Patient.objects.filter(patient_record__ssn=ssn) as lowering writes it,
  // with the given operation and trailing options.
  lower::Command BySsn(std::string_view ssn, Operation operation, std::string_view options = "") {
    lower::Command c;
    c.database = database_;
    c.collection = "patients";
    c.operation = operation;
    c.kind = operation == Operation::kCount ? CommandKind::kCount : CommandKind::kFind;
    const std::string placeholder =
        R"({"patient_record.ssn": {"$eq": {"$encrypt": {"id": 0, "role": "value"}}}})";
    c.body =
        Json(operation == Operation::kCount
                 ? std::format(R"({{"count": "patients", "query": {}}})", placeholder)
                 : std::format(R"({{"find": "patients", "filter": {}{}}})", placeholder, options));
    const schema::EncryptedPath* path =
        schema_->FindModel("Patient")->FindEncryptedPath("patient_record.ssn");
    bson_value_t value{};
    value.value_type = BSON_TYPE_UTF8;
    value.value.v_utf8.str = const_cast<char*>(ssn.data());
    value.value.v_utf8.len = static_cast<uint32_t>(ssn.size());
    lower::EncryptionRequest r = lower::StoredValueRequest(*path, 0, value);
    r.is_query = true;
    c.encryptions.push_back(std::move(r));
    return c;
  }

  std::string uri_;
  std::string database_;
  std::shared_ptr<const schema::Schema> schema_;
  crypt::KmsProviders kms_;
};

TEST_F(IntegrationTutorial, MigrateTwiceThenConnect) {
  exec::MigrateResult first = exec::Migrate(Options());
  ASSERT_TRUE(first.ok()) << first.diagnostics[0].message;
  exec::MigrateResult again = exec::Migrate(Options());
  ASSERT_TRUE(again.ok()) << again.diagnostics[0].message;
  EXPECT_EQ(ToCanonicalJson(again.encrypted_fields_map.get()),
            ToCanonicalJson(first.encrypted_fields_map.get()));
  for (const std::string& action : again.actions) {
    EXPECT_TRUE(action.ends_with("is up to date")) << action;
  }
  exec::ConnectResult c = exec::Client::Connect(Options());
  ASSERT_TRUE(c.ok()) << c.diagnostics[0].message;
  EXPECT_GE(c.client->server_version().major, 7);
}

TEST_F(IntegrationTutorial, InsertAPatientAndGetItBySsn) {
  auto client = Ready();
  ASSERT_NE(client, nullptr);
  exec::WriteResult w = InsertPatient(*client, "Jon Doe", "987-65-4320");
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  ASSERT_TRUE(InsertPatient(*client, "Ann Roe", "123-45-6789").ok());

  // Stored encrypted: read without auto-decryption, as django-mongodb-
  // backend's assertEncrypted does.
  {
    exec::MongocPtr<mongoc_client_t> plain(mongoc_client_new(uri_.c_str()));
    exec::MongocPtr<mongoc_collection_t> patients(
        mongoc_client_get_collection(plain.get(), database_.c_str(), "patients"));
    exec::MongocPtr<mongoc_cursor_t> cursor(
        mongoc_collection_find_with_opts(patients.get(), w.id.get(), nullptr, nullptr));
    const bson_t* raw = nullptr;
    ASSERT_TRUE(mongoc_cursor_next(cursor.get(), &raw));
    EXPECT_FALSE(BinaryAt(raw, "patient_record/ssn").empty());
    EXPECT_FALSE(BinaryAt(raw, "patient_record/billing").empty());
    EXPECT_EQ(StringAt(raw, "patient_name"), "Jon Doe");
    EXPECT_TRUE(Has(raw, "__safeContent__"));
  }

  exec::Result get = client->Run(BySsn("987-65-4320", Operation::kGet, R"(, "limit": 21)"));
  ASSERT_TRUE(get.ok()) << get.diagnostics[0].message;
  ASSERT_TRUE(get.document.has_value());
  EXPECT_EQ(StringAt(get.document->get(), "patient_name"), "Jon Doe");
  EXPECT_EQ(StringAt(get.document->get(), "patient_record/ssn"), "987-65-4320");
  EXPECT_EQ(StringAt(get.document->get(), "patient_record/billing/cc_number"), "4111222233334444");

  exec::Result count = client->Run(BySsn("123-45-6789", Operation::kCount));
  ASSERT_TRUE(count.ok()) << count.diagnostics[0].message;
  EXPECT_EQ(count.count, 1);

  exec::Result none = client->Run(BySsn("000-00-0000", Operation::kGet, R"(, "limit": 21)"));
  ASSERT_EQ(none.diagnostics.size(), 1u);
  EXPECT_EQ(none.diagnostics[0].message, "Patient matching query does not exist.");
}

TEST_F(IntegrationTutorial, SaveThenDelete) {
  auto client = Ready();
  ASSERT_NE(client, nullptr);
  exec::WriteResult w = InsertPatient(*client, "Jon Doe", "987-65-4320");
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  BsonDoc values = Json(R"({"patient_name": "Jon Q. Doe", "patient_id": 12345678,
      "patient_record": {"ssn": "987-65-4321", "billing": {"cc_type": "Visa",
      "cc_number": "4111222233334444"}, "bill_amount": "99.00"}})");
  bson_iter_t id;
  ASSERT_TRUE(bson_iter_init_find(&id, w.id.get(), "_id"));
  bson_append_value(values.get(), "id", 2, bson_iter_value(&id));
  exec::WriteResult saved = client->Save("Patient", values.get());
  ASSERT_TRUE(saved.ok()) << saved.diagnostics[0].message;
  EXPECT_EQ(saved.count, 1);
  EXPECT_FALSE(saved.inserted);
  exec::Result old_ssn = client->Run(BySsn("987-65-4320", Operation::kCount));
  exec::Result new_ssn = client->Run(BySsn("987-65-4321", Operation::kCount));
  ASSERT_TRUE(old_ssn.ok() && new_ssn.ok());
  EXPECT_EQ(old_ssn.count, 0);
  EXPECT_EQ(new_ssn.count, 1);

  exec::WriteResult deleted = client->Delete("Patient", *bson_iter_value(&id));
  ASSERT_TRUE(deleted.ok()) << deleted.diagnostics[0].message;
  EXPECT_EQ(deleted.count, 1);
  exec::Result after = client->Run(BySsn("987-65-4321", Operation::kCount));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.count, 0);
}

TEST_F(IntegrationTutorial, WhatQueryableEncryptionForbidsIsRefusedFirst) {
  auto client = Ready();
  ASSERT_NE(client, nullptr);
  lower::Command update;
  update.database = database_;
  update.collection = "patients";
  update.kind = CommandKind::kUpdate;
  update.operation = Operation::kUpdate;
  update.body = Json(R"({"update": "patients", "updates": [{"q": {},
      "u": {"$set": {"patient_name": "x"}}, "multi": true}]})");
  exec::Result r = client->Run(update);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].message,
            "Multi-document updates are not allowed with Queryable Encryption");
  // A server error comes back with the server's code.
  lower::Command bad = BySsn("987-65-4320", Operation::kSelect, R"(, "sort": {"$bogus": 1})");
  exec::Result e = client->Run(bad);
  if (e.ok()) {
    BsonDoc row;
    while (e.rows->Next(&row)) {
    }
    ASSERT_TRUE(e.rows->error().has_value());
    EXPECT_NE(e.rows->error()->server_code, 0);
  } else {
    EXPECT_EQ(e.diagnostics[0].category, Category::kDatabaseError);
    EXPECT_NE(e.diagnostics[0].server_code, 0);
  }
}

}  // namespace
}  // namespace querysafe::testing
