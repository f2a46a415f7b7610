#include "tests/crypt/spec_fixture.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "lib/common/bson_array.h"

namespace querysafe::crypt::testing {
namespace {

std::string ReadTestData(std::string_view relative) {
  std::string path = std::string(QUERYSAFE_TEST_DATA_DIR) + "/" + std::string(relative);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool FindDescendant(const bson_t* doc, const char* dotted, bson_iter_t* out) {
  bson_iter_t iter;
  return bson_iter_init(&iter, doc) && bson_iter_find_descendant(&iter, dotted, out);
}

// The BSON type names encryptedFields uses, by type byte.
schema::BsonType TypeFromName(std::string_view name) {
  if (name == "int") return schema::BsonType::kInt;
  if (name == "long") return schema::BsonType::kLong;
  if (name == "double") return schema::BsonType::kDouble;
  if (name == "decimal") return schema::BsonType::kDecimal;
  if (name == "date") return schema::BsonType::kDate;
  if (name == "string") return schema::BsonType::kString;
  if (name == "object") return schema::BsonType::kObject;
  if (name == "array") return schema::BsonType::kArray;
  if (name == "bool") return schema::BsonType::kBool;
  ADD_FAILURE() << "unexpected bsonType " << name;
  return schema::BsonType::kString;
}

}  // namespace

BsonDoc LoadSpec(std::string_view name) {
  std::string json = ReadTestData(std::string("spec-qe/") + std::string(name));
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << name << ": " << error.message;
  return doc;
}

BsonDoc DocumentAt(const bson_t* doc, const char* dotted) {
  bson_iter_t target;
  BsonDoc out;
  if (!FindDescendant(doc, dotted, &target) ||
      !(BSON_ITER_HOLDS_DOCUMENT(&target) || BSON_ITER_HOLDS_ARRAY(&target))) {
    ADD_FAILURE() << "no document at " << dotted;
    return out;
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_ARRAY(&target)) {
    bson_iter_array(&target, &len, &data);
  } else {
    bson_iter_document(&target, &len, &data);
  }
  BsonDoc::FromBytes(data, len, &out);
  return out;
}

std::vector<uint8_t> BinaryAt(const bson_t* doc, const char* dotted) {
  bson_iter_t target;
  if (!FindDescendant(doc, dotted, &target) || !BSON_ITER_HOLDS_BINARY(&target)) {
    ADD_FAILURE() << "no binary at " << dotted;
    return {};
  }
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&target, &subtype, &len, &data);
  return {data, data + len};
}

std::shared_ptr<const KeyVaultFile> SpecKeyVault(const bson_t* spec,
                                                 std::vector<std::string> alt_names) {
  BsonDoc keys = DocumentAt(spec, "key_vault_data");
  std::string text = "[";
  bson_iter_t iter;
  bson_iter_init(&iter, keys.get());
  bool first = true;
  while (bson_iter_next(&iter)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&iter, &len, &data);
    BsonDoc key;
    BsonDoc::FromBytes(data, len, &key);
    if (first && !alt_names.empty()) {
      BsonDoc with_names;
      bson_copy_to_excluding_noinit(key.get(), with_names.get(), "keyAltNames", nullptr);
      bson_t array;
      querysafe::AppendArrayBegin(with_names.get(), "keyAltNames", -1, &array);
      for (size_t i = 0; i < alt_names.size(); ++i) {
        AppendUtf8(&array, std::to_string(i), alt_names[i]);
      }
      bson_append_array_end(with_names.get(), &array);
      key = std::move(with_names);
    }
    text += (first ? "" : ",") + ToCanonicalJson(key.get());
    first = false;
  }
  text += "]";
  absl::StatusOr<std::shared_ptr<const KeyVaultFile>> vault =
      KeyVaultFile::Parse(text, "spec key_vault_data");
  EXPECT_TRUE(vault.ok()) << vault.status();
  return vault.ok() ? *vault : nullptr;
}

KmsProviders SpecKms(const bson_t* spec) {
  std::vector<uint8_t> key =
      BinaryAt(spec, "tests.0.clientOptions.autoEncryptOpts.kmsProviders.local.key");
  absl::StatusOr<KmsProviders> kms = KmsProviders::Local(key);
  EXPECT_TRUE(kms.ok()) << kms.status();
  return kms.ok() ? *kms : KmsProviders();
}

std::unique_ptr<Encryptor> SpecEncryptor(const bson_t* spec, std::vector<std::string> alt_names) {
  EncryptorOptions options;
  options.kms_providers = SpecKms(spec);
  options.key_source = SpecKeyVault(spec, std::move(alt_names));
  absl::StatusOr<std::unique_ptr<Encryptor>> encryptor = Encryptor::Create(std::move(options));
  EXPECT_TRUE(encryptor.ok()) << encryptor.status();
  return encryptor.ok() ? *std::move(encryptor) : nullptr;
}

lower::EncryptionRequest SpecRequest(const bson_t* spec, size_t index, bool is_query) {
  std::string prefix = "encrypted_fields.fields." + std::to_string(index);
  BsonDoc field = DocumentAt(spec, prefix.c_str());
  lower::EncryptionRequest request;
  request.is_query = is_query;
  bson_iter_t iter;
  EXPECT_TRUE(bson_iter_init_find(&iter, field.get(), "path"));
  request.path = bson_iter_utf8(&iter, nullptr);
  EXPECT_TRUE(bson_iter_init_find(&iter, field.get(), "bsonType"));
  request.bson_type = TypeFromName(bson_iter_utf8(&iter, nullptr));
  std::vector<uint8_t> key_id = BinaryAt(field.get(), "keyId");
  EXPECT_EQ(key_id.size(), 16u);
  std::array<uint8_t, 16> id{};
  std::copy(key_id.begin(), key_id.end(), id.begin());
  request.key.key_id = id;

  request.algorithm = lower::Algorithm::kUnindexed;
  bson_iter_t queries;
  if (bson_iter_init_find(&queries, field.get(), "queries") && BSON_ITER_HOLDS_DOCUMENT(&queries)) {
    bson_iter_recurse(&queries, &queries);
    request.contention = 8;  // the server's default when the field does not say
    while (bson_iter_next(&queries)) {
      std::string_view key = bson_iter_key(&queries);
      if (key == "queryType") {
        std::string_view type = bson_iter_utf8(&queries, nullptr);
        request.algorithm = type == "range" ? lower::Algorithm::kRange : lower::Algorithm::kIndexed;
      } else if (key == "contention") {
        request.contention = bson_iter_as_int64(&queries);
      } else {
        bson_append_iter(request.range_options.get(), key.data(), static_cast<int>(key.size()),
                         &queries);
      }
    }
  }
  return request;
}

BsonDoc PayloadBson(const Payload& payload) {
  BsonDoc doc;
  EXPECT_GT(payload.bytes.size(), 1u);
  if (payload.bytes.size() > 1) {
    EXPECT_TRUE(BsonDoc::FromBytes(payload.bytes.data() + 1, payload.bytes.size() - 1, &doc))
        << "payload of type " << int(payload.type()) << " does not hold a BSON document";
  }
  return doc;
}

BsonDoc WithoutKeys(const bson_t* doc, std::initializer_list<std::string_view> keys) {
  BsonDoc out;
  bson_iter_t iter;
  bson_iter_init(&iter, doc);
  while (bson_iter_next(&iter)) {
    std::string_view key = bson_iter_key(&iter);
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    bson_append_iter(out.get(), nullptr, 0, &iter);
  }
  return out;
}

BsonDoc ValueOperand(const bson_value_t& value) {
  BsonDoc doc;
  bson_append_value(doc.get(), "v", 1, &value);
  return doc;
}

BsonDoc RangeOperands(const bson_value_t* lower, const bson_value_t* upper) {
  BsonDoc doc;
  if (lower != nullptr) bson_append_value(doc.get(), "lower", 5, lower);
  if (upper != nullptr) bson_append_value(doc.get(), "upper", 5, upper);
  return doc;
}

bson_value_t Int32(int32_t v) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_INT32;
  value.value.v_int32 = v;
  return value;
}

bson_value_t Int64(int64_t v) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_INT64;
  value.value.v_int64 = v;
  return value;
}

bson_value_t Double(double v) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_DOUBLE;
  value.value.v_double = v;
  return value;
}

bson_value_t Date(int64_t millis) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_DATE_TIME;
  value.value.v_datetime = millis;
  return value;
}

bson_value_t Utf8(const char* text) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_UTF8;
  value.value.v_utf8.str = const_cast<char*>(text);
  value.value.v_utf8.len = static_cast<uint32_t>(strlen(text));
  return value;
}

bson_value_t Decimal(const char* text) {
  bson_value_t value{};
  value.value_type = BSON_TYPE_DECIMAL128;
  EXPECT_TRUE(bson_decimal128_from_string(text, &value.value.v_decimal128)) << text;
  return value;
}

}  // namespace querysafe::crypt::testing
