// The seed tutorial through the public C++ API, with query text, against the real MongoDB named
// by QUERYSAFE_TEST_URI (7.0 or later; a replica set or Atlas): migrate, create a Patient, get
// it by its encrypted ssn, and then every conformance case of the medical app: the refused ones
// must be refused by querysafe with the documented message before anything is sent, and the
// accepted ones must run without the server refusing them (querysafe's analysis agreeing with
// the server's). Without the variable every test is skipped with one line saying why.
//
//   QUERYSAFE_TEST_URI='mongodb://localhost:27017/?replicaSet=rs0' ./dev test -R integration
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <format>
#include <sstream>

#include "lib/crypt/kms_providers.h"
#include "lib/exec/mongoc_util.h"
#include "querysafe/client.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

std::atomic<int> database_counter{0};

class IntegrationApi : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* uri = std::getenv("QUERYSAFE_TEST_URI");
    if (uri == nullptr || *uri == '\0') {
      GTEST_SKIP() << "QUERYSAFE_TEST_URI is not set: no MongoDB replica set to run the "
                      "tutorial against";
    }
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    database_ = std::format("querysafe_api_{}_{}_{}", getpid(),
                            std::chrono::duration_cast<std::chrono::milliseconds>(now).count(),
                            database_counter++);
    std::string json = ReadTestData("conformance/schemas/medical.json");
    const std::string from = R"("database": "medical_records")";
    const size_t at = json.find(from);
    ASSERT_NE(at, std::string::npos);
    json.replace(at, from.size(), std::format(R"("database": "{}")", database_));
    SchemaResult loaded = Schema::FromJson(json);
    ASSERT_TRUE(loaded.ok());
    schema_ = std::move(loaded.schema);
    absl::StatusOr<std::string> key = crypt::NewLocalMasterKey();
    ASSERT_TRUE(key.ok());
    options_.uri = uri;
    options_.local_master_key = crypt::Base64Encode(*key);
  }

  void TearDown() override {
    if (database_.empty() || options_.uri.empty()) return;
    exec::EnsureMongocInitialized();
    bson_error_t error;
    exec::MongocPtr<mongoc_uri_t> uri(mongoc_uri_new_with_error(options_.uri.c_str(), &error));
    if (uri == nullptr) return;
    exec::MongocPtr<mongoc_client_t> client(mongoc_client_new_from_uri(uri.get()));
    exec::MongocPtr<mongoc_database_t> db(
        mongoc_client_get_database(client.get(), database_.c_str()));
    EXPECT_TRUE(mongoc_database_drop(db.get(), &error)) << error.message;
  }

  std::unique_ptr<Client> Ready() {
    MigrateResult m = Migrate(*schema_, options_);
    EXPECT_TRUE(m.ok()) << m.diagnostics[0].message;
    if (!m.ok()) return nullptr;
    ClientResult c = Client::Connect(*schema_, options_);
    EXPECT_TRUE(c.ok()) << c.diagnostics[0].message;
    return std::move(c.client);
  }

  std::string database_;
  std::optional<Schema> schema_;
  ConnectOptions options_;
};

TEST_F(IntegrationApi, CreateAPatientThenGetItBySsnFromQueryText) {
  auto client = Ready();
  ASSERT_NE(client, nullptr);
  BsonDoc patient = Json(R"({"patient_name": "Jon Doe", "patient_id": 12345678,
      "patient_record": {"ssn": "987-65-4320", "billing": {"cc_type": "Visa",
      "cc_number": "4111222233334444"}, "bill_amount": "1500.25"}})");
  WriteResult w = client->Insert("Patient", *patient.get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;

  RunResult get = client->Run(R"(Patient.objects.get(patient_record__ssn="987-65-4320"))");
  ASSERT_TRUE(get.ok()) << get.diagnostics[0].message;
  ASSERT_NE(get.document, nullptr);
  EXPECT_EQ(StringAt(get.document.get(), "patient_name"), "Jon Doe");
  EXPECT_EQ(StringAt(get.document.get(), "patient_record/billing/cc_number"), "4111222233334444");

  BsonDoc params = Json(R"({"ssn": "987-65-4320"})");
  RunResult count =
      client->Run("Patient.objects.filter(patient_record__ssn=$ssn).count()", *params.get());
  ASSERT_TRUE(count.ok()) << count.diagnostics[0].message;
  EXPECT_EQ(count.count, 1);

  RunResult none = client->Run(R"(Patient.objects.get(patient_record__ssn="000-00-0000"))");
  ASSERT_EQ(none.diagnostics.size(), 1u);
  EXPECT_EQ(none.diagnostics[0].message, "Patient matching query does not exist.");
}

TEST_F(IntegrationApi, EveryMedicalConformanceCaseAgreesWithTheServer) {
  auto client = Ready();
  ASSERT_NE(client, nullptr);
  int accepted = 0, refused = 0;
  for (const char* file : {"conformance/cases.jsonl", "conformance/more_cases.jsonl"}) {
    std::istringstream lines(ReadTestData(file));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      BsonDoc c = Json(line);
      if (StringAt(c.get(), "schema") != "medical" || Has(c.get(), "server_version")) continue;
      const std::string query = StringAt(c.get(), "query");
      SCOPED_TRACE(StringAt(c.get(), "id") + ": " + query);
      RunResult r = client->Run(query);
      if (r.ok() && r.rows != nullptr) {
        while (r.rows->Next() != nullptr) {
        }
        ASSERT_FALSE(r.rows->error().has_value()) << r.rows->error()->message;
      }
      if (StringAt(c.get(), "expect") == "accept") {
        // The server may still answer DoesNotExist for a get() on an empty collection.
        for (const Diagnostic& d : r.diagnostics) {
          EXPECT_NE(d.category, Category::kDatabaseError) << d.message;
          EXPECT_NE(d.category, Category::kNotSupportedError) << d.message;
        }
        ++accepted;
      } else {
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(CategoryName(r.diagnostics[0].category), StringAt(c.get(), "expect/category"));
        EXPECT_NE(r.diagnostics[0].message.find(StringAt(c.get(), "expect/message_contains")),
                  std::string::npos)
            << r.diagnostics[0].message;
        ++refused;
      }
    }
  }
  EXPECT_GT(accepted, 5);
  EXPECT_GT(refused, 5);
}

}  // namespace
}  // namespace querysafe::testing
