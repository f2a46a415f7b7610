// A real driver with libquerysafe_crypt_v1.so as its crypt_shared: libmongoc's automatic
// encryption (mongoc_client_enable_auto_encryption, query analysis not bypassed) with
// extraOptions {cryptSharedLibPath: the built library, cryptSharedLibRequired: true}, a local KMS
// provider, the key vault keyvault.datakeys and an encryptedFieldsMap, inserts a document and
// finds it by its encrypted fields against the scripted wire peer (tests/exec/wire_peer.h, with
// the key vault and listCollections of tests/exec/wire_fixture.h). No MongoDB server is involved:
// the peer plays one, and everything on the client side is the real driver, the real
// libmongocrypt and the library loaded by libmongocrypt with dlopen.
//
// What it proves: the driver loads the library (cryptSharedLibRequired fails the client
// otherwise), the library's markings are what libmongocrypt turns into QE payloads (insert:
// FLE2InsertUpdatePayloadV2, type 11; find: FLE2FindEqualityPayloadV2, type 12, and
// FLE2FindRangePayloadV2, type 13; BSON binary subtype 6, the blob subtypes of libmongocrypt's
// mc-fle-blob-subtype-private.h), the key vault lookups go to the server as libmongoc sends them
// (through the encrypted client itself when no key vault client is set, mongoc-client-side-
// encryption.c, _get_keyvault_coll), no plaintext of an encrypted value crosses the socket, and
// a ciphertext in the server's reply is decrypted for the application.
//
// The peer's reply holds FLE2UnindexedEncryptedValueV2 (type 16) values made with mongoc's own
// explicit encryption under the same data keys: a server stores type 14/15 values it derives from
// the insert payload, which only a server can build; libmongocrypt decrypts any of them the same
// way, by the key id inside the blob.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mongoc/mongoc.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "lib/common/bson_array.h"
#include "lib/exec/mongoc_util.h"
#include "tests/crypt/plaintext_scan.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;
using exec::MongocPtr;
using ::testing::HasSubstr;

constexpr char kDatabase[] = "clinic";
constexpr char kCollection[] = "patients";
constexpr char kSsn[] = "901-55-7243";
constexpr int32_t kAge = 1234567;
constexpr int32_t kAgeLow = 1000003;
constexpr int32_t kAgeHigh = 1999993;

// One subtype-6 binary found in a command: its path and its first byte (the blob subtype).
struct Ciphertext {
  std::string path;
  uint8_t blob_subtype;
};

void Ciphertexts(const bson_t* doc, const std::string& prefix, std::vector<Ciphertext>* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return;
  while (bson_iter_next(&it)) {
    const std::string path = prefix + bson_iter_key(&it);
    if (BSON_ITER_HOLDS_BINARY(&it)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_ENCRYPTED && len > 0) out->push_back({path, data[0]});
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_t child;
      if (IterChild(&it, &child)) Ciphertexts(&child, path + "/", out);
    }
  }
}

std::vector<Ciphertext> CiphertextsOf(const bson_t* doc) {
  std::vector<Ciphertext> out;
  Ciphertexts(doc, "", &out);
  return out;
}

bson_value_t Binary(const std::vector<uint8_t>& bytes, bson_subtype_t subtype) {
  bson_value_t v{};
  v.value_type = BSON_TYPE_BINARY;
  v.value.v_binary.subtype = subtype;
  v.value.v_binary.data = const_cast<uint8_t*>(bytes.data());
  v.value.v_binary.data_len = static_cast<uint32_t>(bytes.size());
  return v;
}

class CryptSharedLibmongoc : public WireTest {
 protected:
  void SetUp() override {
    WireTest::SetUp();
    exec::EnsureMongocInitialized();
    kms_doc_ = ct::DocumentAt(spec_.get(), "tests.0.clientOptions.autoEncryptOpts.kmsProviders");
    ssn_key_ = BinaryAt(key1_.get(), "_id");
    age_key_ = BinaryAt(key2_.get(), "_id");
    ASSERT_EQ(ssn_key_.size(), 16u);
    ASSERT_EQ(age_key_.size(), 16u);
  }

  // encryptedFieldsMap {"clinic.patients": {fields: [ssn: equality, age: range]}}.
  BsonDoc EncryptedFieldsMap() const {
    bson_value_t ssn_key = Binary(ssn_key_, BSON_SUBTYPE_UUID);
    bson_value_t age_key = Binary(age_key_, BSON_SUBTYPE_UUID);
    BsonDoc ssn = Json(R"({"path": "ssn", "bsonType": "string",
                           "queries": {"queryType": "equality", "contention": 0}})");
    BsonDoc age = Json(R"({"path": "age", "bsonType": "int",
                           "queries": {"queryType": "range", "contention": 0, "sparsity": 1,
                                       "trimFactor": 1, "min": 0, "max": 2000000000}})");
    BSON_APPEND_VALUE(ssn.get(), "keyId", &ssn_key);
    BSON_APPEND_VALUE(age.get(), "keyId", &age_key);
    BsonDoc efc, map;
    bson_t array;
    AppendArrayBegin(efc.get(), "fields", -1, &array);
    BSON_APPEND_DOCUMENT(&array, "0", ssn.get());
    BSON_APPEND_DOCUMENT(&array, "1", age.get());
    bson_append_array_end(efc.get(), &array);
    BSON_APPEND_DOCUMENT(map.get(), "clinic.patients", efc.get());
    return map;
  }

  // A type-16 ciphertext of `value` under `key`, made by mongoc's explicit encryption with its own
  // plain key vault client to the peer: what the peer returns as the stored value.
  std::vector<uint8_t> StoredCiphertext(const bson_value_t& value,
                                        const std::vector<uint8_t>& key) {
    bson_error_t error;
    MongocPtr<mongoc_client_t> vault_client(mongoc_client_new(peer_.Uri().c_str()));
    if (vault_client == nullptr) {
      ADD_FAILURE() << "mongoc_client_new";
      return {};
    }
    mongoc_client_set_error_api(vault_client.get(), MONGOC_ERROR_API_VERSION_2);
    MongocPtr<mongoc_client_encryption_opts_t> opts(mongoc_client_encryption_opts_new());
    mongoc_client_encryption_opts_set_keyvault_client(opts.get(), vault_client.get());
    mongoc_client_encryption_opts_set_keyvault_namespace(opts.get(), "keyvault", "datakeys");
    mongoc_client_encryption_opts_set_kms_providers(opts.get(), kms_doc_.get());
    MongocPtr<mongoc_client_encryption_t> encryption(
        mongoc_client_encryption_new(opts.get(), &error));
    if (encryption == nullptr) {
      ADD_FAILURE() << error.message;
      return {};
    }
    mongoc_client_encryption_encrypt_opts_t* eo = mongoc_client_encryption_encrypt_opts_new();
    mongoc_client_encryption_encrypt_opts_set_algorithm(eo, MONGOC_ENCRYPT_ALGORITHM_UNINDEXED);
    bson_value_t key_id = Binary(key, BSON_SUBTYPE_UUID);
    mongoc_client_encryption_encrypt_opts_set_keyid(eo, &key_id);
    bson_value_t out{};
    const bool ok = mongoc_client_encryption_encrypt(encryption.get(), &value, eo, &out, &error);
    mongoc_client_encryption_encrypt_opts_destroy(eo);
    if (!ok || out.value_type != BSON_TYPE_BINARY) {
      ADD_FAILURE() << "explicit encryption: " << error.message;
      bson_value_destroy(&out);
      return {};
    }
    EXPECT_EQ(out.value.v_binary.subtype, BSON_SUBTYPE_ENCRYPTED);
    std::vector<uint8_t> bytes(out.value.v_binary.data,
                               out.value.v_binary.data + out.value.v_binary.data_len);
    bson_value_destroy(&out);
    return bytes;
  }

  // The auto-encrypting client, as an application configures it.
  MongocPtr<mongoc_client_t> AutoEncryptingClient() {
    MongocPtr<mongoc_client_t> client(mongoc_client_new(peer_.Uri().c_str()));
    if (client == nullptr) {
      ADD_FAILURE() << "mongoc_client_new";
      return nullptr;
    }
    mongoc_client_set_error_api(client.get(), MONGOC_ERROR_API_VERSION_2);
    MongocPtr<mongoc_auto_encryption_opts_t> opts(mongoc_auto_encryption_opts_new());
    mongoc_auto_encryption_opts_set_keyvault_namespace(opts.get(), "keyvault", "datakeys");
    mongoc_auto_encryption_opts_set_kms_providers(opts.get(), kms_doc_.get());
    BsonDoc map = EncryptedFieldsMap();
    mongoc_auto_encryption_opts_set_encrypted_fields_map(opts.get(), map.get());
    BsonDoc extra;
    BSON_APPEND_UTF8(extra.get(), "cryptSharedLibPath", QUERYSAFE_CRYPT_V1_PATH);
    BSON_APPEND_BOOL(extra.get(), "cryptSharedLibRequired", true);
    mongoc_auto_encryption_opts_set_extra(opts.get(), extra.get());
    bson_error_t error;
    if (!mongoc_client_enable_auto_encryption(client.get(), opts.get(), &error)) {
      ADD_FAILURE() << "mongoc_client_enable_auto_encryption: " << error.message;
      return nullptr;
    }
    return client;
  }

  // The key vault finds received from index `from` of AllReceived() on.
  std::vector<ReceivedCommand> KeyVaultFinds(size_t from) const {
    std::vector<ReceivedCommand> all = peer_.AllReceived();
    std::vector<ReceivedCommand> out;
    for (size_t i = from; i < all.size(); ++i) {
      if (all[i].name == "find" && all[i].database == "keyvault" &&
          StringAt(all[i].body.get(), "find") == "datakeys") {
        out.push_back(all[i]);
      }
    }
    return out;
  }

  BsonDoc kms_doc_;
  std::vector<uint8_t> ssn_key_, age_key_;
};

TEST_F(CryptSharedLibmongoc, InsertAndFindByEncryptedFieldsRoundTripThroughTheWirePeer) {
  // The stored values the peer will return, made before the encrypting client connects.
  const bson_value_t ssn_value = ct::Utf8(kSsn);
  const bson_value_t age_value = ct::Int32(kAge);
  const std::vector<uint8_t> stored_ssn = StoredCiphertext(ssn_value, ssn_key_);
  const std::vector<uint8_t> stored_age = StoredCiphertext(age_value, age_key_);
  ASSERT_FALSE(stored_ssn.empty());
  ASSERT_FALSE(stored_age.empty());
  EXPECT_EQ(stored_ssn[0], 16);
  EXPECT_EQ(stored_age[0], 16);
  const size_t start = peer_.AllReceived().size();

  Route("insert", [](const ReceivedCommand&) { return PeerReply::Json(R"({"n": 1, "ok": 1})"); });
  Route("find", [&](const ReceivedCommand&) {
    BsonDoc stored = Json(R"({"_id": 7, "name": "Ada"})");
    bson_value_t ssn = Binary(stored_ssn, BSON_SUBTYPE_ENCRYPTED);
    bson_value_t age = Binary(stored_age, BSON_SUBTYPE_ENCRYPTED);
    BSON_APPEND_VALUE(stored.get(), "ssn", &ssn);
    BSON_APPEND_VALUE(stored.get(), "age", &age);
    return PeerReply::Document(CursorReply("clinic.patients", 0, {stored}));
  });

  MongocPtr<mongoc_client_t> client = AutoEncryptingClient();
  ASSERT_NE(client, nullptr);
  // cryptSharedLibRequired: enabling fails unless libmongocrypt loaded this library.
  const char* version = mongoc_client_get_crypt_shared_version(client.get());
  ASSERT_NE(version, nullptr);
  EXPECT_THAT(version, HasSubstr("querysafe"));
  MongocPtr<mongoc_collection_t> collection(
      mongoc_client_get_collection(client.get(), kDatabase, kCollection));

  bson_error_t error;
  BsonDoc document = Json(R"({"_id": 7, "name": "Ada"})");
  BSON_APPEND_UTF8(document.get(), "ssn", kSsn);
  BSON_APPEND_INT32(document.get(), "age", kAge);
  exec::Reply insert_reply;
  ASSERT_TRUE(mongoc_collection_insert_one(collection.get(), document.get(), nullptr,
                                           insert_reply.uninitialized(), &error))
      << error.message;

  BsonDoc filter;
  BSON_APPEND_UTF8(filter.get(), "ssn", kSsn);
  BsonDoc range = Json(R"({})");
  BSON_APPEND_INT32(range.get(), "$gte", kAgeLow);
  BSON_APPEND_INT32(range.get(), "$lte", kAgeHigh);
  BSON_APPEND_DOCUMENT(filter.get(), "age", range.get());
  MongocPtr<mongoc_cursor_t> cursor(
      mongoc_collection_find_with_opts(collection.get(), filter.get(), nullptr, nullptr));
  const bson_t* found = nullptr;
  std::vector<BsonDoc> results;
  while (mongoc_cursor_next(cursor.get(), &found)) results.emplace_back(found);
  ASSERT_FALSE(mongoc_cursor_error(cursor.get(), &error)) << error.message;

  // The client reads the plaintext back: the peer's ciphertexts decrypted.
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(StringAt(results[0].get(), "ssn"), kSsn);
  bson_iter_t age;
  ASSERT_TRUE(bson_iter_init_find(&age, results[0].get(), "age"));
  ASSERT_TRUE(BSON_ITER_HOLDS_INT32(&age));
  EXPECT_EQ(bson_iter_int32(&age), kAge);
  EXPECT_EQ(StringAt(results[0].get(), "name"), "Ada");

  // The insert carried insert payloads (type 11) for both fields and libmongocrypt's
  // encryptionInformation; the plain field went as it was.
  std::vector<ReceivedCommand> inserts = Commands("insert", "clinic.patients");
  ASSERT_EQ(inserts.size(), 1u);
  const bson_t* insert = inserts[0].body.get();
  BsonDoc sent = SubDocument(insert, "documents/0");
  EXPECT_EQ(StringAt(sent.get(), "name"), "Ada");
  std::vector<Ciphertext> insert_payloads = CiphertextsOf(sent.get());
  ASSERT_EQ(insert_payloads.size(), 2u);
  for (const Ciphertext& c : insert_payloads) {
    EXPECT_EQ(c.blob_subtype, 11) << c.path;
  }
  EXPECT_EQ(insert_payloads[0].path, "ssn");
  EXPECT_EQ(insert_payloads[1].path, "age");
  EXPECT_EQ(StringAt(insert, "encryptionInformation/schema/clinic.patients/fields/0/path"), "ssn");
  EXPECT_EQ(StringAt(insert, "encryptionInformation/schema/clinic.patients/fields/1/path"), "age");

  // The find: one equality payload (type 12) and the range payloads (type 13: the find spec and
  // its stub), nothing else encrypted.
  std::vector<ReceivedCommand> finds = Commands("find", "clinic.patients");
  ASSERT_EQ(finds.size(), 1u);
  BsonDoc sent_filter = SubDocument(finds[0].body.get(), "filter");
  std::multiset<int> types;
  for (const Ciphertext& c : CiphertextsOf(sent_filter.get())) types.insert(c.blob_subtype);
  EXPECT_EQ(types, (std::multiset<int>{12, 13, 13})) << ToCanonicalJson(sent_filter.get());
  EXPECT_TRUE(Has(finds[0].body.get(), "encryptionInformation/schema/clinic.patients"));

  // The key vault lookups went to the peer through the encrypting client (no key vault client was
  // set), asking for the two data keys.
  std::vector<ReceivedCommand> vault_finds = KeyVaultFinds(start);
  ASSERT_FALSE(vault_finds.empty());
  std::string asked;
  for (const ReceivedCommand& c : vault_finds) asked += ToCanonicalJson(c.body.get());
  // libmongoc runs listCollections only for the key vault collection (its own find there is
  // auto-encrypted too, and no schema is known for it); the encryptedFieldsMap gives
  // clinic.patients' schema without asking the server.
  std::vector<ReceivedCommand> listings = peer_.Received("listCollections");
  EXPECT_FALSE(listings.empty());
  for (const ReceivedCommand& c : listings) {
    EXPECT_EQ(c.database, "keyvault");
    EXPECT_EQ(StringAt(c.body.get(), "filter/name"), "datakeys");
  }
  // The spec's key ids (key1_, key2_), as Extended JSON writes them.
  for (const char* id : {"EjRWeBI0mHYSNBI0VniQEg==", "q83vqxI0mHYSNBI0VniQEg=="}) {
    EXPECT_THAT(asked, HasSubstr(id)) << asked;
  }

  // No plaintext of an encrypted value, nor of the range bounds, crossed the socket.
  const std::string bytes = peer_.BytesReceived();
  EXPECT_EQ(FindPlaintext(bytes, ssn_value), std::vector<std::string>{});
  EXPECT_EQ(FindPlaintext(bytes, age_value, "age"), std::vector<std::string>{});
  for (int32_t bound : {kAgeLow, kAgeHigh}) {
    EXPECT_EQ(FindPlaintext(bytes, ct::Int32(bound), "age"), std::vector<std::string>{}) << bound;
  }
}

}  // namespace
}  // namespace querysafe::testing
