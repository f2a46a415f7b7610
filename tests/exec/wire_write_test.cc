// Writes: the insert, update and delete commands querysafe sends for model
// instances (values coerced as Django coerces them, encrypted fields as QE
// payloads made with each field's own options, no plaintext on the wire), and
// the updates QE forbids, refused before anything is sent.
#include <gtest/gtest.h>

#include "lib/exec/client.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;
using lower::CommandKind;

using WireInsert = WireTest;
using WireSave = WireTest;
using WireDelete = WireTest;
using WireUpdate = WireTest;

constexpr char kPatient[] = R"({
  "patient_name": "Jon Doe", "patient_id": 12345678,
  "patient_record": {"ssn": "987-65-4320",
                     "billing": {"cc_type": "Visa", "cc_number": "4111222233334444"},
                     "bill_amount": "1500.25"}})";

// The value {"v": x} a payload decrypts to, as canonical Extended JSON.
std::string Decrypted(const exec::Client& client, const std::vector<uint8_t>& p) {
  auto plain = client.encryptor().Decrypt(p);
  EXPECT_TRUE(plain.ok()) << plain.status();
  return plain.ok() ? ToCanonicalJson(plain->get()) : "";
}

bson_type_t TypeAt(const bson_t* doc, std::vector<const char*> keys) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return BSON_TYPE_EOD;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!bson_iter_find(&it, keys[i])) return BSON_TYPE_EOD;
    if (i + 1 == keys.size()) return bson_iter_type(&it);
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    it = child;
  }
  return BSON_TYPE_EOD;
}

TEST_F(WireInsert, EncryptedFieldsArePayloadsAndNoPlaintextIsSent) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  exec::WriteResult w = client->Insert("Patient", Json(kPatient).get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  EXPECT_EQ(w.count, 1);
  std::vector<ReceivedCommand> inserts = Commands("insert", "medical_records.patients");
  ASSERT_EQ(inserts.size(), 1u);
  const bson_t* sent = inserts[0].body.get();
  BsonDoc doc = SubDocument(sent, "documents/0");
  // Django's document: _id first (a new ObjectId), columns in field order.
  EXPECT_EQ(TypeAt(doc.get(), {"_id"}), BSON_TYPE_OID);
  EXPECT_EQ(BinaryAt(w.id.get(), "_id"), BinaryAt(doc.get(), "_id"));
  EXPECT_EQ(ToCanonicalJson(w.id.get()).find("$oid") != std::string::npos, true);
  EXPECT_EQ(StringAt(doc.get(), "patient_name"), "Jon Doe");
  EXPECT_EQ(TypeAt(doc.get(), {"patient_id"}),
            BSON_TYPE_INT64);  // BigIntegerField
  EXPECT_EQ(TypeAt(doc.get(), {"patient_record", "bill_amount"}), BSON_TYPE_DECIMAL128);
  // ssn: an Indexed insert payload; billing: one Unindexed value, the whole
  // subdocument.
  std::vector<uint8_t> ssn = BinaryAt(doc.get(), "patient_record/ssn");
  std::vector<uint8_t> billing = BinaryAt(doc.get(), "patient_record/billing");
  ASSERT_FALSE(ssn.empty());
  ASSERT_FALSE(billing.empty());
  EXPECT_EQ(ssn[0], 11);
  EXPECT_EQ(billing[0], 16);
  EXPECT_EQ(Decrypted(*client, ssn), ToCanonicalJson(Json(R"({"v": "987-65-4320"})").get()));
  EXPECT_EQ(Decrypted(*client, billing), ToCanonicalJson(Json(R"({"v": {"cc_type": "Visa",
                                     "cc_number": "4111222233334444"}})")
                                                             .get()));
  // libmongocrypt saw the type-11 payload and added encryptionInformation.
  EXPECT_EQ(StringAt(sent,
                     "encryptionInformation/schema/"
                     "medical_records.patients/fields/0/path"),
            "patient_record.ssn");
  const std::string bytes = peer_.BytesReceived();
  for (const char* secret : {"987-65-4320", "4111222233334444"}) {
    EXPECT_EQ(FindPlaintext(bytes, ct::Utf8(secret)), std::vector<std::string>{}) << secret;
  }
  BsonDoc billing_doc = Json(R"({"cc_type": "Visa", "cc_number": "4111222233334444"})");
  bson_value_t whole{};
  whole.value_type = BSON_TYPE_DOCUMENT;
  whole.value.v_doc.data = const_cast<uint8_t*>(billing_doc.data());
  whole.value.v_doc.data_len = billing_doc.size();
  EXPECT_EQ(FindPlaintext(bytes, whole), std::vector<std::string>{});
}

TEST_F(WireInsert, RangeUnindexedDefaultsAndAutoNowAdd) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  const auto before = std::chrono::system_clock::now();
  exec::WriteResult w = client->Insert(
      "Visit", Json(R"({"visit_count": 42, "notes": "reports a mild headache"})").get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  std::vector<ReceivedCommand> inserts = Commands("insert", "medical_records.visits");
  ASSERT_EQ(inserts.size(), 1u);
  BsonDoc doc = SubDocument(inserts[0].body.get(), "documents/0");
  std::vector<uint8_t> count = BinaryAt(doc.get(), "visit_count");
  std::vector<uint8_t> notes = BinaryAt(doc.get(), "notes");
  ASSERT_FALSE(count.empty());
  ASSERT_FALSE(notes.empty());
  EXPECT_EQ(count[0], 11);  // a Range insert payload
  EXPECT_EQ(notes[0], 16);  // Unindexed: the field has no queries
  // EncryptedIntegerField stores int64, and so is 42 encrypted.
  EXPECT_EQ(Decrypted(*client, count),
            ToCanonicalJson(Json(R"({"v": {"$numberLong": "42"}})").get()));
  EXPECT_EQ(StringAt(doc.get(), "kind"), "checkup");  // the field's default
  bson_iter_t created;
  ASSERT_TRUE(bson_iter_init_find(&created, doc.get(), "created"));
  ASSERT_TRUE(BSON_ITER_HOLDS_DATE_TIME(&created));
  const int64_t ms = bson_iter_date_time(&created);
  const int64_t before_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
  EXPECT_GE(ms, before_ms - 1);
  EXPECT_LE(ms, before_ms + 60000);
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("reports a mild headache")),
            std::vector<std::string>{});
}

TEST_F(WireInsert, BadValuesAreDiagnosticsAndNothingIsSent) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  exec::WriteResult w =
      client->Insert("Patient", Json(R"({"patient_nme": "x", "patient_id": "abc"})").get());
  ASSERT_EQ(w.diagnostics.size(), 3u);
  EXPECT_EQ(w.diagnostics[0].category, Category::kFieldError);
  EXPECT_EQ(w.diagnostics[0].message, "Patient() got unexpected keyword arguments: 'patient_nme'");
  EXPECT_EQ(w.diagnostics[1].category, Category::kValidationError);
  EXPECT_EQ(w.diagnostics[1].message, "Field 'patient_id' expected a number but got 'abc'.");
  EXPECT_EQ(w.diagnostics[1].location, "Patient.patient_id");
  EXPECT_EQ(w.diagnostics[2].message, "This field cannot be null.");
  EXPECT_EQ(w.diagnostics[2].location, "Patient.patient_record");
  exec::WriteResult unknown = client->Insert("Patiant", Json("{}").get());
  ASSERT_EQ(unknown.diagnostics.size(), 1u);
  EXPECT_EQ(unknown.diagnostics[0].message, "The schema has no model 'Patiant'");
  EXPECT_TRUE(peer_.Received("insert").empty());
}

TEST_F(WireSave, UpdateOneByIdSetsEveryOtherField) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  Route("update", [](const ReceivedCommand&) {
    return PeerReply::Json(R"({"n": 1, "nModified": 1, "ok": 1})");
  });
  BsonDoc values = Json(kPatient);
  BSON_APPEND_UTF8(values.get(), "id", "65a1b2c3d4e5f60718293a4b");
  exec::WriteResult w = client->Save("Patient", values.get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  EXPECT_EQ(w.count, 1);
  EXPECT_FALSE(w.inserted);
  std::vector<ReceivedCommand> updates = Commands("update", "medical_records.patients");
  ASSERT_EQ(updates.size(), 1u);
  const bson_t* sent = updates[0].body.get();
  BsonDoc statement = SubDocument(sent, "updates/0");
  EXPECT_EQ(ToCanonicalJson(SubDocument(statement.get(), "q").get()),
            ToCanonicalJson(Json(R"({"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}})").get()));
  BsonDoc set = SubDocument(statement.get(), "u/$set");
  std::vector<std::string> keys;
  bson_iter_t it;
  bson_iter_init(&it, set.get());
  while (bson_iter_next(&it)) keys.emplace_back(bson_iter_key(&it));
  EXPECT_EQ(keys, (std::vector<std::string>{"patient_name", "patient_id", "patient_record"}));
  EXPECT_EQ(BinaryAt(set.get(), "patient_record/ssn").at(0), 11);
  bson_iter_t multi;
  ASSERT_TRUE(bson_iter_init_find(&multi, statement.get(), "multi"));
  EXPECT_FALSE(bson_iter_as_bool(&multi));
  EXPECT_TRUE(Has(sent, "encryptionInformation"));
  EXPECT_EQ(FindPlaintext(peer_.BytesReceived(), ct::Utf8("987-65-4320")),
            std::vector<std::string>{});
}

TEST_F(WireSave, NoMatchInsertsAsDjangoDoes) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  Route("update", [](const ReceivedCommand&) {
    return PeerReply::Json(R"({"n": 0, "nModified": 0, "ok": 1})");
  });
  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  BsonDoc values = Json(kPatient);
  BSON_APPEND_UTF8(values.get(), "id", "65a1b2c3d4e5f60718293a4b");
  exec::WriteResult w = client->Save("Patient", values.get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  EXPECT_TRUE(w.inserted);
  std::vector<ReceivedCommand> inserts = Commands("insert", "medical_records.patients");
  ASSERT_EQ(inserts.size(), 1u);
  EXPECT_TRUE(ToCanonicalJson(SubDocument(inserts[0].body.get(), "documents/0").get())
                  .starts_with(R"({ "_id" : { "$oid" : "65a1b2c3d4e5f60718293a4b" })"));
}

TEST_F(WireDelete, DeleteOneDocumentById) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  Route("delete", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  bson_value_t id{};
  id.value_type = BSON_TYPE_UTF8;  // a str pk, as Django takes it
  id.value.v_utf8.str = const_cast<char*>("65a1b2c3d4e5f60718293a4b");
  id.value.v_utf8.len = 24;
  exec::WriteResult w = client->Delete("Patient", id);
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  EXPECT_EQ(w.count, 1);
  std::vector<ReceivedCommand> deletes = Commands("delete", "medical_records.patients");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(ToCanonicalJson(SubDocument(deletes[0].body.get(), "deletes").get()),
            ToCanonicalJson(Json(R"([{"q": {"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}},
                                     "limit": 1}])")
                                .get()));
  // libmongocrypt adds encryptionInformation to every delete on a QE
  // collection, payload or not.
  EXPECT_TRUE(Has(deletes[0].body.get(), "encryptionInformation"));
}

TEST_F(WireUpdate, MultiAndPipelineUpdatesAreRefusedBeforeSending) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  exec::Result multi =
      client->Run(Lowered("medical_records", "patients", CommandKind::kUpdate,
                          R"({"update": "patients", "updates": [{"q": {}, "u": {"$set":
          {"patient_name": "x"}}, "multi": true}]})",
                          {}, bound::Operation::kUpdate));
  ASSERT_EQ(multi.diagnostics.size(), 1u);
  EXPECT_EQ(multi.diagnostics[0].category, Category::kNotSupportedError);
  EXPECT_EQ(multi.diagnostics[0].message,
            "Multi-document updates are not allowed with Queryable Encryption");
  EXPECT_EQ(multi.diagnostics[0].server_code, 6329900);
  exec::Result pipeline =
      client->Run(Lowered("medical_records", "patients", CommandKind::kUpdate,
                          R"({"update": "patients", "updates": [{"q": {}, "u": [{"$set":
          {"patient_name": "x"}}], "multi": false}]})",
                          {}, bound::Operation::kUpdate));
  ASSERT_EQ(pipeline.diagnostics.size(), 1u);
  EXPECT_EQ(pipeline.diagnostics[0].server_code, 6371517);
  EXPECT_TRUE(peer_.Received("update").empty());
}

TEST_F(WireUpdate, ASingleDocumentUpdateRunsWithItsPayloads) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("update", [](const ReceivedCommand&) {
    return PeerReply::Json(R"({"n": 1, "nModified": 1, "ok": 1})");
  });
  std::vector<lower::EncryptionRequest> requests;
  requests.push_back(
      EqualityRequest(*schema, "patients", "patient_record.ssn", 0, ct::Utf8("987-65-4320")));
  exec::Result r =
      client->Run(Lowered("medical_records", "patients", CommandKind::kUpdate,
                          R"({"update": "patients", "updates": [{"q": {"patient_record.ssn": {"$eq":
          {"$encrypt": {"id": 0, "role": "value"}}}}, "u": {"$set":
          {"patient_name": "Jane"}}, "multi": false}]})",
                          std::move(requests), bound::Operation::kUpdate));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  EXPECT_EQ(r.count, 1);
  std::vector<ReceivedCommand> updates = Commands("update", "medical_records.patients");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(BinaryAt(updates[0].body.get(), "updates/0/q/patient_record.ssn/$eq").at(0), 12);
  EXPECT_TRUE(Has(updates[0].body.get(), "encryptionInformation"));
}

}  // namespace
}  // namespace querysafe::testing
