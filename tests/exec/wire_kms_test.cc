// Execution with data keys under an AWS master key, end to end: exec::Client
// against the scripted MongoDB peer, with a fake AWS KMS over TLS
// (tests/crypt/fake_kms.h). querysafe's Encryptor makes the KMS round trip to
// encrypt inserted and queried values; the driver's libmongocrypt makes its
// own to decrypt what the server returns, with the same kms_tls_options. The
// find payload is byte for byte the one the same key under a local master key
// gives.
#include <gtest/gtest.h>

#include <format>

#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/exec/client.h"
#include "tests/crypt/fake_kms.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;
using lower::CommandKind;

constexpr char kPatient[] = R"({
  "patient_name": "Jon Doe", "patient_id": 12345678,
  "patient_record": {"ssn": "987-65-4320",
                     "billing": {"cc_type": "Visa", "cc_number": "4111222233334444"},
                     "bill_amount": "1500.25"}})";

constexpr char kSsnFind[] =
    R"({"find": "patients", "filter": {"patient_record.ssn": {"$eq":
        {"$encrypt": {"id": 0, "role": "value", "path": "patient_record.ssn"}}}}})";

// One data key: its id, the 96 bytes, and what the fake KMS "wrapped" them
// into.
struct TestKey {
  crypt::KeyId id;
  std::vector<uint8_t> plaintext;
  std::vector<uint8_t> ciphertext;
  std::string alt_name;
};

TestKey MakeKey(uint8_t seed, std::string alt_name) {
  TestKey key;
  key.id.fill(seed);
  key.id[6] = 0x40 | (seed & 0x0f);  // a version 4 UUID's bits, for tidiness
  key.plaintext.resize(96);
  for (size_t i = 0; i < 96; ++i) {
    key.plaintext[i] = static_cast<uint8_t>(seed * 31 + i * 5);
  }
  const std::string blob = std::format("aws blob {} for {}", seed, alt_name);
  key.ciphertext.assign(blob.begin(), blob.end());
  key.alt_name = std::move(alt_name);
  return key;
}

class WireKms : public WireTest {
 protected:
  void SetUp() override {
    WireTest::SetUp();
    kms_server_ = std::make_unique<ct::FakeKms>(ct::MakeTempDir("wire_kms"));
    ASSERT_TRUE(kms_server_->ok()) << kms_server_->error();
    ssn_ = MakeKey(0x51, "patients.patient_record.ssn");
    billing_ = MakeKey(0x52, "patients.patient_record.billing");
    // The patients' keys are under the AWS master key; the visits' stay
    // local: one deployment may mix providers.
    std::vector<BsonDoc> visits(keys().begin() + 2, keys().end());
    keys().clear();
    for (const TestKey* key : {&ssn_, &billing_}) {
      kms_server_->AddKey(key->ciphertext, key->plaintext);
      keys().push_back(
          ct::AwsKeyDocument(key->id, key->ciphertext, kms_server_->endpoint(), {key->alt_name}));
    }
    for (BsonDoc& key : visits) keys().push_back(std::move(key));
  }

  exec::ClientOptions AwsOptions(std::shared_ptr<const schema::Schema> schema) {
    exec::ClientOptions o = Options(std::move(schema));
    BsonDoc aws = Json(R"({"accessKeyId": "AKIAFAKEFAKEFAKEFAKE", "secretAccessKey": "x"})");
    EXPECT_TRUE(o.kms_providers.Set("aws", aws.get()).ok());
    o.kms_tls_options =
        Json(std::format(R"({{"aws": {{"tlsCAFile": "{}"}}}})", kms_server_->ca_file()));
    return o;
  }

  std::unique_ptr<ct::FakeKms> kms_server_;
  TestKey ssn_, billing_;
};

TEST_F(WireKms, InsertQueryAndDecryptWithKeysUnderAnAwsMasterKey) {
  auto schema = LoadTestSchema("medical.json");
  exec::ConnectResult c = exec::Client::Connect(AwsOptions(schema));
  ASSERT_TRUE(c.ok()) << c.diagnostics[0].message;
  exec::Client& client = *c.client;
  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });

  // Insert: both encrypted fields need their key from the KMS.
  exec::WriteResult w = client.Insert("Patient", Json(kPatient).get());
  ASSERT_TRUE(w.ok()) << w.diagnostics[0].message;
  EXPECT_EQ(kms_server_->request_count(), 2);
  std::vector<ReceivedCommand> inserts = Commands("insert", "medical_records.patients");
  ASSERT_EQ(inserts.size(), 1u);
  BsonDoc stored = SubDocument(inserts[0].body.get(), "documents/0");
  const std::vector<uint8_t> billing = BinaryAt(stored.get(), "patient_record/billing");
  ASSERT_FALSE(billing.empty());
  EXPECT_EQ(billing[0], 16);  // FLE2UnindexedEncryptedValueV2
  EXPECT_EQ(BinaryAt(stored.get(), "patient_record/ssn").at(0), 11);

  // The server returns the document with billing as it was stored.
  Route("find", [&](const ReceivedCommand&) {
    BsonDoc record;
    bson_append_binary(record.get(), "billing", -1, BSON_SUBTYPE_ENCRYPTED, billing.data(),
                       static_cast<uint32_t>(billing.size()));
    BsonDoc doc = Json(R"({"_id": 7, "patient_name": "Jon Doe"})");
    BSON_APPEND_DOCUMENT(doc.get(), "patient_record", record.get());
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {doc}));
  });
  const bson_value_t ssn = ct::Utf8("987-65-4320");
  std::vector<lower::EncryptionRequest> requests;
  requests.push_back(EqualityRequest(*schema, "patients", "patient_record.ssn", 0, ssn));
  exec::Result r =
      client.Run(Lowered("medical_records", "patients", CommandKind::kFind, kSsnFind, requests));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row)) << r.rows->error()->message;
  // The driver decrypted billing, after its own round trip to the KMS.
  EXPECT_EQ(StringAt(row.get(), "patient_record/billing/cc_number"), "4111222233334444");
  EXPECT_FALSE(r.rows->Next(&row));
  // querysafe's keys are cached (no request for the query); the driver asked
  // once for billing's key.
  EXPECT_EQ(kms_server_->request_count(), 3);
  EXPECT_EQ(kms_server_->failed_handshakes(), 0);

  // The payload sent is the one the same key under a local master key gives.
  std::vector<ReceivedCommand> finds = Commands("find", "medical_records.patients");
  ASSERT_EQ(finds.size(), 1u);
  auto local_vault = crypt::KeyVaultFile::Parse(
      ToCanonicalJson(ct::LocalKeyDocument(kms_, ssn_.id, ssn_.plaintext, {ssn_.alt_name}).get()),
      "local copy");
  ASSERT_TRUE(local_vault.ok()) << local_vault.status();
  auto local = crypt::Encryptor::Create({kms_, *local_vault, {}, {}});
  ASSERT_TRUE(local.ok()) << local.status();
  auto expected = (*local)->Encrypt(requests[0]);
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ(BinaryAt(finds[0].body.get(), "filter/patient_record.ssn/$eq"), expected->value->bytes);

  // No plaintext of an encrypted value crossed the MongoDB socket.
  const std::string bytes = peer_.BytesReceived();
  EXPECT_EQ(FindPlaintext(bytes, ssn), std::vector<std::string>{});
  EXPECT_EQ(FindPlaintext(bytes, ct::Utf8("4111222233334444")), std::vector<std::string>{});
}

TEST_F(WireKms, AnUnreachableKmsIsADiagnosticAndNothingIsSent) {
  int closed_port = 0;
  {
    ct::FakeKms closed(ct::MakeTempDir("wire_kms_closed"));
    ASSERT_TRUE(closed.ok());
    closed_port = closed.port();
  }
  keys()[0] = ct::AwsKeyDocument(ssn_.id, ssn_.ciphertext, std::format("127.0.0.1:{}", closed_port),
                                 {ssn_.alt_name});
  auto schema = LoadTestSchema("medical.json");
  exec::ConnectResult c = exec::Client::Connect(AwsOptions(schema));
  ASSERT_TRUE(c.ok()) << c.diagnostics[0].message;
  exec::WriteResult w = c.client->Insert("Patient", Json(kPatient).get());
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.diagnostics[0].code, "crypt.kms_unreachable") << w.diagnostics[0].message;
  EXPECT_NE(w.diagnostics[0].message.find("Connection refused"), std::string::npos)
      << w.diagnostics[0].message;
  EXPECT_TRUE(Commands("insert", "medical_records.patients").empty());
}

TEST_F(WireKms, ForbiddenKmsTlsOptionsAreAConfigurationError) {
  auto schema = LoadTestSchema("medical.json");
  exec::ClientOptions o = AwsOptions(schema);
  o.kms_tls_options = Json(R"({"aws": {"tlsInsecure": true}})");
  exec::ConnectResult c = exec::Client::Connect(std::move(o));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.diagnostics[0].code, "exec.kms_tls_options");
  EXPECT_EQ(c.diagnostics[0].category, Category::kImproperlyConfigured);
  EXPECT_NE(c.diagnostics[0].message.find("'tlsInsecure' is not allowed"), std::string::npos)
      << c.diagnostics[0].message;
}

}  // namespace
}  // namespace querysafe::testing
