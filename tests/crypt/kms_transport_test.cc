// KMS round trips (lib/crypt/kms_transport.h) against a fake AWS KMS on
// loopback over real TLS (fake_kms.h): a data key wrapped by an AWS master key
// gives the same find payloads, byte for byte, as the same key wrapped by a
// local master key; the request is the AWS Decrypt libmongocrypt signs; and
// every way the KMS can fail (unreachable, untrusted certificate, truncated
// reply, HTTP error, silence) is a diagnostic that says which, never a crash.
#include "lib/crypt/kms_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <format>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/key_vault_file.h"
#include "tests/crypt/fake_kms.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

using testing::FakeKms;
using testing::KmsAction;
using Kind = KmsAction::Kind;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

BsonDoc Json(const std::string& json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << json << ": " << error.message;
  return doc;
}

std::shared_ptr<const KeyVaultFile> Vault(const BsonDoc& key) {
  auto vault = KeyVaultFile::Parse(ToCanonicalJson(key.get()), "test keys");
  EXPECT_TRUE(vault.ok()) << vault.status();
  return vault.ok() ? *vault : nullptr;
}

class KmsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kms_ = std::make_unique<FakeKms>(testing::MakeTempDir("kms"));
    ASSERT_TRUE(kms_->ok()) << kms_->error();
    for (size_t i = 0; i < plaintext_.size(); ++i) {
      plaintext_[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    const std::string blob = "fake AWS ciphertext blob for data key 6a";
    ciphertext_.assign(blob.begin(), blob.end());
    kms_->AddKey(ciphertext_, plaintext_);
    spec_ = testing::LoadSpec("fle2v2-InsertFind-Indexed.json");
  }

  // The AWS-wrapped key at the fake's endpoint (or `endpoint`).
  BsonDoc AwsKey(std::string endpoint = "") {
    return testing::AwsKeyDocument(id_, ciphertext_,
                                   endpoint.empty() ? kms_->endpoint() : endpoint);
  }

  KmsTransportOptions TrustingOptions() {
    KmsTransportOptions options;
    options.tls["aws"].ca_file = kms_->ca_file();
    return options;
  }

  // An Encryptor for the AWS-wrapped key; no transport when `transport` is
  // null.
  std::unique_ptr<Encryptor> AwsEncryptor(std::optional<KmsTransportOptions> transport,
                                          BsonDoc key = {},
                                          KmsProviders providers = testing::AwsProviders()) {
    EncryptorOptions options;
    options.kms_providers = std::move(providers);
    options.key_source = Vault(key.empty() ? AwsKey() : key);
    if (transport) {
      auto made = KmsTransport::Create(*std::move(transport));
      EXPECT_TRUE(made.ok()) << made.status();
      if (made.ok()) options.kms_transport = *made;
    }
    auto encryptor = Encryptor::Create(std::move(options));
    EXPECT_TRUE(encryptor.ok()) << encryptor.status();
    return encryptor.ok() ? *std::move(encryptor) : nullptr;
  }

  // The same data key under the spec's local master key.
  std::unique_ptr<Encryptor> LocalEncryptor() {
    KmsProviders local = testing::SpecKms(spec_.get());
    EncryptorOptions options;
    options.kms_providers = local;
    options.key_source = Vault(testing::LocalKeyDocument(local, id_, plaintext_));
    auto encryptor = Encryptor::Create(std::move(options));
    EXPECT_TRUE(encryptor.ok()) << encryptor.status();
    return encryptor.ok() ? *std::move(encryptor) : nullptr;
  }

  // Patient.objects.filter(patient_record__ssn=value) as lowering asks for it.
  lower::EncryptionRequest Find(const char* value = "987-65-4320") {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, /*is_query=*/true);
    request.key = schema::KeyRef{id_, ""};
    request.path = "patient_record.ssn";
    request.operands = testing::ValueOperand(testing::Utf8(value));
    request.span = Span{36, 49};
    return request;
  }

  // Encrypts Find() and expects a KMS diagnostic with `code`.
  Diagnostic ExpectKmsFailure(Encryptor& encryptor, std::string_view code) {
    auto out = encryptor.Encrypt(Find());
    EXPECT_FALSE(out.ok());
    if (out.ok()) return {};
    std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
    EXPECT_TRUE(d.has_value()) << out.status();
    if (!d) return {};
    EXPECT_EQ(d->code, code) << d->message;
    EXPECT_EQ(d->span, (Span{36, 49}));
    // Nothing of the key: neither the unwrapped bytes nor their base64.
    const std::string plain(plaintext_.begin(), plaintext_.end());
    EXPECT_FALSE(Contains(d->message, absl::Base64Escape(plain)));
    EXPECT_FALSE(Contains(d->message, plain));
    // What a user sees, in the test log.
    std::cout << "[ message  ] " << d->code << ": " << d->message << "\n";
    return *d;
  }

  std::unique_ptr<FakeKms> kms_;
  KeyId id_ = {0x6a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x46, 0x66,
               0x87, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd};
  std::vector<uint8_t> plaintext_ = std::vector<uint8_t>(96);
  std::vector<uint8_t> ciphertext_;
  BsonDoc spec_;
};

using KmsAws = KmsTest;
using KmsErrors = KmsTest;
using KmsOptions = KmsTest;

TEST_F(KmsAws, FindPayloadIsByteForByteTheOneTheLocalWrappedKeyGives) {
  auto aws = AwsEncryptor(TrustingOptions());
  auto local = LocalEncryptor();
  ASSERT_NE(aws, nullptr);
  ASSERT_NE(local, nullptr);
  for (const char* value : {"987-65-4320", "", "ünïcödé"}) {
    auto from_aws = aws->Encrypt(Find(value));
    auto from_local = local->Encrypt(Find(value));
    ASSERT_TRUE(from_aws.ok()) << from_aws.status();
    ASSERT_TRUE(from_local.ok()) << from_local.status();
    ASSERT_TRUE(from_aws->value.has_value());
    EXPECT_EQ(from_aws->value->bytes.at(0), 12);  // FLE2FindEqualityPayloadV2
    EXPECT_EQ(from_aws->value->bytes, from_local->value->bytes) << value;
  }
  // Another value, another payload: the comparison is not vacuous.
  EXPECT_NE(aws->Encrypt(Find("987-65-4320"))->value->bytes,
            aws->Encrypt(Find("987-65-4321"))->value->bytes);
  EXPECT_EQ(kms_->failed_handshakes(), 0);
}

TEST_F(KmsAws, AnInsertedValueDecryptsWithTheLocalWrappedKey) {
  auto aws = AwsEncryptor(TrustingOptions());
  auto local = LocalEncryptor();
  ASSERT_NE(aws, nullptr);
  ASSERT_NE(local, nullptr);
  lower::EncryptionRequest insert = Find();
  insert.is_query = false;
  auto stored = aws->Encrypt(insert);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->value->bytes.at(0), 11);  // FLE2InsertUpdatePayloadV2
  auto opened = local->Decrypt(stored->value->bytes);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(ToCanonicalJson(opened->get()), R"({ "v" : "987-65-4320" })");
  // And the other way round: what the local key stores, the AWS key opens.
  auto local_stored = local->Encrypt(insert);
  ASSERT_TRUE(local_stored.ok()) << local_stored.status();
  auto aws_opened = aws->Decrypt(local_stored->value->bytes);
  ASSERT_TRUE(aws_opened.ok()) << aws_opened.status();
  EXPECT_EQ(ToCanonicalJson(aws_opened->get()), R"({ "v" : "987-65-4320" })");
}

TEST_F(KmsAws, TheRequestIsASignedDecryptOfTheKeyMaterialAtTheKeysEndpoint) {
  auto aws = AwsEncryptor(TrustingOptions());
  ASSERT_NE(aws, nullptr);
  ASSERT_TRUE(aws->Encrypt(Find()).ok());
  std::vector<testing::KmsRequest> requests = kms_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& head = requests[0].head;
  EXPECT_TRUE(head.starts_with("POST / HTTP/1.1\r\n")) << head;
  // kms-message writes headers without a space after the colon.
  EXPECT_TRUE(Contains(head, "X-Amz-Target:TrentService.Decrypt")) << head;
  EXPECT_TRUE(Contains(head, "Host:" + kms_->endpoint() + "\r\n")) << head;
  EXPECT_TRUE(Contains(head,
                       "Authorization: AWS4-HMAC-SHA256 "
                       "Credential=AKIAFAKEFAKEFAKEFAKE/"))
      << head;
  EXPECT_TRUE(Contains(head, "/us-east-1/kms/aws4_request")) << head;
  BsonDoc body = Json(requests[0].body);
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, body.get(), "CiphertextBlob"));
  EXPECT_EQ(std::string(bson_iter_utf8(&it, nullptr)),
            absl::Base64Escape(std::string(ciphertext_.begin(), ciphertext_.end())));
  // The secret key signs; it is never sent.
  EXPECT_FALSE(Contains(head + requests[0].body, "not-a-secret"));
}

TEST_F(KmsAws, TheKmsIsAskedOncePerKeyNotOncePerQuery) {
  auto aws = AwsEncryptor(TrustingOptions());
  ASSERT_NE(aws, nullptr);
  for (int i = 0; i < 5; ++i) {
    lower::EncryptionRequest request = Find();
    request.is_query = i % 2 == 0;
    ASSERT_TRUE(aws->Encrypt(request).ok());
  }
  EXPECT_EQ(kms_->request_count(), 1);
}

TEST_F(KmsAws, ATransientFailureIsRetriedAsLibmongocryptAsks) {
  // HTTP 503 (libmongocrypt retries it itself), then a dropped connection
  // (the transport reports it with mongocrypt_kms_ctx_fail), then success.
  kms_->Script(
      {KmsAction::Status(503, R"({"__type": "ServiceUnavailable"})"), KmsAction::Of(Kind::kClose)});
  auto aws = AwsEncryptor(TrustingOptions());
  ASSERT_NE(aws, nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto out = aws->Encrypt(Find());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(kms_->request_count(), 3);
  std::cout << "[ measured ] 2 retries with libmongocrypt's backoff: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(KmsErrors, AnUnreachableKmsSaysWhereAndWhy) {
  // A port nothing listens on: bound, then closed.
  int port = 0;
  {
    FakeKms closed(testing::MakeTempDir("kms_closed"));
    ASSERT_TRUE(closed.ok());
    port = closed.port();
  }
  const std::string endpoint = std::format("127.0.0.1:{}", port);
  auto aws = AwsEncryptor(TrustingOptions(), AwsKey(endpoint));
  ASSERT_NE(aws, nullptr);
  const auto start = std::chrono::steady_clock::now();
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_unreachable");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(d.category, Category::kDatabaseError);
  EXPECT_TRUE(Contains(d.message, "the 'aws' KMS at " + endpoint)) << d.message;
  EXPECT_TRUE(Contains(d.message, "Connection refused")) << d.message;
  // libmongocrypt retried the request 3 times.
  EXPECT_TRUE(Contains(d.message, "4 attempts")) << d.message;
  std::cout << "[ measured ] refused connection, 4 attempts: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(KmsErrors, AnUntrustedCertificateFailsTheHandshakeBeforeAnythingIsSent) {
  KmsTransportOptions wrong_ca;
  wrong_ca.tls["aws"].ca_file = kms_->other_ca_file();
  auto aws = AwsEncryptor(wrong_ca);
  ASSERT_NE(aws, nullptr);
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_tls");
  EXPECT_TRUE(Contains(d.message, "TLS handshake failed")) << d.message;
  EXPECT_TRUE(Contains(d.message, "certificate verify failed")) << d.message;
  EXPECT_EQ(kms_->request_count(), 0);
  EXPECT_GE(kms_->failed_handshakes(), 1);

  // Without a tlsCAFile the system's trust store is used, which does not
  // know the test CA either: verification is never off by default.
  auto system = AwsEncryptor(KmsTransportOptions{});
  ASSERT_NE(system, nullptr);
  ExpectKmsFailure(*system, "crypt.kms_tls");
  EXPECT_EQ(kms_->request_count(), 0);
}

TEST_F(KmsErrors, ACertificateForAnotherNameIsRefused) {
  // Signed by the trusted CA, but for AWS's name, not for 127.0.0.1.
  FakeKms elsewhere(testing::MakeTempDir("kms_elsewhere"), "DNS:kms.us-east-1.amazonaws.com");
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.error();
  elsewhere.AddKey(ciphertext_, plaintext_);
  KmsTransportOptions options;
  options.tls["aws"].ca_file = elsewhere.ca_file();
  auto aws = AwsEncryptor(options, AwsKey(elsewhere.endpoint()));
  ASSERT_NE(aws, nullptr);
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_tls");
  EXPECT_TRUE(Contains(d.message, "TLS handshake failed")) << d.message;
  EXPECT_EQ(elsewhere.request_count(), 0);
}

TEST_F(KmsErrors, ATruncatedReplyIsANetworkFailure) {
  kms_->Script(std::vector<KmsAction>(4, KmsAction::Of(Kind::kTruncate)));
  auto aws = AwsEncryptor(TrustingOptions());
  ASSERT_NE(aws, nullptr);
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_network");
  EXPECT_TRUE(Contains(d.message, "the connection ended after")) << d.message;
  EXPECT_TRUE(Contains(d.message, "bytes of the reply, before it was complete")) << d.message;
  EXPECT_EQ(kms_->request_count(), 4);
}

TEST_F(KmsErrors, AnHttpErrorReplyCarriesTheKmsExplanationAndIsNotRetried) {
  kms_->Script({KmsAction::Status(400, R"({"__type": "AccessDeniedException", "message": "User: )"
                                       R"(arn:aws:iam::579766882180:user/app is not authorized to )"
                                       R"(perform: kms:Decrypt"})")});
  auto aws = AwsEncryptor(TrustingOptions());
  ASSERT_NE(aws, nullptr);
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_error");
  EXPECT_TRUE(Contains(d.message, "answered with an error")) << d.message;
  EXPECT_TRUE(Contains(d.message, "HTTP status=400")) << d.message;
  EXPECT_TRUE(Contains(d.message, "AccessDeniedException")) << d.message;
  EXPECT_EQ(kms_->request_count(), 1);
}

TEST_F(KmsErrors, ASilentKmsTimesOut) {
  kms_->Script(std::vector<KmsAction>(4, KmsAction::Of(Kind::kStall)));
  KmsTransportOptions options = TrustingOptions();
  options.timeout = std::chrono::milliseconds(200);
  auto aws = AwsEncryptor(options);
  ASSERT_NE(aws, nullptr);
  const auto start = std::chrono::steady_clock::now();
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_network");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(Contains(d.message, "timed out waiting for the reply")) << d.message;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  std::cout << "[ measured ] 4 attempts of 200 ms against a silent KMS: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms\n";
}

TEST_F(KmsErrors, ASuccessfulButMalformedReplyNeverShowsItsKeyMaterial) {
  const std::string plain(plaintext_.begin(), plaintext_.end());
  kms_->Script({KmsAction::Status(
      200, R"({"KeyId": "x", "Plaintext": ")" + absl::Base64Escape(plain) + R"(", )")});
  auto aws = AwsEncryptor(TrustingOptions());
  ASSERT_NE(aws, nullptr);
  Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_error");
  EXPECT_TRUE(Contains(d.message, "not shown")) << d.message;
}

TEST_F(KmsErrors, AKeyOfTheWrongLengthIsAnErrorNotACrash) {
  const std::vector<uint8_t> short_key(32, 0x41);
  const std::string blob = "a blob whose key is too short";
  const std::vector<uint8_t> ciphertext(blob.begin(), blob.end());
  kms_->AddKey(ciphertext, short_key);
  auto aws =
      AwsEncryptor(TrustingOptions(), testing::AwsKeyDocument(id_, ciphertext, kms_->endpoint()));
  ASSERT_NE(aws, nullptr);
  auto out = aws->Encrypt(Find());
  ASSERT_FALSE(out.ok());
  ASSERT_TRUE(DiagnosticFromStatus(out.status()).has_value()) << out.status();
}

TEST_F(KmsErrors, OnDemandCredentialsAreRefusedWithWhatToGiveInstead) {
  // "aws": {} alone, and beside a local master key.
  KmsProviders only_aws, with_local = testing::SpecKms(spec_.get());
  ASSERT_TRUE(only_aws.Set("aws", Json("{}").get()).ok());
  ASSERT_TRUE(with_local.Set("aws", Json("{}").get()).ok());
  for (const KmsProviders& on_demand : {only_aws, with_local}) {
    auto aws = AwsEncryptor(TrustingOptions(), {}, on_demand);
    ASSERT_NE(aws, nullptr);
    Diagnostic d = ExpectKmsFailure(*aws, "crypt.kms_credentials");
    EXPECT_EQ(d.category, Category::kImproperlyConfigured);
    EXPECT_TRUE(Contains(d.message,
                         "the 'aws' KMS provider is configured with an empty "
                         "document"))
        << d.message;
    EXPECT_TRUE(Contains(d.message, "accessKeyId and secretAccessKey")) << d.message;
  }
  EXPECT_EQ(kms_->request_count(), 0);
}

TEST_F(KmsErrors, OnDemandCredentialsDoNotStandInTheWayOfLocalKeys) {
  // "aws": {} is what a deployment gives the driver to fetch credentials
  // itself; values under local keys must still encrypt.
  KmsProviders providers = testing::SpecKms(spec_.get());
  ASSERT_TRUE(providers.Set("aws", Json("{}").get()).ok());
  EncryptorOptions options;
  options.kms_providers = providers;
  options.key_source =
      Vault(testing::LocalKeyDocument(testing::SpecKms(spec_.get()), id_, plaintext_));
  auto transport = KmsTransport::Create(TrustingOptions());
  ASSERT_TRUE(transport.ok());
  options.kms_transport = *transport;
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok()) << encryptor.status();
  auto out = (*encryptor)->Encrypt(Find());
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->value->bytes, LocalEncryptor()->Encrypt(Find())->value->bytes);
  EXPECT_EQ(kms_->request_count(), 0);
}

TEST_F(KmsErrors, WithoutATransportACloudKeyIsRefusedAndNothingIsSent) {
  auto offline = AwsEncryptor(std::nullopt);
  ASSERT_NE(offline, nullptr);
  auto out = offline->Encrypt(Find());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(Message(out.status()), "offline explain can only use 'local' keys"))
      << out.status();
  EXPECT_EQ(DiagnosticFromStatus(out.status())->code, "crypt.key_unusable");
  EXPECT_EQ(kms_->request_count(), 0);
  EXPECT_EQ(kms_->failed_handshakes(), 0);
}

TEST_F(KmsOptions, MongocsTlsOptionsDocumentIsReadAndCheckedAsTheDriverDoes) {
  auto parsed = KmsTransport::ParseTlsOptions(Json(R"({"aws": {"tlsCAFile": "/ca.pem"},
               "kmip": {"tlsCertificateKeyFile": "/client.pem",
                        "tlsCertificateKeyFilePassword": "pw",
                        "tlsDisableOCSPEndpointCheck": false},
               "aws:prod": {"tlscafile": "/prod-ca.pem"}})")
                                                  .get());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->at("aws").ca_file, "/ca.pem");
  EXPECT_EQ(parsed->at("kmip").cert_key_file, "/client.pem");
  EXPECT_EQ(parsed->at("kmip").cert_key_password, "pw");
  EXPECT_EQ(parsed->at("aws:prod").ca_file, "/prod-ca.pem");
  EXPECT_TRUE(KmsTransport::ParseTlsOptions(nullptr)->empty());

  const std::pair<const char*, const char*> refused[] = {
      {R"({"aws": {"tlsInsecure": true}})", "'tlsInsecure' is not allowed"},
      {R"({"aws": {"tlsAllowInvalidCertificates": true}})",
       "'tlsAllowInvalidCertificates' is not allowed"},
      {R"({"aws": {"tlsAllowInvalidHostnames": true}})",
       "'tlsAllowInvalidHostnames' is not allowed"},
      {R"({"aws": {"tlsDisableCertificateRevocationCheck": true}})",
       "'tlsDisableCertificateRevocationCheck' is not allowed"},
      {R"({"aws": {"tlsDisableOCSPEndpointCheck": true}})",
       "tlsDisableOCSPEndpointCheck cannot be set"},
      {R"({"aws": {"tlsCAFIle": 5}})", "'tlsCAFIle' must be a string"},
      {R"({"aws": {"caFile": "/ca.pem"}})", "unknown option 'caFile'"},
      {R"({"aws": "/ca.pem"})", "for 'aws' must be a document"},
      {R"({"vault": {}})", "unknown KMS provider 'vault'"},
  };
  for (const auto& [json, expected] : refused) {
    auto out = KmsTransport::ParseTlsOptions(Json(json).get());
    ASSERT_FALSE(out.ok()) << json;
    EXPECT_TRUE(Contains(Message(out.status()), expected)) << out.status();
  }
}

TEST_F(KmsOptions, AnUnreadableFileOrABadTimeoutIsRefusedWhenTheTransportIsMade) {
  KmsTransportOptions options;
  options.tls["kmip"].cert_key_file = "/nonexistent/querysafe/client.pem";
  auto made = KmsTransport::Create(options);
  ASSERT_FALSE(made.ok());
  EXPECT_TRUE(Contains(Message(made.status()),
                       "cannot read tlsCertificateKeyFile "
                       "'/nonexistent/querysafe/client.pem' for the 'kmip' "
                       "KMS provider"))
      << made.status();
  options = TrustingOptions();
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(KmsTransport::Create(options).ok());
}

}  // namespace
}  // namespace querysafe::crypt
