// Local master keys and KMS provider documents: parsing, validation, and what
// libmongocrypt makes of them. Bad input gives a clear error, never a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "lib/crypt/encryptor.h"
#include "lib/crypt/kms_providers.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

// The spec's LOCAL_MASTERKEY, as the specifications' prose tests give it
// (base64 of 96 bytes).
constexpr char kSpecLocalKeyBase64[] =
    "Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aX"
    "RRMkhGRGdQV09wOGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk";

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "querysafe_kms_" + std::to_string(getpid()) + "_" + name;
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

BsonDoc Json(const std::string& json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << json << ": " << error.message;
  return doc;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(LocalMasterKey, Base64TextIsTheSpecKey) {
  BsonDoc spec = testing::LoadSpec("fle2v2-InsertFind-Indexed.json");
  std::vector<uint8_t> expected =
      testing::BinaryAt(spec.get(), "tests.0.clientOptions.autoEncryptOpts.kmsProviders.local.key");
  absl::StatusOr<std::string> key = ParseLocalMasterKey(kSpecLocalKeyBase64);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(std::vector<uint8_t>(key->begin(), key->end()), expected);
}

TEST(LocalMasterKey, FileMayHoldRawBytesOrBase64) {
  absl::StatusOr<std::string> expected = ParseLocalMasterKey(kSpecLocalKeyBase64);
  ASSERT_TRUE(expected.ok());
  std::string raw = TempPath("raw.key"), text = TempPath("text.key");
  WriteFile(raw, *expected);
  WriteFile(text, std::string(kSpecLocalKeyBase64) + "\n");
  absl::StatusOr<std::string> from_raw = ParseLocalMasterKey("@" + raw);
  absl::StatusOr<std::string> from_text = ParseLocalMasterKey("@" + text);
  ASSERT_TRUE(from_raw.ok()) << from_raw.status();
  ASSERT_TRUE(from_text.ok()) << from_text.status();
  EXPECT_EQ(*from_raw, *expected);
  EXPECT_EQ(*from_text, *expected);
  std::remove(raw.c_str());
  std::remove(text.c_str());
}

TEST(LocalMasterKey, BadInputsGiveErrorsThatSayWhatIsWrong) {
  absl::StatusOr<std::string> key = ParseLocalMasterKey("not base64 at all!");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(Message(key.status()).find("not valid base64"), std::string::npos);

  // 32 bytes: an AES key, not a local master key.
  key = ParseLocalMasterKey("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(
      Message(key.status()).find("decodes to 32 bytes; a local master key must be exactly 96"),
      std::string::npos)
      << key.status();
  EXPECT_EQ(Message(key.status()).find("AAECAwQF"), std::string::npos) << "echoes the key";

  key = ParseLocalMasterKey("@/nonexistent/querysafe/master.key");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(Message(key.status())
                .find("cannot read local master key file "
                      "'/nonexistent/querysafe/master.key'"),
            std::string::npos)
      << key.status();

  std::string short_file = TempPath("short.key");
  WriteFile(short_file, std::string(50, 'x'));
  key = ParseLocalMasterKey("@" + short_file);
  EXPECT_FALSE(key.ok());
  std::remove(short_file.c_str());

  EXPECT_FALSE(ParseLocalMasterKey("").ok());
  EXPECT_FALSE(ParseLocalMasterKey("@").ok());
}

TEST(LocalMasterKey, NewKeysAre96RandomBytes) {
  absl::StatusOr<std::string> a = NewLocalMasterKey(), b = NewLocalMasterKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), kLocalMasterKeySize);
  EXPECT_NE(*a, *b);
  absl::StatusOr<std::string> round_trip = ParseLocalMasterKey(Base64Encode(*a));
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(*round_trip, *a);
}

TEST(KmsProviders, CloudProvidersAreAcceptedAndPassedThrough) {
  BsonDoc doc = Json(std::string(R"({
      "local": {"key": ")") +
                     kSpecLocalKeyBase64 + R"("},
      "aws": {"accessKeyId": "AKIA", "secretAccessKey": "secret"},
      "azure": {"tenantId": "t", "clientId": "c", "clientSecret": "s"},
      "gcp": {"email": "e@example.com", "privateKey": "AAAA"},
      "kmip": {"endpoint": "kmip.example.com:5696"},
      "local:backup": {"key": ")" +
                     kSpecLocalKeyBase64 + R"("}})");
  absl::StatusOr<KmsProviders> kms = KmsProviders::FromDocument(doc.get());
  ASSERT_TRUE(kms.ok()) << kms.status();
  EXPECT_EQ(kms->Names(),
            (std::vector<std::string>{"local", "aws", "azure", "gcp", "kmip", "local:backup"}));
  BsonDoc aws = testing::DocumentAt(kms->document().get(), "aws");
  EXPECT_EQ(ToCanonicalJson(aws.get()),
            ToCanonicalJson(Json(R"({"accessKeyId": "AKIA", "secretAccessKey": "secret"})").get()));
  // The local key is normalized to binary, as libmongocrypt and mongoc take it.
  EXPECT_EQ(testing::BinaryAt(kms->document().get(), "local.key").size(), kLocalMasterKeySize);
  EXPECT_TRUE(KmsProviders::IsLocal("local:backup"));
  EXPECT_FALSE(KmsProviders::IsLocal("aws"));
  // libmongocrypt takes the whole document.
  EncryptorOptions options;
  options.kms_providers = *kms;
  options.key_source =
      testing::SpecKeyVault(testing::LoadSpec("fle2v2-InsertFind-Indexed.json").get());
  EXPECT_TRUE(Encryptor::Create(std::move(options)).ok());
}

TEST(KmsProviders, BadDocumentsAreRefused) {
  absl::StatusOr<KmsProviders> kms = KmsProviders::FromDocument(Json(R"({"vault": {}})").get());
  ASSERT_FALSE(kms.ok());
  EXPECT_NE(Message(kms.status()).find("unknown KMS provider 'vault'"), std::string::npos);
  kms = KmsProviders::FromDocument(Json(R"({"local": {"key": "AAAA"}})").get());
  ASSERT_FALSE(kms.ok());
  EXPECT_NE(Message(kms.status()).find("decodes to 3 bytes"), std::string::npos) << kms.status();
  kms = KmsProviders::FromDocument(Json(R"({"local": {}})").get());
  EXPECT_FALSE(kms.ok());
  kms = KmsProviders::FromDocument(Json(R"({"aws": "AKIA"})").get());
  EXPECT_FALSE(kms.ok());
  kms = KmsProviders::FromDocument(Json(R"({"local:": {"key": "AAAA"}})").get());
  EXPECT_FALSE(kms.ok());

  // Options libmongocrypt refuses surface when the encryptor is made.
  kms = KmsProviders::FromDocument(Json(R"({"aws": {"accessKeyId": 5}})").get());
  ASSERT_TRUE(kms.ok());
  EncryptorOptions options;
  options.kms_providers = *kms;
  options.key_source =
      testing::SpecKeyVault(testing::LoadSpec("fle2v2-InsertFind-Indexed.json").get());
  absl::StatusOr<std::unique_ptr<Encryptor>> encryptor = Encryptor::Create(std::move(options));
  ASSERT_FALSE(encryptor.ok());
  EXPECT_NE(Message(encryptor.status()).find("KMS providers"), std::string::npos)
      << encryptor.status();
}

}  // namespace
}  // namespace querysafe::crypt
