// Key sources and data keys: key vault files, key lookup failures,
// libmongocrypt's key cache, and data key creation (kms_test.cc has the master
// keys). Every bad input gives a clear error, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "lib/crypt/data_key.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

// The spec's LOCAL_MASTERKEY, as the specifications' prose tests give it
// (base64 of 96 bytes).
constexpr char kSpecLocalKeyBase64[] =
    "Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aX"
    "RRMkhGRGdQV09wOGVN"
    "YUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk";

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "querysafe_keys_" + std::to_string(getpid()) + "_" + name;
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

BsonDoc Json(const std::string& json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << json << ": " << error.message;
  return doc;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

constexpr char kKeyA[] =
    R"({"_id": {"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}},
        "keyAltNames": ["patients.ssn"],
        "keyMaterial": {"$binary": {"base64": "AAAA", "subType": "00"}},
        "masterKey": {"provider": "local"}})";
constexpr char kKeyB[] =
    R"({"_id": {"$binary": {"base64": "q83vqxI0mHYSNBI0VniQEg==", "subType": "04"}},
        "keyAltNames": ["patients.billing"],
        "keyMaterial": {"$binary": {"base64": "AAAA", "subType": "00"}},
        "masterKey": {"provider": "local"}})";

std::string OneLine(const char* json) {
  std::string out;
  for (const char* p = json; *p; ++p) {
    if (*p != '\n') out.push_back(*p);
  }
  return out;
}

TEST(KeyVaultFile, ReadsEveryExportShape) {
  std::string a = OneLine(kKeyA), b = OneLine(kKeyB);
  for (const std::string& text :
       {"[" + a + "," + b + "]", a + "\n" + b + "\n", a + b, "  \n[\n" + a + ",\n" + b + "\n]\n"}) {
    auto vault = KeyVaultFile::Parse(text, "keys.json");
    ASSERT_TRUE(vault.ok()) << vault.status() << "\n" << text;
    ASSERT_EQ((*vault)->documents().size(), 2u);
    ASSERT_NE((*vault)->FindByAltName("patients.billing"), nullptr);
    EXPECT_EQ((*vault)->FindByAltName("patients.billing"), &(*vault)->documents()[1]);
    KeyId id = *KeyIdFromString("12345678-1234-9876-1234-123456789012");
    EXPECT_EQ((*vault)->FindById(id), &(*vault)->documents()[0]);
    auto found = (*vault)->Find(KeyQuery{.ids = {id}, .alt_names = {"patients.billing", "x"}});
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->size(), 2u);
  }
  auto single = KeyVaultFile::Parse(kKeyA, "one.json");
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ((*single)->documents().size(), 1u);
  auto empty = KeyVaultFile::Parse(" \n", "empty.json");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->documents().empty());
}

TEST(KeyVaultFile, MalformedFilesGiveErrorsNamingFileAndDocument) {
  std::string a = OneLine(kKeyA);
  struct Case {
    std::string text;
    const char* expected;
  };
  const Case cases[] = {
      {a + "\n{\"_id\": ", "keys.json': document 2:"},
      {"[" + a + ", 5]", "element 2 of the array is not a document"},
      {"[" + a + "] trailing", "unexpected text after the array"},
      {"hello", "expected a JSON array of key documents"},
      {R"({"keyMaterial": {"$binary": {"base64": "AAAA", "subType": "00"}}, "masterKey": {"provider": "local"}})",
       "document 1: data key document has no '_id'"},
      {R"({"_id": "12345678", "keyMaterial": {"$binary": {"base64": "AAAA", "subType": "00"}}, "masterKey": {"provider": "local"}})",
       "'_id' must be a UUID"},
      {R"({"_id": {"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}}, "masterKey": {"provider": "local"}})",
       "has no 'keyMaterial'"},
      {R"({"_id": {"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}}, "keyMaterial": {"$binary": {"base64": "AAAA", "subType": "00"}}})",
       "has no 'masterKey'"},
      {a + "\n" + a,
       "documents 1 and 2 have the same _id "
       "12345678-1234-9876-1234-123456789012"},
      {a + "\n" +
           OneLine(kKeyB).replace(OneLine(kKeyB).find("patients.billing"), 16, "patients.ssn"),
       "documents 1 and 2 both have the key alt name 'patients.ssn'"},
  };
  for (const Case& c : cases) {
    auto vault = KeyVaultFile::Parse(c.text, "keys.json");
    ASSERT_FALSE(vault.ok()) << c.text;
    EXPECT_NE(Message(vault.status()).find(c.expected), std::string::npos)
        << vault.status() << "\nexpected: " << c.expected;
    EXPECT_NE(Message(vault.status()).find("keys.json"), std::string::npos) << vault.status();
  }
  auto missing = KeyVaultFile::Load("/nonexistent/querysafe/keys.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

class KeyLookupTest : public ::testing::Test {
 protected:
  void SetUp() override { spec_ = testing::LoadSpec("fle2v2-InsertFind-Indexed.json"); }

  lower::EncryptionRequest Request() {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
    request.operands = testing::ValueOperand(testing::Utf8("987-65-4320"));
    request.span = Span{5, 18};
    return request;
  }

  BsonDoc spec_;
};

TEST_F(KeyLookupTest, UnknownKeyIdIsNotFound) {
  auto encryptor = testing::SpecEncryptor(spec_.get());
  lower::EncryptionRequest request = Request();
  request.key.key_id = *KeyIdFromString("abcdefab-1234-9876-1234-123456789012");
  auto out = encryptor->Encrypt(request);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(Message(out.status())
                .find("data key abcdefab-1234-9876-1234-123456789012 is not in the "
                      "key vault file 'spec key_vault_data'"),
            std::string::npos)
      << out.status();
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, "crypt.key_not_found");
  EXPECT_EQ(d->category, Category::kImproperlyConfigured);
  EXPECT_EQ(d->span, (Span{5, 18}));
}

TEST_F(KeyLookupTest, UnknownKeyAltNameIsNotFound) {
  auto encryptor = testing::SpecEncryptor(spec_.get(), {"default.encryptedIndexed"});
  lower::EncryptionRequest request = Request();
  request.key = schema::KeyRef{std::nullopt, "patients.patient_record.ssn"};
  auto out = encryptor->Encrypt(request);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(Message(out.status())
                .find("no data key has the key alt name "
                      "'patients.patient_record.ssn'"),
            std::string::npos)
      << out.status();
}

TEST_F(KeyLookupTest, KeyWrappedByACloudKmsIsAnOfflineErrorThatSaysSo) {
  std::string aws_key =
      R"({"_id": {"$binary": {"base64": "EjRWeBI0mHYSNBI0VniQEg==", "subType": "04"}},
      "keyAltNames": ["patients.patient_record.ssn"],
      "keyMaterial": {"$binary": {"base64": "AAAA", "subType": "00"}},
      "masterKey": {"provider": "aws", "region": "us-east-1",
                    "key": "arn:aws:kms:us-east-1:123456789012:key/abc"}})";
  auto vault = KeyVaultFile::Parse(aws_key, "keys.json");
  ASSERT_TRUE(vault.ok()) << vault.status();
  EncryptorOptions options;
  options.kms_providers = testing::SpecKms(spec_.get());
  BsonDoc aws = Json(R"({"accessKeyId": "AKIA", "secretAccessKey": "secret"})");
  ASSERT_TRUE(options.kms_providers.Set("aws", aws.get()).ok());
  options.key_source = *vault;
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok()) << encryptor.status();
  for (bool by_alt_name : {false, true}) {
    lower::EncryptionRequest request = Request();
    if (by_alt_name) request.key = schema::KeyRef{std::nullopt, "patients.patient_record.ssn"};
    auto out = (*encryptor)->Encrypt(request);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(Message(out.status())
                  .find("data key 'patients.patient_record.ssn' is encrypted "
                        "with the 'aws' KMS "
                        "provider; offline explain can only use 'local' keys"),
              std::string::npos)
        << out.status();
  }
}

TEST_F(KeyLookupTest, LocalKeyWithoutALocalMasterKeyIsAnError) {
  EncryptorOptions options;
  BsonDoc aws = Json(R"({"accessKeyId": "AKIA", "secretAccessKey": "secret"})");
  ASSERT_TRUE(options.kms_providers.Set("aws", aws.get()).ok());
  options.key_source = testing::SpecKeyVault(spec_.get());
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok()) << encryptor.status();
  auto out = (*encryptor)->Encrypt(Request());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(Message(out.status()).find("no 'local' master key is configured"), std::string::npos)
      << out.status();
}

TEST_F(KeyLookupTest, WrongLocalMasterKeyIsAnErrorNotACrash) {
  absl::StatusOr<std::string> other = NewLocalMasterKey();
  ASSERT_TRUE(other.ok());
  EncryptorOptions options;
  options.kms_providers = *KmsProviders::Local(
      std::span(reinterpret_cast<const uint8_t*>(other->data()), other->size()));
  options.key_source = testing::SpecKeyVault(spec_.get());
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok());
  auto out = (*encryptor)->Encrypt(Request());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().code(), absl::StatusCode::kOk);
  EXPECT_TRUE(DiagnosticFromStatus(out.status()).has_value()) << out.status();
}

// Counts lookups to see libmongocrypt's key cache.
class CountingKeySource : public KeySource {
 public:
  CountingKeySource(std::shared_ptr<const KeySource> inner, std::chrono::milliseconds expiration)
      : inner_(std::move(inner)), expiration_(expiration) {}
  absl::StatusOr<std::vector<BsonDoc>> Find(const KeyQuery& query) const override {
    ++finds;
    return inner_->Find(query);
  }
  std::string Describe() const override { return inner_->Describe(); }
  std::chrono::milliseconds CacheExpiration() const override { return expiration_; }
  mutable std::atomic<int> finds{0};

 private:
  std::shared_ptr<const KeySource> inner_;
  std::chrono::milliseconds expiration_;
};

TEST_F(KeyLookupTest, KeysAreFetchedOncePerCacheLifetimeNotPerQuery) {
  auto keys = std::make_shared<CountingKeySource>(
      testing::SpecKeyVault(spec_.get(), {"default.encryptedIndexed"}),
      std::chrono::milliseconds(0));
  EncryptorOptions options;
  options.kms_providers = testing::SpecKms(spec_.get());
  options.key_source = keys;
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok());
  lower::EncryptionRequest by_name = Request();
  by_name.key = schema::KeyRef{std::nullopt, "default.encryptedIndexed"};
  ASSERT_TRUE((*encryptor)->Encrypt(by_name).ok());
  // One lookup resolves the alt name, one feeds the key to libmongocrypt.
  EXPECT_EQ(keys->finds.load(), 2);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE((*encryptor)->Encrypt(i % 2 ? by_name : Request()).ok());
  }
  EXPECT_EQ(keys->finds.load(), 2);
}

TEST_F(KeyLookupTest, ExpiredKeysAreFetchedAgain) {
  auto keys = std::make_shared<CountingKeySource>(testing::SpecKeyVault(spec_.get()),
                                                  std::chrono::milliseconds(60000));
  EncryptorOptions options;
  options.kms_providers = testing::SpecKms(spec_.get());
  options.key_source = keys;
  options.key_cache_expiration = std::chrono::milliseconds(1);
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok());
  ASSERT_TRUE((*encryptor)->Encrypt(Request()).ok());
  EXPECT_EQ(keys->finds.load(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE((*encryptor)->Encrypt(Request()).ok());
  EXPECT_EQ(keys->finds.load(), 2);
}

TEST(DataKey, NewLocalKeyEncryptsAndDecrypts) {
  absl::StatusOr<std::string> master = NewLocalMasterKey();
  ASSERT_TRUE(master.ok());
  absl::StatusOr<KmsProviders> kms = KmsProviders::Local(
      std::span(reinterpret_cast<const uint8_t*>(master->data()), master->size()));
  ASSERT_TRUE(kms.ok());
  std::vector<std::string> names = {"patients.patient_record.ssn",
                                    "patients.patient_record.billing"};
  absl::StatusOr<BsonDoc> key = CreateLocalDataKey(*kms, names);
  ASSERT_TRUE(key.ok()) << key.status();
  absl::StatusOr<KeyDocumentInfo> info = InspectKeyDocument(key->get());
  ASSERT_TRUE(info.ok()) << info.status();
  // libmongocrypt keeps the names, not their order.
  EXPECT_THAT(info->alt_names, ::testing::UnorderedElementsAreArray(names));
  EXPECT_EQ(info->provider, "local");

  auto vault = KeyVaultFile::Parse(KeyDocumentToJson(key->get()), "new.json");
  ASSERT_TRUE(vault.ok()) << vault.status();
  EncryptorOptions options;
  options.kms_providers = *kms;
  options.key_source = *vault;
  auto encryptor = Encryptor::Create(std::move(options));
  ASSERT_TRUE(encryptor.ok());
  lower::EncryptionRequest request;
  request.algorithm = lower::Algorithm::kUnindexed;
  request.is_query = false;
  request.path = "patient_record.billing";
  request.bson_type = schema::BsonType::kString;
  request.key = schema::KeyRef{std::nullopt, "patients.patient_record.billing"};
  request.operands = testing::ValueOperand(testing::Utf8("4111111111111111"));
  auto out = (*encryptor)->Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  absl::StatusOr<BsonDoc> decrypted = (*encryptor)->Decrypt(out->value->bytes);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(ToCanonicalJson(decrypted->get()), ToCanonicalJson(request.operands.get()));
}

TEST(DataKey, BadRequestsAreRefused) {
  absl::StatusOr<KmsProviders> kms = KmsProviders::FromLocalKeyArgument(kSpecLocalKeyBase64);
  ASSERT_TRUE(kms.ok());
  std::vector<std::string> twice = {"a", "a"};
  EXPECT_NE(Message(CreateLocalDataKey(*kms, twice).status()).find("given twice"),
            std::string::npos);
  std::vector<std::string> empty = {""};
  EXPECT_FALSE(CreateLocalDataKey(*kms, empty).ok());
  EXPECT_NE(Message(CreateLocalDataKey(*kms, {}, "aws").status()).find("offline"),
            std::string::npos);
  EXPECT_NE(Message(CreateLocalDataKey(*kms, {}, "local:other").status()).find("no 'local:other'"),
            std::string::npos);
}

TEST(DataKey, KeysAreAppendedToAKeyVaultFileInItsShape) {
  absl::StatusOr<KmsProviders> kms = KmsProviders::FromLocalKeyArgument(kSpecLocalKeyBase64);
  ASSERT_TRUE(kms.ok());
  std::vector<std::string> first_names = {"patients.ssn"}, second_names = {"patients.dob"};
  absl::StatusOr<BsonDoc> first = CreateLocalDataKey(*kms, first_names);
  absl::StatusOr<BsonDoc> second = CreateLocalDataKey(*kms, second_names);
  ASSERT_TRUE(first.ok() && second.ok());

  std::string lines = TempPath("lines.json");
  std::remove(lines.c_str());
  ASSERT_TRUE(AppendToKeyVaultFile(lines, {&*first, 1}).ok());
  ASSERT_TRUE(AppendToKeyVaultFile(lines, {&*second, 1}).ok());
  auto vault = KeyVaultFile::Load(lines);
  ASSERT_TRUE(vault.ok()) << vault.status();
  EXPECT_EQ((*vault)->documents().size(), 2u);
  EXPECT_FALSE((*vault)->is_array());
  // A clash leaves the file untouched.
  std::string before = ReadFile(lines);
  absl::Status clash = AppendToKeyVaultFile(lines, {&*first, 1});
  EXPECT_FALSE(clash.ok());
  EXPECT_EQ(ReadFile(lines), before);
  std::remove(lines.c_str());

  std::string array = TempPath("array.json");
  WriteFile(array, "[\n" + KeyDocumentToJson(first->get()) + "\n]\n");
  ASSERT_TRUE(AppendToKeyVaultFile(array, {&*second, 1}).ok());
  vault = KeyVaultFile::Load(array);
  ASSERT_TRUE(vault.ok()) << vault.status();
  EXPECT_TRUE((*vault)->is_array());
  EXPECT_EQ((*vault)->documents().size(), 2u);
  std::remove(array.c_str());
}

}  // namespace
}  // namespace querysafe::crypt
