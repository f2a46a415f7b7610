// The C API's server half (querysafe_client_*, querysafe_result_*, querysafe_migrate) against the
// wire peer: what an ORM binding written in C sees, with every handle freed (the test runs clean
// under LSan) and every failure a status with diagnostics.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "querysafe/querysafe.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;

class CapiWire : public WireTest {
 protected:
  void SetUp() override {
    WireTest::SetUp();
    const std::string json = ReadTestData("exec/medical.json");
    ASSERT_EQ(querysafe_schema_from_json(&schema_, json.data(), static_cast<ptrdiff_t>(json.size()),
                                         nullptr, &error_),
              QUERYSAFE_OK);
    uri_ = peer_.Uri();
    kms_json_ = ToCanonicalJson(kms_.document().get());
    options_.uri = uri_.c_str();
    options_.kms_providers = kms_json_.c_str();
  }

  void TearDown() override {
    querysafe_result_free(result_);
    querysafe_client_free(client_);
    querysafe_schema_free(schema_);
    querysafe_error_clear(&error_);
    WireTest::TearDown();
  }

  querysafe_schema* schema_ = nullptr;
  querysafe_client* client_ = nullptr;
  querysafe_result* result_ = nullptr;
  querysafe_error error_ = QUERYSAFE_ERROR_INIT;
  querysafe_connect_options options_ = QUERYSAFE_CONNECT_OPTIONS_INIT;
  std::string uri_, kms_json_;

  std::string Formatted() const { return error_.formatted != nullptr ? error_.formatted : ""; }
};

TEST_F(CapiWire, ConnectRunTextAndIterateRows) {
  ASSERT_EQ(querysafe_client_connect(&client_, schema_, &options_, &error_), QUERYSAFE_OK)
      << Formatted();
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0,
                                           {Json(R"({"_id": 1, "patient_name": "Ann"})"),
                                            Json(R"({"_id": 2, "patient_name": "Bo"})")}));
  });
  BsonDoc params = Json(R"({"ssn": "987-65-4320"})");
  ASSERT_EQ(querysafe_client_run_text(&result_, client_,
                                      "Patient.objects.filter(patient_record__ssn=$ssn)", -1,
                                      params.get(), &error_),
            QUERYSAFE_OK)
      << Formatted();
  EXPECT_EQ(querysafe_result_kind_of(result_), QUERYSAFE_RESULT_ROWS);
  EXPECT_EQ(querysafe_result_shape(result_), QUERYSAFE_ROW_DOCUMENT);
  std::vector<std::string> names;
  const bson_t* row = nullptr;
  int status;
  while ((status = querysafe_result_next(&row, result_, &error_)) == QUERYSAFE_OK) {
    names.push_back(StringAt(row, "patient_name"));
  }
  EXPECT_EQ(status, QUERYSAFE_ITEROVER);
  EXPECT_EQ(names, (std::vector<std::string>{"Ann", "Bo"}));
  EXPECT_EQ(querysafe_result_count(result_), -1);
  EXPECT_EQ(querysafe_result_document(result_), nullptr);
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("987-65-4320")),
            std::vector<std::string>{});
}

TEST_F(CapiWire, RefusalsCarryTheDocumentedMessageAndTheSpan) {
  ASSERT_EQ(querysafe_client_connect(&client_, schema_, &options_, &error_), QUERYSAFE_OK);
  const char* text = "Patient.objects.order_by(\"patient_record__ssn\")";
  EXPECT_EQ(querysafe_client_run_text(&result_, client_, text, -1, nullptr, &error_),
            QUERYSAFE_EREJECTED);
  EXPECT_EQ(result_, nullptr);
  ASSERT_GE(error_.count, 1u);
  EXPECT_EQ(error_.diagnostics[0].category, QUERYSAFE_NOT_SUPPORTED_ERROR);
  EXPECT_STREQ(error_.diagnostics[0].code, "qe.order_by_encrypted");
  EXPECT_GT(error_.diagnostics[0].span_end, error_.diagnostics[0].span_begin);
  EXPECT_TRUE(Commands("find", "medical_records.patients").empty());
}

TEST_F(CapiWire, TranslationsRunAndResultsTellTheirKind) {
  ASSERT_EQ(querysafe_client_connect(&client_, schema_, &options_, &error_), QUERYSAFE_OK);
  Route("count", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 2, "ok": 1})"); });
  Route("aggregate", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {Json(R"({"n": 2})")}));
  });
  querysafe_compile_options compile = QUERYSAFE_COMPILE_OPTIONS_INIT;
  ASSERT_EQ(querysafe_client_compile_options(&compile, client_), QUERYSAFE_OK);
  EXPECT_EQ(compile.server_major, 8);
  EXPECT_EQ(compile.require_encryptable, 1);
  querysafe_translation* t = nullptr;
  ASSERT_EQ(querysafe_translate(&t, schema_, "Patient.objects.filter(patient_id=5).count()", -1,
                                nullptr, &compile, &error_),
            QUERYSAFE_OK);
  ASSERT_EQ(querysafe_client_run(&result_, client_, t, &error_), QUERYSAFE_OK) << Formatted();
  querysafe_translation_free(t);
  EXPECT_EQ(querysafe_result_kind_of(result_), QUERYSAFE_RESULT_COUNT);
  EXPECT_EQ(querysafe_result_count(result_), 2);
  EXPECT_EQ(querysafe_result_exists(result_), -1);
  const bson_t* row = nullptr;
  EXPECT_EQ(querysafe_result_next(&row, result_, &error_), QUERYSAFE_ITEROVER);
}

TEST_F(CapiWire, InsertSaveDeleteAndMigrate) {
  char* map = nullptr;
  char* actions = nullptr;
  ASSERT_EQ(querysafe_migrate(&map, &actions, schema_, &options_, &error_), QUERYSAFE_OK)
      << Formatted();
  EXPECT_NE(std::string(map).find("medical_records.patients"), std::string::npos);
  EXPECT_NE(std::string(actions), "");
  querysafe_string_free(map);
  querysafe_string_free(actions);

  ASSERT_EQ(querysafe_client_connect(&client_, schema_, &options_, &error_), QUERYSAFE_OK);
  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  Route("delete", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  BsonDoc values = Json(R"({"patient_name": "Jon", "patient_id": 1,
      "patient_record": {"ssn": "987-65-4320", "billing": {"cc_type": "Visa",
      "cc_number": "4111222233334444"}, "bill_amount": "1.00"}})");
  bson_t id;
  ASSERT_EQ(querysafe_client_insert(&id, client_, "Patient", values.get(), &error_), QUERYSAFE_OK)
      << Formatted();
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, &id, "_id"));
  int64_t deleted = -1;
  EXPECT_EQ(querysafe_client_delete(&deleted, client_, "Patient", bson_iter_value(&it), &error_),
            QUERYSAFE_OK);
  EXPECT_EQ(deleted, 1);
  bson_destroy(&id);

  // A value of the wrong type: rejected, and the out-parameter still initialized.
  BsonDoc bad = Json(R"({"patient_id": "not a number"})");
  EXPECT_EQ(querysafe_client_insert(&id, client_, "Patient", bad.get(), &error_),
            QUERYSAFE_EREJECTED);
  EXPECT_TRUE(bson_empty(&id));
  bson_destroy(&id);
  EXPECT_EQ(querysafe_client_save(nullptr, nullptr, client_, nullptr, values.get(), &error_),
            QUERYSAFE_EINVALID);
}

// The C11 program's `client` case (capi_test.c) against this peer: every client function called
// from C, as a binding would, under the same sanitizers as the rest of the C test.
TEST_F(CapiWire, TheCProgramCallsEveryClientFunction) {
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(
        CursorReply("medical_records.patients", 0, {Json(R"({"_id": 1, "patient_name": "Ann"})")}));
  });
  Route("count", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 2, "ok": 1})"); });
  Route("aggregate", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {Json(R"({"n": 2})")}));
  });
  for (const char* write : {"insert", "update", "delete"}) {
    Route(write, [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  }
  setenv("QUERYSAFE_CAPI_URI", uri_.c_str(), 1);
  setenv("QUERYSAFE_CAPI_KMS", kms_json_.c_str(), 1);
  const std::string command = std::string(QUERYSAFE_CAPI_TEST) + " client 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  EXPECT_EQ(Commands("insert", "medical_records.patients").size(), 1u);
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("987-65-4320")),
            std::vector<std::string>{});
}

TEST_F(CapiWire, BadOptionsAreRefusedWithoutConnecting) {
  querysafe_connect_options old = options_;
  old.version = 99;
  EXPECT_EQ(querysafe_client_connect(&client_, schema_, &old, &error_), QUERYSAFE_EINVALID);
  EXPECT_EQ(client_, nullptr);
  querysafe_connect_options no_kms = QUERYSAFE_CONNECT_OPTIONS_INIT;
  no_kms.uri = uri_.c_str();
  EXPECT_EQ(querysafe_client_connect(&client_, schema_, &no_kms, &error_), QUERYSAFE_EREJECTED);
  EXPECT_EQ(error_.diagnostics[0].category, QUERYSAFE_IMPROPERLY_CONFIGURED);
  EXPECT_EQ(querysafe_client_connect(&client_, nullptr, &options_, &error_), QUERYSAFE_EINVALID);
  EXPECT_EQ(querysafe_migrate(nullptr, nullptr, schema_, nullptr, &error_), QUERYSAFE_EINVALID);
  EXPECT_TRUE(peer_.Received("find").empty());
}

}  // namespace
}  // namespace querysafe::testing
