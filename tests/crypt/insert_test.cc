// Insert payloads: what writes will send. They are random (fresh IVs, a random
// contention counter), so there is no byte oracle; they are checked against
// their documented layout (libmongocrypt's
// mc-fle2-insert-update-payload-private-v2.h and mc-fle2-payload-uev-v2), the
// documented edge rule for range fields, and, where the client can decrypt
// them, a round trip.
#include <gtest/gtest.h>

#include <cstring>
#include <format>
#include <set>
#include <string>
#include <vector>

#include "lib/crypt/capabilities.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/failure.h"
#include "tests/crypt/range_oracle.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::crypt {
namespace {

using testing::PayloadBson;
using testing::ValueOperand;

class InsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = testing::LoadSpec("fle2v2-InsertFind-Indexed.json");
    encryptor_ = testing::SpecEncryptor(spec_.get());
    ASSERT_NE(encryptor_, nullptr);
    key_id_ = testing::BinaryAt(spec_.get(), "key_vault_data.0._id");
  }

  // encryptedIndexed as an insert.
  lower::EncryptionRequest IndexedInsert(const char* value) {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, false);
    request.operands = ValueOperand(testing::Utf8(value));
    return request;
  }

  // An Unindexed field of the given type, encrypted with the spec's key.
  lower::EncryptionRequest UnindexedInsert(schema::BsonType type, const bson_value_t& value) {
    lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 1, false);
    EXPECT_EQ(request.algorithm, lower::Algorithm::kUnindexed);
    request.bson_type = type;
    request.key = testing::SpecRequest(spec_.get(), 0, false).key;
    request.operands = ValueOperand(value);
    return request;
  }

  BsonDoc spec_;
  std::unique_ptr<Encryptor> encryptor_;
  std::vector<uint8_t> key_id_;
};

std::vector<uint8_t> BinaryField(const bson_t* doc, const char* key, bson_subtype_t* subtype) {
  bson_iter_t iter;
  if (!bson_iter_init_find(&iter, doc, key) || !BSON_ITER_HOLDS_BINARY(&iter)) {
    ADD_FAILURE() << "no binary '" << key << "'";
    return {};
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&iter, subtype, &len, &data);
  return {data, data + len};
}

TEST_F(InsertTest, IndexedInsertIsTypeElevenWithItsDocumentedFields) {
  auto out = encryptor_->Encrypt(IndexedInsert("987-65-4320"));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->value.has_value());
  ASSERT_EQ(out->value->type(), 11) << "FLE2InsertUpdatePayloadV2";
  BsonDoc doc = PayloadBson(*out->value);
  bson_subtype_t subtype;
  // d, s, l, e: 32-byte tokens; p: encrypted tokens.
  for (const char* token : {"d", "s", "l", "e"}) {
    EXPECT_EQ(BinaryField(doc.get(), token, &subtype).size(), 32u) << token;
  }
  EXPECT_FALSE(BinaryField(doc.get(), "p", &subtype).empty());
  // u: the index key id, a UUID.
  EXPECT_EQ(BinaryField(doc.get(), "u", &subtype), key_id_);
  EXPECT_EQ(subtype, BSON_SUBTYPE_UUID);
  // t: the BSON type of the plaintext.
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "t"));
  EXPECT_EQ(bson_iter_int32(&iter), BSON_TYPE_UTF8);
  // v: UserKeyId || EncryptAEAD(UserKey, value): the key id, then more than the
  // plaintext.
  std::vector<uint8_t> v = BinaryField(doc.get(), "v", &subtype);
  ASSERT_GT(v.size(), 16u + std::strlen("987-65-4320"));
  EXPECT_TRUE(std::equal(key_id_.begin(), key_id_.end(), v.begin()));
  // k: the contention counter, in [0, cm]; the field's contention is 0.
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "k"));
  EXPECT_EQ(bson_iter_as_int64(&iter), 0);
  EXPECT_FALSE(bson_iter_init_find(&iter, doc.get(), "g")) << "edges are for range fields only";
}

TEST_F(InsertTest, IndexedInsertSamplesItsCounterUpToTheContention) {
  // libmongocrypt picks a random counter in [0, cm] on insert
  // (CHANGELOG 1.5.0).
  lower::EncryptionRequest request = IndexedInsert("987-65-4320");
  request.contention = 8;
  std::set<int64_t> counters;
  for (int i = 0; i < 64; ++i) {
    auto out = encryptor_->Encrypt(request);
    ASSERT_TRUE(out.ok()) << out.status();
    bson_iter_t iter;
    BsonDoc doc = PayloadBson(*out->value);
    ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "k"));
    int64_t k = bson_iter_as_int64(&iter);
    EXPECT_GE(k, 0);
    EXPECT_LE(k, 8);
    counters.insert(k);
  }
  EXPECT_GT(counters.size(), 1u) << "64 inserts always drew the same counter";
}

TEST_F(InsertTest, InsertPayloadsAreRandom) {
  auto a = encryptor_->Encrypt(IndexedInsert("987-65-4320"));
  auto b = encryptor_->Encrypt(IndexedInsert("987-65-4320"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->value->bytes, b->value->bytes);
}

TEST_F(InsertTest, RangeInsertCarriesOneEdgeTokenSetPerStoredLevel) {
  BsonDoc spec = testing::LoadSpec("fle2v2-Rangev2-Int-InsertFind.json");
  auto encryptor = testing::SpecEncryptor(spec.get());
  ASSERT_NE(encryptor, nullptr);
  lower::EncryptionRequest request = testing::SpecRequest(spec.get(), 0, false);
  request.operands = ValueOperand(testing::Int32(17));
  auto out = encryptor->Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->value->type(), 11);
  BsonDoc doc = PayloadBson(*out->value);
  // [0, 200]: 8 bits; sparsity 1 and trim factor 1 store levels 1..7 and the
  // leaf.
  BsonDoc g = testing::DocumentAt(doc.get(), "g");
  EXPECT_EQ(bson_count_keys(g.get()), testing::EdgeCount(8, 1, 1));
  bson_iter_t iter;
  ASSERT_TRUE(bson_iter_init_find(&iter, doc.get(), "t"));
  EXPECT_EQ(bson_iter_int32(&iter), BSON_TYPE_INT32);

  // With the server defaults (sparsity 2, trim factor 6) far fewer levels are
  // stored.
  request.range_options.Clear();
  bson_append_int32(request.range_options.get(), "min", 3, 0);
  bson_append_int32(request.range_options.get(), "max", 3, 200);
  out = encryptor->Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  g = testing::DocumentAt(PayloadBson(*out->value).get(), "g");
  EXPECT_EQ(bson_count_keys(g.get()), testing::EdgeCount(8, 2, testing::DefaultTrimFactor(8)));
}

TEST_F(InsertTest, RangeInsertOutsideTheBoundsIsRefused) {
  BsonDoc spec = testing::LoadSpec("fle2v2-Rangev2-Int-InsertFind.json");
  auto encryptor = testing::SpecEncryptor(spec.get());
  lower::EncryptionRequest request = testing::SpecRequest(spec.get(), 0, false);
  request.operands = ValueOperand(testing::Int32(201));
  auto out = encryptor->Encrypt(request);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, "crypt.out_of_bounds");
}

void ExpectUnindexedRoundTrip(const Encryptor& encryptor, const lower::EncryptionRequest& request,
                              const std::vector<uint8_t>& key_id) {
  auto out = encryptor.Encrypt(request);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->value.has_value());
  const std::vector<uint8_t>& bytes = out->value->bytes;
  ASSERT_EQ(out->value->type(), 16) << "FLE2UnindexedEncryptedValueV2";
  // 0x10 || KeyId || original BSON type || ciphertext.
  ASSERT_GT(bytes.size(), 18u);
  EXPECT_TRUE(std::equal(key_id.begin(), key_id.end(), bytes.begin() + 1));
  EXPECT_EQ(bytes[17], static_cast<uint8_t>(request.bson_type));

  absl::StatusOr<BsonDoc> decrypted = encryptor.Decrypt(bytes);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  // The decrypted {"v": value} is the request's operands, byte for byte.
  ASSERT_EQ(decrypted->size(), request.operands.size()) << ToCanonicalJson(decrypted->get());
  EXPECT_EQ(0, std::memcmp(decrypted->data(), request.operands.data(), request.operands.size()))
      << ToCanonicalJson(decrypted->get()) << " vs " << ToCanonicalJson(request.operands.get());
}

TEST_F(InsertTest, UnindexedValuesRoundTripThroughExplicitDecryption) {
  ExpectUnindexedRoundTrip(
      *encryptor_, UnindexedInsert(schema::BsonType::kString, testing::Utf8("Visa")), key_id_);
  ExpectUnindexedRoundTrip(*encryptor_,
                           UnindexedInsert(schema::BsonType::kLong, testing::Int64(1234567890123)),
                           key_id_);
  ExpectUnindexedRoundTrip(
      *encryptor_, UnindexedInsert(schema::BsonType::kDouble, testing::Double(99.95)), key_id_);
}

TEST_F(InsertTest, WholeEmbeddedDocumentsAndArraysRoundTrip) {
  // EncryptedEmbeddedModelField: the whole embedded document is one Unindexed
  // value.
  BsonDoc billing;
  bson_error_t error;
  ASSERT_TRUE(BsonDoc::FromJson(
      R"({"cc_type": "Visa", "cc_number": "4111111111111111", "limits": [100, 250.5]})", &billing,
      &error));
  bson_value_t doc_value{};
  doc_value.value_type = BSON_TYPE_DOCUMENT;
  doc_value.value.v_doc.data = const_cast<uint8_t*>(billing.data());
  doc_value.value.v_doc.data_len = billing.size();
  ExpectUnindexedRoundTrip(*encryptor_, UnindexedInsert(schema::BsonType::kObject, doc_value),
                           key_id_);

  BsonDoc array;
  ASSERT_TRUE(BsonDoc::FromJson(R"({"0": "a", "1": {"$numberLong": "2"}, "2": {"x": true}})",
                                &array, &error));
  bson_value_t array_value{};
  array_value.value_type = BSON_TYPE_ARRAY;
  array_value.value.v_doc.data = const_cast<uint8_t*>(array.data());
  array_value.value.v_doc.data_len = array.size();
  ExpectUnindexedRoundTrip(*encryptor_, UnindexedInsert(schema::BsonType::kArray, array_value),
                           key_id_);
}

TEST_F(InsertTest, IndexedAndRangeInsertsRoundTripThroughExplicitDecryption) {
  // Type 11's `v` is UserKeyId || EncryptAEAD(UserKey, value), which
  // libmongocrypt's explicit decryption opens with the user key.
  lower::EncryptionRequest indexed = IndexedInsert("987-65-4320");
  auto insert = encryptor_->Encrypt(indexed);
  ASSERT_TRUE(insert.ok()) << insert.status();
  absl::StatusOr<BsonDoc> decrypted = encryptor_->Decrypt(insert->value->bytes);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  ASSERT_EQ(decrypted->size(), indexed.operands.size());
  EXPECT_EQ(0, std::memcmp(decrypted->data(), indexed.operands.data(), indexed.operands.size()));

  BsonDoc spec = testing::LoadSpec("fle2v2-Rangev2-Int-InsertFind.json");
  auto encryptor = testing::SpecEncryptor(spec.get());
  lower::EncryptionRequest range = testing::SpecRequest(spec.get(), 0, false);
  range.operands = ValueOperand(testing::Int32(17));
  auto range_insert = encryptor->Encrypt(range);
  ASSERT_TRUE(range_insert.ok()) << range_insert.status();
  decrypted = encryptor->Decrypt(range_insert->value->bytes);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  ASSERT_EQ(decrypted->size(), range.operands.size());
  EXPECT_EQ(0, std::memcmp(decrypted->data(), range.operands.data(), range.operands.size()));
}

TEST_F(InsertTest, FindPayloadsCannotBeDecrypted) {
  // Find payloads carry tokens, not the value. libmongocrypt 1.13.2-1+deb13u1
  // hands them back unchanged, 1.13.2-1+deb13u2 refuses them at init: Decrypt
  // gives the same answer with either.
  lower::EncryptionRequest find = testing::SpecRequest(spec_.get(), 0, true);
  find.operands = ValueOperand(testing::Utf8("987-65-4320"));
  auto found = encryptor_->Encrypt(find);
  ASSERT_TRUE(found.ok());
  absl::StatusOr<BsonDoc> decrypted = encryptor_->Decrypt(found->value->bytes);
  ASSERT_FALSE(decrypted.ok());
  EXPECT_EQ(decrypted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(decrypted.status().message().find("type 12"), absl::string_view::npos);
}

TEST_F(InsertTest, EveryFindPayloadTypeIsRefusedBeforeLibmongocrypt) {
  // v1 equality and range, v2 equality and range, text: the bytes after the
  // type do not matter, libmongocrypt is never asked.
  for (uint8_t type : {5, 10, 12, 13, 18}) {
    const std::vector<uint8_t> payload = {type, 1, 2, 3};
    absl::StatusOr<BsonDoc> decrypted = encryptor_->Decrypt(payload);
    ASSERT_FALSE(decrypted.ok()) << int{type};
    EXPECT_EQ(decrypted.status().code(), absl::StatusCode::kFailedPrecondition) << int{type};
    EXPECT_NE(decrypted.status().message().find(std::format("type {}", type)),
              absl::string_view::npos)
        << decrypted.status();
  }
}

TEST_F(InsertTest, GarbagePayloadIsAnErrorNamingItsType) {
  const std::vector<uint8_t> garbage = {200, 0, 0};
  absl::StatusOr<BsonDoc> decrypted = encryptor_->Decrypt(garbage);
  ASSERT_FALSE(decrypted.ok());
  EXPECT_NE(decrypted.status().message().find("type 200"), absl::string_view::npos)
      << decrypted.status();
  EXPECT_FALSE(encryptor_->Decrypt(std::vector<uint8_t>{}).ok());
}

TEST_F(InsertTest, ValueOfAnotherTypeThanTheFieldIsRefused) {
  lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
  request.operands = ValueOperand(testing::Int32(123));  // the field is a string
  request.span = Span{10, 13};
  auto out = encryptor_->Encrypt(request);
  ASSERT_FALSE(out.ok());
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->server_code, 31118);
  EXPECT_EQ(d->category, Category::kValidationError);
  EXPECT_EQ(d->span, (Span{10, 13}));
  EXPECT_NE(d->message.find("Cannot encrypt element of type int because schema requires that "
                            "type is one of: [ string ]"),
            std::string::npos)
      << d->message;

  bson_value_t null_value{};
  null_value.value_type = BSON_TYPE_NULL;
  request.operands = ValueOperand(null_value);
  out = encryptor_->Encrypt(request);
  ASSERT_FALSE(out.ok());
  d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->server_code, 31041);
}

TEST_F(InsertTest, UnindexedFieldsCannotBeQueried) {
  lower::EncryptionRequest request = UnindexedInsert(schema::BsonType::kString, testing::Utf8("x"));
  request.is_query = true;
  auto out = encryptor_->Encrypt(request);
  ASSERT_FALSE(out.ok());
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->server_code, 63165);
  EXPECT_EQ(d->category, Category::kNotSupportedError);
}

TEST_F(InsertTest, DoubleIsNotAnEqualityIndexedType) {
  lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
  request.bson_type = schema::BsonType::kDouble;
  request.operands = ValueOperand(testing::Double(1.5));
  auto out = encryptor_->Encrypt(request);
  ASSERT_FALSE(out.ok());
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->server_code, 6338405);
}

TEST_F(InsertTest, AlgorithmsLibmongocryptLacksAreRefusedNotAttempted) {
  // Lowering also makes text-preview requests (prefixPreview, suffixPreview,
  // substringPreview), which libmongocrypt before 1.15 cannot encrypt
  // (tests/crypt/text_vectors_test.cc has the libraries that can).
  if (LinkedCapabilities().text_preview) GTEST_SKIP() << "this libmongocrypt encrypts text";
  lower::EncryptionRequest request = testing::SpecRequest(spec_.get(), 0, true);
  request.algorithm = lower::Algorithm::kTextPreview;
  request.query_type = "prefixPreview";
  request.operands = ValueOperand(testing::Utf8("987"));
  auto out = encryptor_->Encrypt(request);
  ASSERT_FALSE(out.ok());
  std::optional<Diagnostic> d = DiagnosticFromStatus(out.status());
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, "crypt.text_unsupported");
  EXPECT_EQ(d->category, Category::kNotSupportedError);
}

}  // namespace
}  // namespace querysafe::crypt
