// Connecting: the handshake the real driver sends, the server version read
// from it, and the key vault lookups (querysafe's at connect time, and
// libmongocrypt's when it decrypts).
#include <gtest/gtest.h>

#include <cstdlib>

#include "lib/exec/client.h"
#include "lib/exec/mongoc_util.h"
#include "lib/schema/bson_equivalent.h"
#include "tests/crypt/spec_fixture.h"
#include "tests/exec/wire_fixture.h"

namespace querysafe::testing {
namespace {

namespace ct = querysafe::crypt::testing;

using WireHandshake = WireTest;
using WireKeyVault = WireTest;

TEST_F(WireHandshake, LegacyHelloThenServerVersionFromMaxWireVersion) {
  auto client = Connect(LoadTestSchema("medical.json"));
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->server_version().ToString(), "8.0");
  EXPECT_EQ(client->server_version().max_wire_version, 25);
  // mongoc 1.30 opens every connection with the legacy OP_QUERY isMaster on
  // admin.$cmd, offering helloOk and its metadata (the handshake spec).
  std::vector<ReceivedCommand> hellos = peer_.Received("isMaster");
  ASSERT_FALSE(hellos.empty());
  EXPECT_TRUE(hellos[0].legacy);
  EXPECT_EQ(hellos[0].database, "admin");
  bson_iter_t it;
  ASSERT_TRUE(bson_iter_init_find(&it, hellos[0].body.get(), "helloOk"));
  EXPECT_TRUE(bson_iter_as_bool(&it));
  EXPECT_EQ(StringAt(hellos[0].body.get(), "client/driver/name"), "mongoc");
}

TEST_F(WireHandshake, EachWireVersionMapsToItsRelease) {
  for (auto [wire, version] : {std::pair{21, "7.0"}, {24, "7.3"}, {27, "8.2"}}) {
    peer_.set_max_wire_version(wire);
    auto client = Connect(LoadTestSchema("medical.json"));
    ASSERT_NE(client, nullptr);
    EXPECT_EQ(client->server_version().ToString(), version) << wire;
  }
}

TEST_F(WireHandshake, QueryableEncryptionNeedsSevenZero) {
  peer_.set_max_wire_version(17);  // MongoDB 6.0
  exec::ConnectResult r = exec::Client::Connect(Options(LoadTestSchema("medical.json")));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].category, Category::kImproperlyConfigured);
  EXPECT_EQ(r.diagnostics[0].message,
            "Queryable Encryption needs MongoDB 7.0 or later; the server is "
            "MongoDB 6.0 (maxWireVersion 17)");
}

TEST_F(WireHandshake, AnExplicitVersionWinsOverTheHandshake) {
  exec::ClientOptions o = Options(LoadTestSchema("medical.json"));
  o.server_version = exec::ServerVersion{7, 0};
  exec::ConnectResult r = exec::Client::Connect(std::move(o));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.client->server_version().ToString(), "7.0");
}

TEST_F(WireKeyVault, AltNamesAreResolvedAtConnectWithAMajorityRead) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  std::vector<ReceivedCommand> finds = Commands("find", "medical_records.__keyVault");
  ASSERT_EQ(finds.size(), 1u);
  // The filter libmongocrypt's key broker uses, with the schema's alt names.
  EXPECT_EQ(ToCanonicalJson(SubDocument(finds[0].body.get(), "filter").get()),
            ToCanonicalJson(Json(R"({"$or": [{"_id": {"$in": []}},
                {"keyAltNames": {"$in": ["patients.patient_record.ssn",
                 "patients.patient_record.billing",
                 "visits.visit_count", "visits.notes"]}}]})")
                                .get()));
  EXPECT_EQ(StringAt(finds[0].body.get(), "readConcern/level"), "majority");
  // The map handed to the driver carries the keys' ids.
  const bson_t* map = client->encrypted_fields_map().get();
  EXPECT_EQ(BinaryAt(map, "medical_records.patients/fields/0/keyId"), BinaryAt(key1_.get(), "_id"));
  EXPECT_EQ(StringAt(map, "medical_records.patients/fields/0/path"), "patient_record.ssn");
  EXPECT_EQ(BinaryAt(map, "medical_records.patients/fields/1/keyId"), BinaryAt(key2_.get(), "_id"));
  EXPECT_FALSE(Has(map, "medical_records.patients/fields/0/keyAltName"));
}

TEST_F(WireKeyVault, AMissingKeySaysToMigrate) {
  keys().erase(keys().begin() + 1);  // patients.patient_record.billing
  exec::ConnectResult r = exec::Client::Connect(Options(LoadTestSchema("medical.json")));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].category, Category::kImproperlyConfigured);
  // django-mongodb-backend's words (showencryptedfieldsmap).
  EXPECT_EQ(r.diagnostics[0].message,
            "Encryption key 'patients.patient_record.billing' not found. Have "
            "you migrated the Patient model?");
}

TEST_F(WireKeyVault, DecryptionLooksUpTheKeyAsTheSpecSays) {
  auto schema = LoadTestSchema("spec_default.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  const bson_value_t secret = ct::Utf8("unindexed-secret-value");
  std::vector<uint8_t> stored = StoredValue(*schema, "default", "encryptedUnindexed", secret);
  ASSERT_EQ(stored.at(0), 16);
  Route("find", [&](const ReceivedCommand&) {
    BsonDoc doc;
    BSON_APPEND_INT32(doc.get(), "_id", 1);
    bson_append_binary(doc.get(), "encryptedUnindexed", -1, BSON_SUBTYPE_ENCRYPTED, stored.data(),
                       static_cast<uint32_t>(stored.size()));
    return PeerReply::Document(CursorReply("default.default", 0, {doc}));
  });
  exec::Result r = client->Run(Lowered("default", "default", lower::CommandKind::kFind,
                                       R"({"find": "default", "filter": {}})"));
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].message;
  BsonDoc row;
  ASSERT_TRUE(r.rows->Next(&row)) << r.rows->error()->message;
  EXPECT_EQ(StringAt(row.get(), "encryptedUnindexed"), "unindexed-secret-value");

  // libmongocrypt asked for the key with the spec's find (fle2v2-InsertFind-
  // Indexed expectations: find on keyvault.datakeys, majority).
  std::vector<ReceivedCommand> finds = Commands("find", "keyvault.datakeys");
  ASSERT_EQ(finds.size(), 1u);
  BsonDoc expected =
      ct::DocumentAt(spec_.get(), "tests.0.expectations.1.command_started_event.command");
  BsonDoc received;
  bson_copy_to_excluding_noinit(finds[0].body.get(), received.get(), "lsid", "$clusterTime",
                                nullptr);
  // The spec's key is key1; ours for encryptedUnindexed is key2.
  BsonDoc expected_for_key2 =
      Json(std::format(R"({{"find": "datakeys", "filter": {{"$or": [{{"_id": {{"$in":
           [{{"$binary": {{"base64": "q83vqxI0mHYSNBI0VniQEg==", "subType": "04"}}}}]}}}},
           {{"keyAltNames": {{"$in": []}}}}]}}, "$db": "keyvault",
           "readConcern": {{"level": "majority"}}}})"));
  EXPECT_TRUE(schema::BsonDocsEquivalent(received.get(), expected_for_key2.get()))
      << ToCanonicalJson(received.get());
  // Same shape as the spec's, key aside.
  EXPECT_EQ(StringAt(expected.get(), "find"), StringAt(received.get(), "find"));
  EXPECT_EQ(StringAt(expected.get(), "readConcern/level"),
            StringAt(received.get(), "readConcern/level"));
}

TEST_F(WireKeyVault, KeysAreReadOncePerCacheLifetimeNotPerQuery) {
  auto schema = LoadTestSchema("medical.json");
  auto client = Connect(schema);
  ASSERT_NE(client, nullptr);
  Route("find", [](const ReceivedCommand&) {
    return PeerReply::Document(CursorReply("medical_records.patients", 0, {}));
  });
  auto query = [&](const char* ssn) {
    std::vector<lower::EncryptionRequest> requests;
    requests.push_back(
        EqualityRequest(*schema, "patients", "patient_record.ssn", 0, ct::Utf8(ssn)));
    exec::Result r =
        client->Run(Lowered("medical_records", "patients", lower::CommandKind::kFind,
                            R"({"find": "patients", "filter": {"patient_record.ssn": {"$eq":
            {"$encrypt": {"id": 0, "role": "value"}}}}})",
                            std::move(requests)));
    EXPECT_TRUE(r.ok());
  };
  query("111-11-1111");
  const size_t after_first = Commands("find", "medical_records.__keyVault").size();
  EXPECT_GT(after_first, 1u);  // connect's, then the encryptor's
  query("222-22-2222");
  query("333-33-3333");
  EXPECT_EQ(Commands("find", "medical_records.__keyVault").size(), after_first);
}

// Why exec pools single-threaded clients itself (encrypted_clients.h): with
// bypass_query_analysis, mongoc 1.30's pooled auto-encryption pops from a
// mongocryptd client pool it never created. If a newer mongoc survives this,
// EncryptedClients could become a mongoc_client_pool_t.
TEST_F(WireHandshake, MongocPoolsCannotBypassQueryAnalysis) {
  if (mongoc_get_major_version() != 1 || mongoc_get_minor_version() > 30) {
    GTEST_SKIP() << "mongoc " << mongoc_get_version()
                 << ": check whether its client pools now work with "
                    "bypass_query_analysis";
  }
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string uri = peer_.Uri();
  BsonDoc kms = kms_.document();
  EXPECT_DEATH(
      {
        exec::EnsureMongocInitialized();
        mongoc_uri_t* u = mongoc_uri_new(uri.c_str());
        mongoc_client_pool_t* pool = mongoc_client_pool_new(u);
        mongoc_auto_encryption_opts_t* o = mongoc_auto_encryption_opts_new();
        mongoc_auto_encryption_opts_set_bypass_query_analysis(o, true);
        mongoc_auto_encryption_opts_set_keyvault_namespace(o, "keyvault", "datakeys");
        mongoc_auto_encryption_opts_set_kms_providers(o, kms.get());
        bson_error_t error;
        if (!mongoc_client_pool_enable_auto_encryption(pool, o, &error)) {
          std::exit(0);
        }
        mongoc_client_t* client = mongoc_client_pool_pop(pool);
        BsonDoc ping = Json(R"({"ping": 1})");
        mongoc_client_command_simple(client, "admin", ping.get(), nullptr, nullptr, &error);
        std::exit(0);
      },
      "mongoc_client_pool_pop");
}

}  // namespace
}  // namespace querysafe::testing
