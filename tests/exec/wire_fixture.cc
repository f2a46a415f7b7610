#include "tests/exec/wire_fixture.h"

#include <algorithm>
#include <cstring>
#include <format>
#include <fstream>
#include <sstream>

#include "lib/common/bson_array.h"
#include "lib/crypt/data_key.h"
#include "lib/lower/lowered_instance.h"
#include "lib/schema/load.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::testing {
namespace ct = querysafe::crypt::testing;

BsonDoc Json(std::string_view json) {
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << json << ": " << error.message;
  return doc;
}

namespace {

// Descends `path`, whose keys are separated by '/' (command keys hold dots:
// "filter/patient_record.ssn/$eq").
bool Find(const bson_t* doc, std::string_view path, bson_iter_t* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return false;
  while (true) {
    const size_t slash = path.find('/');
    const std::string key(path.substr(0, slash));
    if (!bson_iter_find(&it, key.c_str())) return false;
    if (slash == std::string_view::npos) {
      *out = it;
      return true;
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&it) && !BSON_ITER_HOLDS_ARRAY(&it)) {
      return false;
    }
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    it = child;
    path = path.substr(slash + 1);
  }
}

BsonDoc IterDocument(const bson_iter_t& it) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_array(&it, &len, &data);
  } else if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
    bson_iter_document(&it, &len, &data);
  }
  BsonDoc out;
  if (data != nullptr) BsonDoc::FromBytes(data, len, &out);
  return out;
}

std::string FirstValue(const bson_t* doc) {
  bson_iter_t it;
  if (bson_iter_init(&it, doc) && bson_iter_next(&it) && BSON_ITER_HOLDS_UTF8(&it)) {
    return bson_iter_utf8(&it, nullptr);
  }
  return "";
}

// The strings or UUIDs of {$in: [...]} under `key` in a filter clause.
bool InList(const bson_t* clause, const char* key, const bson_iter_t& value) {
  bson_iter_t in, item;
  const std::string path = std::format("{}/$in", key);
  if (!Find(clause, path.c_str(), &in) || !BSON_ITER_HOLDS_ARRAY(&in)) {
    return false;
  }
  bson_iter_recurse(&in, &item);
  while (bson_iter_next(&item)) {
    const bson_value_t* a = bson_iter_value(&item);
    const bson_value_t* b = bson_iter_value(const_cast<bson_iter_t*>(&value));
    if (a->value_type != b->value_type) continue;
    if (a->value_type == BSON_TYPE_UTF8 &&
        std::string_view(a->value.v_utf8.str, a->value.v_utf8.len) ==
            std::string_view(b->value.v_utf8.str, b->value.v_utf8.len)) {
      return true;
    }
    if (a->value_type == BSON_TYPE_BINARY &&
        a->value.v_binary.data_len == b->value.v_binary.data_len &&
        std::memcmp(a->value.v_binary.data, b->value.v_binary.data, a->value.v_binary.data_len) ==
            0) {
      return true;
    }
  }
  return false;
}

// Whether a key document matches one clause {_id: {$in}} or
// {keyAltNames: {$in}}.
bool MatchesClause(const bson_t* key, const bson_t* clause) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, key, "_id") && InList(clause, "_id", it)) {
    return true;
  }
  bson_iter_t names, name;
  if (bson_iter_init_find(&names, key, "keyAltNames") && BSON_ITER_HOLDS_ARRAY(&names)) {
    bson_iter_recurse(&names, &name);
    while (bson_iter_next(&name)) {
      if (InList(clause, "keyAltNames", name)) return true;
    }
  }
  return false;
}

}  // namespace

BsonDoc SubDocument(const bson_t* doc, const char* dotted) {
  bson_iter_t it;
  if (!Find(doc, dotted, &it) || !(BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it))) {
    ADD_FAILURE() << "no document at " << dotted << " in " << ToCanonicalJson(doc);
    return BsonDoc();
  }
  return IterDocument(it);
}

std::vector<uint8_t> BinaryAt(const bson_t* doc, const char* dotted) {
  bson_iter_t it;
  if (!Find(doc, dotted, &it) || !BSON_ITER_HOLDS_BINARY(&it)) return {};
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_binary(&it, &subtype, &len, &data);
  return {data, data + len};
}

std::string StringAt(const bson_t* doc, const char* dotted) {
  bson_iter_t it;
  if (!Find(doc, dotted, &it) || !BSON_ITER_HOLDS_UTF8(&it)) return "<absent>";
  return bson_iter_utf8(&it, nullptr);
}

bool Has(const bson_t* doc, const char* dotted) {
  bson_iter_t it;
  return Find(doc, dotted, &it);
}

std::string ReadTestData(std::string_view relative) {
  const std::string path = std::format("{}/{}", QUERYSAFE_TEST_DATA_DIR, relative);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::shared_ptr<const schema::Schema> LoadTestSchema(std::string_view file) {
  schema::SchemaLoadResult r = schema::LoadSchema(ReadTestData(std::format("exec/{}", file)));
  EXPECT_TRUE(r.schema != nullptr)
      << file << ": " << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  return r.schema;
}

void WireTest::SetUp() {
  ASSERT_TRUE(peer_.ok());
  spec_ = ct::LoadSpec("fle2v2-InsertFind-Indexed.json");
  BsonDoc unindexed_spec = ct::LoadSpec("fle2v2-InsertFind-Unindexed.json");
  kms_ = ct::SpecKms(spec_.get());
  // The spec's two keys, named as migrate names the medical schema's keys.
  auto with_names = [](BsonDoc key, std::vector<std::string> names) {
    BsonDoc out;
    bson_copy_to_excluding_noinit(key.get(), out.get(), "keyAltNames", nullptr);
    bson_t array;
    querysafe::AppendArrayBegin(out.get(), "keyAltNames", -1, &array);
    for (size_t i = 0; i < names.size(); ++i) {
      AppendUtf8(&array, std::to_string(i), names[i]);
    }
    bson_append_array_end(out.get(), &array);
    return out;
  };
  key1_ =
      with_names(ct::DocumentAt(spec_.get(), "key_vault_data.0"), {"patients.patient_record.ssn"});
  key2_ = with_names(ct::DocumentAt(unindexed_spec.get(), "key_vault_data.0"),
                     {"patients.patient_record.billing"});
  keys_ = {key1_, key2_};
  for (const char* name : {"visits.visit_count", "visits.notes"}) {
    std::string alt = name;
    absl::StatusOr<BsonDoc> key = crypt::CreateLocalDataKey(kms_, {&alt, 1});
    ASSERT_TRUE(key.ok()) << key.status();
    keys_.push_back(*std::move(key));
  }

  peer_.On("find", [this](const ReceivedCommand& c) {
    return IsKeyVault(c) ? KeyVaultFind(c) : Dispatch("find", c);
  });
  peer_.On("insert", [this](const ReceivedCommand& c) {
    return IsKeyVault(c) ? KeyVaultInsert(c) : Dispatch("insert", c);
  });
  peer_.On("createIndexes", [](const ReceivedCommand&) {
    return PeerReply::Json(
        R"({"numIndexesBefore": 1, "numIndexesAfter": 2,
            "createdCollectionAutomatically": false, "ok": 1})");
  });
  peer_.On("listCollections", [this](const ReceivedCommand& c) {
    const std::string wanted = StringAt(c.body.get(), "filter/name");
    std::vector<BsonDoc> infos;
    for (const auto& [ns, options] : collections_) {
      const size_t dot = ns.find('.');
      if (ns.substr(0, dot) != c.database) continue;
      const std::string name = ns.substr(dot + 1);
      if (wanted != "<absent>" && name != wanted) continue;
      BsonDoc info;
      AppendUtf8(info.get(), "name", name);
      BSON_APPEND_UTF8(info.get(), "type", "collection");
      BSON_APPEND_DOCUMENT(info.get(), "options", options.get());
      infos.push_back(std::move(info));
    }
    return PeerReply::Document(
        CursorReply(std::format("{}.$cmd.listCollections", c.database), 0, infos));
  });
  peer_.On("create", [this](const ReceivedCommand& c) {
    const std::string ns = Namespace(c);
    if (collections_.contains(ns)) {
      return PeerReply::Document(
          ErrorReply(48, "NamespaceExists", std::format("Collection {} already exists.", ns)));
    }
    BsonDoc options;
    bson_copy_to_excluding_noinit(c.body.get(), options.get(), "create", "$db", "lsid",
                                  "$clusterTime", nullptr);
    collections_[ns] = std::move(options);
    return PeerReply::Json(R"({"ok": 1})");
  });
  for (const char* name : {"getMore", "aggregate", "count", "update", "delete"}) {
    peer_.On(name, [this, name](const ReceivedCommand& c) { return Dispatch(name, c); });
  }
}

void WireTest::TearDown() {}

std::string WireTest::Namespace(const ReceivedCommand& c) const {
  if (c.name == "getMore") {
    return std::format("{}.{}", c.database, StringAt(c.body.get(), "collection"));
  }
  return std::format("{}.{}", c.database, FirstValue(c.body.get()));
}

bool WireTest::IsKeyVault(const ReceivedCommand& c) const {
  const std::string ns = Namespace(c);
  return ns == "keyvault.datakeys" || ns.ends_with(".__keyVault");
}

PeerReply WireTest::Dispatch(std::string_view command, const ReceivedCommand& c) {
  auto it = routes_.find(command);
  if (it != routes_.end()) return it->second(c);
  return PeerReply::Document(
      ErrorReply(59, "CommandNotFound",
                 std::format("the test scripted no '{}' on {}", command, Namespace(c))));
}

PeerReply WireTest::KeyVaultFind(const ReceivedCommand& c) {
  BsonDoc filter = SubDocument(c.body.get(), "filter");
  std::vector<BsonDoc> clauses;
  bson_iter_t any, clause;
  if (bson_iter_init_find(&any, filter.get(), "$or") && BSON_ITER_HOLDS_ARRAY(&any)) {
    bson_iter_recurse(&any, &clause);
    while (bson_iter_next(&clause)) clauses.push_back(IterDocument(clause));
  } else {
    clauses.push_back(filter);
  }
  std::vector<BsonDoc> found;
  for (const BsonDoc& key : keys_) {
    for (const BsonDoc& cl : clauses) {
      if (MatchesClause(key.get(), cl.get())) {
        found.push_back(key);
        break;
      }
    }
  }
  return PeerReply::Document(CursorReply(Namespace(c), 0, found));
}

PeerReply WireTest::KeyVaultInsert(const ReceivedCommand& c) {
  BsonDoc documents = SubDocument(c.body.get(), "documents");
  bson_iter_t it;
  bson_iter_init(&it, documents.get());
  int n = 0;
  while (bson_iter_next(&it)) {
    BsonDoc key = IterDocument(it);
    // The unique index on keyAltNames, as migrate creates it.
    auto info = crypt::InspectKeyDocument(key.get());
    if (!info.ok()) return PeerReply::Document(ErrorReply(2, "BadValue", "bad key"));
    for (const BsonDoc& other : keys_) {
      auto o = crypt::InspectKeyDocument(other.get());
      for (const std::string& name : info->alt_names) {
        if (o.ok() && std::ranges::find(o->alt_names, name) != o->alt_names.end()) {
          return PeerReply::Json(std::format(
              R"({{"n": {}, "writeErrors": [{{"index": 0, "code": 11000,
                  "errmsg": "E11000 duplicate key error collection: {} index: keyAltNames_1 dup key: {{ keyAltNames: \"{}\" }}"}}],
                  "ok": 1}})",
              n, Namespace(c), name));
        }
      }
    }
    keys_.push_back(std::move(key));
    ++n;
  }
  return PeerReply::Json(std::format(R"({{"n": {}, "ok": 1}})", n));
}

exec::ClientOptions WireTest::Options(std::shared_ptr<const schema::Schema> schema,
                                      std::string_view uri_options) {
  exec::ClientOptions o;
  o.uri = peer_.Uri(uri_options);
  o.schema = std::move(schema);
  o.kms_providers = kms_;
  return o;
}

std::unique_ptr<exec::Client> WireTest::Connect(std::shared_ptr<const schema::Schema> schema) {
  exec::ConnectResult r = exec::Client::Connect(Options(std::move(schema)));
  EXPECT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  return std::move(r.client);
}

void WireTest::Route(std::string_view command, WirePeer::Handler handler) {
  routes_[std::string(command)] = std::move(handler);
}

std::vector<ReceivedCommand> WireTest::Commands(std::string_view command,
                                                std::string_view ns) const {
  std::vector<ReceivedCommand> out;
  for (ReceivedCommand& c : peer_.Received(command)) {
    if (Namespace(c) == ns) out.push_back(std::move(c));
  }
  return out;
}

lower::Command WireTest::Lowered(std::string_view database, std::string_view collection,
                                 lower::CommandKind kind, std::string_view body,
                                 std::vector<lower::EncryptionRequest> requests,
                                 bound::Operation operation) {
  lower::Command c;
  c.database = std::string(database);
  c.collection = std::string(collection);
  c.kind = kind;
  c.body = Json(body);
  c.encryptions = std::move(requests);
  c.operation = operation;
  return c;
}

lower::EncryptionRequest WireTest::EqualityRequest(const schema::Schema& schema,
                                                   std::string_view table, std::string_view path,
                                                   uint32_t id, const bson_value_t& value) {
  const schema::Model* model = schema.FindModelByTable(table);
  EXPECT_NE(model, nullptr);
  const schema::EncryptedPath* ep = model->FindEncryptedPath(path);
  EXPECT_NE(ep, nullptr);
  // What lowering writes for `exact` on an equality field.
  lower::EncryptionRequest r = lower::StoredValueRequest(*ep, id, value);
  r.is_query = true;
  return r;
}

std::vector<uint8_t> WireTest::StoredValue(const schema::Schema& schema, std::string_view table,
                                           std::string_view path, const bson_value_t& value) {
  std::string text = "[";
  for (size_t i = 0; i < keys_.size(); ++i) {
    text += (i == 0 ? "" : ",") + ToCanonicalJson(keys_[i].get());
  }
  text += "]";
  auto vault = crypt::KeyVaultFile::Parse(text, "peer key vault");
  EXPECT_TRUE(vault.ok()) << vault.status();
  if (!vault.ok()) return {};
  auto encryptor = crypt::Encryptor::Create({kms_, *vault, {}, {}});
  EXPECT_TRUE(encryptor.ok()) << encryptor.status();
  const schema::EncryptedPath* ep = schema.FindModelByTable(table)->FindEncryptedPath(path);
  EXPECT_NE(ep, nullptr);
  lower::EncryptionRequest r = lower::StoredValueRequest(*ep, 0, value);
  r.algorithm = lower::Algorithm::kUnindexed;
  auto encrypted = (*encryptor)->Encrypt(r);
  EXPECT_TRUE(encrypted.ok()) << encrypted.status();
  if (!encrypted.ok()) return {};
  return encrypted->value->bytes;
}

}  // namespace querysafe::testing
