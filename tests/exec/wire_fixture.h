// What the wire tests share: a WirePeer playing a MongoDB 8.0 primary that
// keeps a key vault and a list of collections the way a server would (finds
// evaluate libmongocrypt's key filter, inserts into the key vault honour the
// unique keyAltNames index, create and listCollections agree), the spec's data
// keys, test schemas from tests/data/exec, and lowered commands built by hand
// in the placeholder shape lowering emits (lib/lower/encryption_request.h).
#ifndef QUERYSAFE_TESTS_EXEC_WIRE_FIXTURE_H_
#define QUERYSAFE_TESTS_EXEC_WIRE_FIXTURE_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/key_vault_file.h"
#include "lib/crypt/kms_providers.h"
#include "lib/exec/client.h"
#include "lib/lower/lower.h"
#include "lib/schema/model.h"
#include "tests/exec/wire_peer.h"

namespace querysafe::testing {

// Extended JSON to BSON; a test failure if it does not parse.
BsonDoc Json(std::string_view json);
// Values at a path of keys separated by '/' (keys in commands hold dots:
// "filter/patient_record.ssn/$eq"; array elements by index: "documents/0").
// The document (or array) at a path; empty and a test failure if absent.
BsonDoc SubDocument(const bson_t* doc, const char* path);
// The bytes of the binary at a path, or empty.
std::vector<uint8_t> BinaryAt(const bson_t* doc, const char* path);
// The UTF-8 string at a path, or "<absent>".
std::string StringAt(const bson_t* doc, const char* path);
bool Has(const bson_t* doc, const char* path);
// The text of tests/data/<relative>; empty and a test failure if unreadable.
std::string ReadTestData(std::string_view relative);
// A schema from tests/data/exec/<file>.
std::shared_ptr<const schema::Schema> LoadTestSchema(std::string_view file);

class WireTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Client options for `schema` against the peer, with the spec's KMS.
  exec::ClientOptions Options(std::shared_ptr<const schema::Schema> schema,
                              std::string_view uri_options = "");
  // Connects, failing the test on diagnostics.
  std::unique_ptr<exec::Client> Connect(std::shared_ptr<const schema::Schema> schema);

  // Handlers for commands on namespaces other than the key vault's
  // ("find" on medical_records.patients...). Names: find, getMore, aggregate,
  // count, insert, update, delete, killCursors.
  void Route(std::string_view command, WirePeer::Handler handler);

  // The commands received on `ns` ("db.coll") with this name.
  std::vector<ReceivedCommand> Commands(std::string_view command, std::string_view ns) const;

  // A lowered command ("find", "aggregate"...) from Extended JSON, with its
  // requests.
  lower::Command Lowered(std::string_view database, std::string_view collection,
                         lower::CommandKind kind, std::string_view body,
                         std::vector<lower::EncryptionRequest> requests = {},
                         bound::Operation operation = bound::Operation::kSelect);
  // The request lowering makes for an equality find on an encrypted path.
  lower::EncryptionRequest EqualityRequest(const schema::Schema& schema, std::string_view table,
                                           std::string_view path, uint32_t id,
                                           const bson_value_t& value);

  // A stored (type 16, Unindexed) value of `path`, made offline with the key
  // the peer's key vault holds for it: what a server would return for an
  // unindexed encrypted field.
  std::vector<uint8_t> StoredValue(const schema::Schema& schema, std::string_view table,
                                   std::string_view path, const bson_value_t& value);

  // The peer's key vault content; tests may add or clear keys.
  std::vector<BsonDoc>& keys() { return keys_; }
  // Collections the peer knows: name ("db.coll") -> options.
  std::map<std::string, BsonDoc>& collections() { return collections_; }

  WirePeer peer_;
  BsonDoc spec_;  // fle2v2-InsertFind-Indexed.json
  crypt::KmsProviders kms_;
  BsonDoc key1_, key2_;  // the spec's keys (12345678..., abcdefab...)

 private:
  PeerReply KeyVaultFind(const ReceivedCommand& c);
  PeerReply KeyVaultInsert(const ReceivedCommand& c);
  std::string Namespace(const ReceivedCommand& c) const;
  bool IsKeyVault(const ReceivedCommand& c) const;
  PeerReply Dispatch(std::string_view command, const ReceivedCommand& c);

  std::vector<BsonDoc> keys_;
  std::map<std::string, BsonDoc> collections_;
  std::map<std::string, WirePeer::Handler, std::less<>> routes_;
};

}  // namespace querysafe::testing

#endif  // QUERYSAFE_TESTS_EXEC_WIRE_FIXTURE_H_
