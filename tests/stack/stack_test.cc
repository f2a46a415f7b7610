// Proves the stack the project stands on: libbson, libmongoc and libmongocrypt
// link together, and libmongocrypt speaks QE protocol v2 (type 12 equality find
// payloads), which MongoDB 7.0+ requires. Debian 12's libmongocrypt 1.7
// produces protocol v1 (type 5) payloads and fails here.
//
// The key, master key and expected payload are MongoDB's own spec vector
// (fle2v2-InsertFind-Indexed), so the bytes are checked against an outside
// oracle.

#include <bson/bson.h>
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

// libmongocrypt's header has no extern "C" guard of its own.
extern "C" {
#include <mongocrypt/mongocrypt.h>
}

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Owns a heap bson_t (unique_ptr<bson_t> would drop bson_t's alignment
// attribute).
class BsonPtr {
 public:
  explicit BsonPtr(bson_t* doc = nullptr) : doc_(doc) {}
  BsonPtr(BsonPtr&& other) noexcept : doc_(std::exchange(other.doc_, nullptr)) {}
  BsonPtr& operator=(BsonPtr&& other) noexcept {
    std::swap(doc_, other.doc_);
    return *this;
  }
  ~BsonPtr() {
    if (doc_ != nullptr) bson_destroy(doc_);
  }
  bson_t* get() const { return doc_; }

 private:
  bson_t* doc_;
};

BsonPtr LoadSpec(const std::string& name) {
  std::string json = ReadFile(std::string(QUERYSAFE_TEST_DATA_DIR) + "/spec-qe/" + name);
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  EXPECT_NE(doc, nullptr) << error.message;
  return BsonPtr(doc);
}

std::vector<uint8_t> BinaryAt(const bson_t* doc, const char* dotted) {
  bson_iter_t iter, target;
  if (!bson_iter_init(&iter, doc) || !bson_iter_find_descendant(&iter, dotted, &target) ||
      !BSON_ITER_HOLDS_BINARY(&target)) {
    ADD_FAILURE() << "no binary at " << dotted;
    return {};
  }
  bson_subtype_t subtype;
  uint32_t len;
  const uint8_t* data;
  bson_iter_binary(&target, &subtype, &len, &data);
  return {data, data + len};
}

BsonPtr DocumentAt(const bson_t* doc, const char* dotted) {
  bson_iter_t iter, target;
  if (!bson_iter_init(&iter, doc) || !bson_iter_find_descendant(&iter, dotted, &target) ||
      !BSON_ITER_HOLDS_DOCUMENT(&target)) {
    ADD_FAILURE() << "no document at " << dotted;
    return BsonPtr(bson_new());
  }
  uint32_t len;
  const uint8_t* data;
  bson_iter_document(&target, &len, &data);
  return BsonPtr(bson_new_from_data(data, len));
}

struct Binary {
  explicit Binary(const std::vector<uint8_t>& bytes)
      : ptr(mongocrypt_binary_new_from_data(const_cast<uint8_t*>(bytes.data()),
                                            static_cast<uint32_t>(bytes.size()))) {}
  explicit Binary(const bson_t* doc)
      : ptr(mongocrypt_binary_new_from_data(const_cast<uint8_t*>(bson_get_data(doc)), doc->len)) {}
  ~Binary() { mongocrypt_binary_destroy(ptr); }
  mongocrypt_binary_t* ptr;
};

std::string CtxError(mongocrypt_ctx_t* ctx) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = mongocrypt_status_message(status, nullptr);
  mongocrypt_status_destroy(status);
  return message;
}

class StackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_ = LoadSpec("fle2v2-InsertFind-Indexed.json");
    ASSERT_NE(spec_.get(), nullptr);
    key_doc_ = DocumentAt(spec_.get(), "key_vault_data.0");
    key_id_ = BinaryAt(spec_.get(), "key_vault_data.0._id");
    std::vector<uint8_t> master_key =
        BinaryAt(spec_.get(), "tests.0.clientOptions.autoEncryptOpts.kmsProviders.local.key");
    ASSERT_EQ(master_key.size(), 96u);
    crypt_ = mongocrypt_new();
    Binary kek(master_key);
    ASSERT_TRUE(mongocrypt_setopt_kms_provider_local(crypt_, kek.ptr));
    ASSERT_TRUE(mongocrypt_init(crypt_));
  }
  void TearDown() override { mongocrypt_destroy(crypt_); }

  // Runs libmongocrypt's explicit encryption state machine for an equality find
  // payload, feeding the data key from memory: no server, no key vault.
  std::vector<uint8_t> EncryptEqualityFind(const char* value, int64_t contention) {
    mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt_);
    Binary key_id(key_id_);
    EXPECT_TRUE(mongocrypt_ctx_setopt_key_id(ctx, key_id.ptr));
    EXPECT_TRUE(mongocrypt_ctx_setopt_algorithm(ctx, "Indexed", -1));
    EXPECT_TRUE(mongocrypt_ctx_setopt_query_type(ctx, "equality", -1));
    EXPECT_TRUE(mongocrypt_ctx_setopt_contention_factor(ctx, contention));
    bson_t* msg = BCON_NEW("v", BCON_UTF8(value));
    Binary msg_bin(msg);
    EXPECT_TRUE(mongocrypt_ctx_explicit_encrypt_init(ctx, msg_bin.ptr)) << CtxError(ctx);
    std::vector<uint8_t> payload;
    for (bool done = false; !done;) {
      switch (mongocrypt_ctx_state(ctx)) {
        case MONGOCRYPT_CTX_NEED_MONGO_KEYS: {
          Binary key(key_doc_.get());
          EXPECT_TRUE(mongocrypt_ctx_mongo_feed(ctx, key.ptr)) << CtxError(ctx);
          EXPECT_TRUE(mongocrypt_ctx_mongo_done(ctx));
          break;
        }
        case MONGOCRYPT_CTX_NEED_KMS:
          EXPECT_TRUE(mongocrypt_ctx_kms_done(ctx));
          break;
        case MONGOCRYPT_CTX_READY: {
          mongocrypt_binary_t* out = mongocrypt_binary_new();
          EXPECT_TRUE(mongocrypt_ctx_finalize(ctx, out)) << CtxError(ctx);
          bson_t result;
          EXPECT_TRUE(
              bson_init_static(&result, mongocrypt_binary_data(out), mongocrypt_binary_len(out)));
          payload = BinaryAt(&result, "v");
          mongocrypt_binary_destroy(out);
          done = true;
          break;
        }
        default:
          ADD_FAILURE() << "unexpected state " << mongocrypt_ctx_state(ctx) << ": "
                        << CtxError(ctx);
          done = true;
      }
    }
    bson_destroy(msg);
    mongocrypt_ctx_destroy(ctx);
    return payload;
  }

  BsonPtr spec_;
  BsonPtr key_doc_;
  std::vector<uint8_t> key_id_;
  mongocrypt_t* crypt_ = nullptr;
};

TEST(Stack, LinksLibbsonLibmongocAndLibmongocrypt) {
  mongoc_init();
  EXPECT_GE(MONGOC_MAJOR_VERSION * 100 + MONGOC_MINOR_VERSION, 128);
  mongoc_uri_t* uri = mongoc_uri_new("mongodb://127.0.0.1:1/?replicaSet=rs0");
  ASSERT_NE(uri, nullptr);
  mongoc_uri_destroy(uri);
  mongoc_cleanup();
  EXPECT_TRUE(mongocrypt_is_crypto_available());
  EXPECT_NE(std::string(mongocrypt_version(nullptr)), "");
}

TEST_F(StackTest, EqualityFindPayloadIsQeV2AndMatchesTheSpecVector) {
  std::vector<uint8_t> payload = EncryptEqualityFind("123", 0);
  ASSERT_FALSE(payload.empty());
  EXPECT_EQ(payload[0], 12) << "FLE2FindEqualityPayloadV2";
  // The spec's expected find command carries the payload for {encryptedIndexed:
  // "123"}.
  BsonPtr find = DocumentAt(spec_.get(), "tests.0.expectations.3.command_started_event.command");
  EXPECT_EQ(payload, BinaryAt(find.get(), "filter.encryptedIndexed.$eq"));
}

TEST_F(StackTest, SameValueKeyAndContentionGiveIdenticalBytes) {
  EXPECT_EQ(EncryptEqualityFind("987-65-4320", 8), EncryptEqualityFind("987-65-4320", 8));
}

TEST_F(StackTest, DifferentValueGivesDifferentBytes) {
  EXPECT_NE(EncryptEqualityFind("987-65-4320", 8), EncryptEqualityFind("987-65-4321", 8));
}

}  // namespace
