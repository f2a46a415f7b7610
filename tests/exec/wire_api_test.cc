// The public C++ API (querysafe/client.h) against the peer: query text compiled for the server
// the connection reached, its values encrypted on the way out, rows decrypted on the way back,
// every refusal a diagnostic, and nothing sent for a query querysafe refuses.
#include <gtest/gtest.h>

#include "querysafe/client.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;

class WireApi : public WireTest {
 protected:
  void SetUp() override {
    WireTest::SetUp();
    SchemaResult loaded = Schema::FromJson(ReadTestData("exec/medical.json"));
    ASSERT_TRUE(loaded.ok());
    schema_ = std::move(loaded.schema);
  }

  ConnectOptions PeerOptions() {
    ConnectOptions options;
    options.uri = peer_.Uri();
    options.kms_providers = ToCanonicalJson(kms_.document().get());
    return options;
  }

  std::unique_ptr<Client> ConnectApi() {
    ClientResult c = Client::Connect(*schema_, PeerOptions());
    EXPECT_TRUE(c.ok()) << (c.diagnostics.empty() ? "" : c.diagnostics[0].message);
    return std::move(c.client);
  }

  void ReturnPatients(std::vector<BsonDoc> docs) {
    Route("find", [docs = std::move(docs)](const ReceivedCommand&) {
      return PeerReply::Document(CursorReply("medical_records.patients", 0, docs));
    });
  }

  std::optional<Schema> schema_;
};

TEST_F(WireApi, QueryTextIsSentWithThePayloadAndNoPlaintext) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  ReturnPatients({Json(R"({"_id": 1, "patient_name": "Jon Doe"})")});
  RunResult r = client->Run(R"(Patient.objects.filter(patient_record__ssn="987-65-4320"))");
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  ASSERT_NE(r.rows, nullptr);
  EXPECT_EQ(r.shape, RowShape::kDocument);
  const bson_t* row = r.rows->Next();
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(StringAt(row, "patient_name"), "Jon Doe");
  EXPECT_EQ(r.rows->Next(), nullptr);
  EXPECT_FALSE(r.rows->error().has_value());

  std::vector<ReceivedCommand> finds = Commands("find", "medical_records.patients");
  ASSERT_EQ(finds.size(), 1u);
  const std::vector<uint8_t> payload =
      BinaryAt(finds[0].body.get(), "filter/patient_record.ssn/$eq");
  ASSERT_FALSE(payload.empty());
  EXPECT_EQ(payload[0], 12);  // FLE2FindEqualityPayloadV2
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("987-65-4320")),
            std::vector<std::string>{});
}

TEST_F(WireApi, ARefusedQueryIsADiagnosticAndNothingIsSent) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  const std::string text = R"(Patient.objects.filter(patient_record__ssn__startswith="987"))";
  RunResult r = client->Run(text);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].category, Category::kNotSupportedError);
  EXPECT_EQ(r.diagnostics[0].server_code, 51092);
  EXPECT_EQ(text.substr(r.diagnostics[0].span.begin,
                        r.diagnostics[0].span.end - r.diagnostics[0].span.begin),
            R"(patient_record__ssn__startswith="987")");
  RunResult order = client->Run(R"(Patient.objects.order_by("patient_record__ssn"))");
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.diagnostics[0].code, "qe.order_by_encrypted");
  EXPECT_TRUE(Commands("find", "medical_records.patients").empty());
  EXPECT_TRUE(Commands("aggregate", "medical_records.patients").empty());
}

TEST_F(WireApi, GetBindsParametersAndReturnsTheDecryptedDocument) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  ReturnPatients({Json(R"({"_id": 7, "patient_name": "Ann Roe"})")});
  BsonDoc params = Json(R"({"ssn": "123-45-6789"})");
  RunResult r = client->Run("Patient.objects.get(patient_record__ssn=$ssn)", *params.get());
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.rows, nullptr);
  ASSERT_TRUE(r.returned_document);
  ASSERT_NE(r.document, nullptr);
  EXPECT_EQ(StringAt(r.document.get(), "patient_name"), "Ann Roe");
  // A parameter that cannot become the field's type is Django's ValidationError, before
  // anything is sent (an int for the CharField would be made a string, as Django does).
  BsonDoc wrong = Json(R"({"id": "abc"})");
  RunResult bad = client->Run("Patient.objects.get(patient_id=$id)", *wrong.get());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.diagnostics[0].category, Category::kValidationError);
  EXPECT_EQ(Commands("find", "medical_records.patients").size(), 1u);
}

TEST_F(WireApi, GetOfNothingIsDjangosDoesNotExist) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  ReturnPatients({});
  RunResult r = client->Run(R"(Patient.objects.get(patient_record__ssn="000-00-0000"))");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].category, Category::kDoesNotExist);
  EXPECT_EQ(r.diagnostics[0].message, "Patient matching query does not exist.");
  RunResult first = client->Run(R"(Patient.objects.filter(patient_id=1).first())");
  ASSERT_TRUE(first.ok()) << first.diagnostics[0].message;
  EXPECT_TRUE(first.returned_document);
  EXPECT_EQ(first.document, nullptr);  // None
}

TEST_F(WireApi, CountAndExistsComeBackAsNumbersAndBools) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  Route("count", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 3, "ok": 1})"); });
  Route("aggregate", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {Json(R"({"n": 3})")}));
  });
  ReturnPatients({Json(R"({"_id": 1})")});
  RunResult count = client->Run(R"(Patient.objects.filter(patient_record__ssn="1").count())");
  ASSERT_TRUE(count.ok()) << count.diagnostics[0].message;
  EXPECT_EQ(count.count, 3);
  RunResult exists = client->Run(R"(Patient.objects.filter(patient_record__ssn="1").exists())");
  ASSERT_TRUE(exists.ok()) << exists.diagnostics[0].message;
  EXPECT_EQ(exists.exists, true);
}

TEST_F(WireApi, CompileOptionsFollowTheServerOrTheSetting) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->server_version().major, 8);  // the peer says it is an 8.0 primary
  EXPECT_TRUE(client->compile_options().require_encryptable);
  ConnectOptions options = PeerOptions();
  options.server_version = ServerVersion{7, 0};
  ClientResult seven = Client::Connect(*schema_, options);
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(seven.client->server_version().major, 7);
}

TEST_F(WireApi, WrongSettingsAreDiagnosticsBeforeConnecting) {
  ConnectOptions both = PeerOptions();
  both.local_master_key = "@/nonexistent";
  ClientResult c = Client::Connect(*schema_, both);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.diagnostics[0].category, Category::kImproperlyConfigured);
  EXPECT_EQ(c.diagnostics[0].code, "client.kms");

  ConnectOptions none;
  none.kms_providers = "{not json";
  c = Client::Connect(*schema_, none);
  ASSERT_EQ(c.diagnostics.size(), 2u);  // no uri, and the JSON
  EXPECT_EQ(c.diagnostics[0].code, "client.uri");
  EXPECT_EQ(c.diagnostics[1].code, "client.kms_providers");

  ConnectOptions short_key;
  short_key.uri = peer_.Uri();
  short_key.local_master_key = "AAAA";
  c = Client::Connect(*schema_, short_key);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.diagnostics[0].code, "client.local_master_key");
  EXPECT_TRUE(peer_.Received("find").empty());
}

TEST_F(WireApi, InsertThenDeleteAnInstance) {
  auto client = ConnectApi();
  ASSERT_NE(client, nullptr);
  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  Route("delete", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  BsonDoc values = Json(R"({"patient_name": "Jon Doe", "patient_id": 12345678,
      "patient_record": {"ssn": "987-65-4320", "billing": {"cc_type": "Visa",
      "cc_number": "4111222233334444"}, "bill_amount": "1500.25"}})");
  WriteResult w = client->Insert("Patient", *values.get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  ASSERT_NE(w.id, nullptr);
  bson_iter_t id;
  ASSERT_TRUE(bson_iter_init_find(&id, w.id.get(), "_id"));
  EXPECT_EQ(bson_iter_type(&id), BSON_TYPE_OID);
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("4111222233334444")),
            std::vector<std::string>{});
  WriteResult d = client->Delete("Patient", *bson_iter_value(&id));
  ASSERT_TRUE(d.ok()) << d.diagnostics[0].message;
  EXPECT_EQ(d.count, 1);
  WriteResult unknown = client->Insert("Nobody", *values.get());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.id, nullptr);
}

TEST_F(WireApi, MigrateReportsTheMapAndWhatItDid) {
  MigrateResult m = Migrate(*schema_, PeerOptions());
  ASSERT_TRUE(m.ok()) << m.diagnostics[0].message;
  EXPECT_FALSE(m.actions.empty());
  EXPECT_NE(m.encrypted_fields_map.find("medical_records.patients"), std::string::npos);
  MigrateResult again = Migrate(*schema_, PeerOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.encrypted_fields_map, m.encrypted_fields_map);
}

}  // namespace
}  // namespace querysafe::testing
