#include "tests/crypt_shared/spec_operations.h"

#include <gtest/gtest.h>

#include <string_view>

#include "lib/common/bson_array.h"
#include "lib/crypt/capabilities.h"
#include "tests/crypt/spec_fixture.h"

namespace querysafe::testing {
namespace {

// The document or array at a dotted path, if there is one (spec_fixture's DocumentAt fails the
// test when it is absent; here absence is an answer).
std::optional<BsonDoc> Find(const bson_t* doc, const char* dotted) {
  bson_iter_t it;
  bson_iter_t target;
  if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, dotted, &target)) return {};
  if (!BSON_ITER_HOLDS_DOCUMENT(&target) && !BSON_ITER_HOLDS_ARRAY(&target)) return {};
  bson_t child;
  IterChild(&target, &child);
  return BsonDoc(&child);
}

std::string Utf8At(const bson_t* doc, const char* dotted) {
  bson_iter_t it;
  bson_iter_t target;
  if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, dotted, &target) ||
      !BSON_ITER_HOLDS_UTF8(&target)) {
    return {};
  }
  return bson_iter_utf8(&target, nullptr);
}

std::vector<BsonDoc> Elements(const std::optional<BsonDoc>& array) {
  std::vector<BsonDoc> out;
  if (!array.has_value()) return out;
  bson_iter_t it;
  bson_iter_init(&it, array->get());
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) continue;
    bson_t child;
    IterChild(&it, &child);
    out.emplace_back(&child);
  }
  return out;
}

// encryptedFields' bsonType names (MongoDB's BSON type aliases) as type bytes.
int TypeByte(std::string_view name) {
  if (name == "string") return BSON_TYPE_UTF8;
  if (name == "int") return BSON_TYPE_INT32;
  if (name == "long") return BSON_TYPE_INT64;
  if (name == "date") return BSON_TYPE_DATE_TIME;
  if (name == "double") return BSON_TYPE_DOUBLE;
  if (name == "decimal") return BSON_TYPE_DECIMAL128;
  ADD_FAILURE() << "bsonType " << name;
  return 0;
}

std::vector<EncryptedField> Fields(const bson_t* encrypted_fields) {
  std::vector<EncryptedField> out;
  for (const BsonDoc& f : Elements(Find(encrypted_fields, "fields"))) {
    EncryptedField field;
    field.path = Utf8At(f.get(), "path");
    field.key_id = crypt::testing::BinaryAt(f.get(), "keyId");
    field.bson_type = TypeByte(Utf8At(f.get(), "bsonType"));
    // `queries` is one document or an array of them (the text types).
    field.query_type = Utf8At(f.get(), "queries.queryType");
    if (field.query_type.empty()) field.query_type = Utf8At(f.get(), "queries.0.queryType");
    out.push_back(std::move(field));
  }
  return out;
}

// The local master key: a binary (legacy) or its base64 text (unified).
std::vector<uint8_t> MasterKey(const bson_t* auto_encrypt_opts) {
  bson_iter_t it;
  bson_iter_t key;
  if (!bson_iter_init(&it, auto_encrypt_opts) ||
      !bson_iter_find_descendant(&it, "kmsProviders.local.key", &key)) {
    ADD_FAILURE() << "no kmsProviders.local.key";
    return {};
  }
  if (BSON_ITER_HOLDS_BINARY(&key))
    return crypt::testing::BinaryAt(auto_encrypt_opts, "kmsProviders.local.key");
  const std::string json = std::string(R"({"k": {"$binary": {"base64": ")") +
                           bson_iter_utf8(&key, nullptr) + R"(", "subType": "00"}}})";
  BsonDoc doc;
  bson_error_t error;
  EXPECT_TRUE(BsonDoc::FromJson(json, &doc, &error)) << error.message;
  return crypt::testing::BinaryAt(doc.get(), "k");
}

// Which of the spec's command events belong to the operations: not the listCollections and key
// vault finds libmongocrypt makes on the driver's behalf (they are kept apart, to compare with
// what libmongocrypt asked for). Operations expected to fail send nothing.
void AssignExpectations(const std::vector<BsonDoc>& commands, SpecTest* test) {
  std::vector<BsonDoc> own;
  for (const BsonDoc& command : commands) {
    if (bson_has_field(command.get(), "listCollections")) {
      test->collinfo_filter = Find(command.get(), "filter");
    } else if (Utf8At(command.get(), "find") == "datakeys") {
      if (!test->key_filter.has_value()) test->key_filter = Find(command.get(), "filter");
    } else {
      own.push_back(command);
    }
  }
  size_t next = 0;
  for (const BsonDoc& op : test->operations) {
    if (!ErrorContains(op.get()).empty() || next >= own.size()) {
      test->expected.emplace_back();
    } else {
      test->expected.emplace_back(own[next++]);
    }
  }
}

SpecTest LegacyTest(const bson_t* spec, const bson_t* t) {
  SpecTest test;
  test.description = Utf8At(t, "description");
  test.db = Utf8At(spec, "database_name");
  test.collection = Utf8At(spec, "collection_name");
  if (auto ef = Find(spec, "encrypted_fields")) test.encrypted_fields = *ef;
  test.key_documents = Elements(Find(spec, "key_vault_data"));
  const std::optional<BsonDoc> opts = Find(t, "clientOptions.autoEncryptOpts");
  if (opts.has_value()) {
    test.local_master_key = MasterKey(opts->get());
    if (auto map = Find(opts->get(), "encryptedFieldsMap")) test.encrypted_fields_map = *map;
  }
  test.operations = Elements(Find(t, "operations"));
  std::vector<BsonDoc> commands;
  for (const BsonDoc& e : Elements(Find(t, "expectations"))) {
    if (auto command = Find(e.get(), "command_started_event.command")) commands.push_back(*command);
  }
  AssignExpectations(commands, &test);
  return test;
}

SpecTest UnifiedTest(const bson_t* spec, const bson_t* t) {
  SpecTest test;
  test.description = Utf8At(t, "description");
  for (const BsonDoc& entity : Elements(Find(spec, "createEntities"))) {
    if (auto opts = Find(entity.get(), "client.autoEncryptOpts")) {
      test.local_master_key = MasterKey(opts->get());
      if (auto map = Find(opts->get(), "encryptedFieldsMap")) test.encrypted_fields_map = *map;
    }
    if (std::string db = Utf8At(entity.get(), "database.databaseName"); !db.empty()) test.db = db;
    if (std::string coll = Utf8At(entity.get(), "collection.collectionName"); !coll.empty()) {
      test.collection = coll;
    }
  }
  for (const BsonDoc& data : Elements(Find(spec, "initialData"))) {
    if (Utf8At(data.get(), "collectionName") == "datakeys") {
      test.key_documents = Elements(Find(data.get(), "documents"));
    } else if (auto ef = Find(data.get(), "createOptions.encryptedFields")) {
      test.encrypted_fields = *ef;
    }
  }
  test.operations = Elements(Find(t, "operations"));
  std::vector<BsonDoc> commands;
  for (const BsonDoc& client : Elements(Find(t, "expectEvents"))) {
    for (const BsonDoc& e : Elements(Find(client.get(), "events"))) {
      if (auto command = Find(e.get(), "commandStartedEvent.command")) commands.push_back(*command);
    }
  }
  AssignExpectations(commands, &test);
  return test;
}

void AppendDoc(bson_t* out, const char* key, const std::optional<BsonDoc>& doc) {
  BSON_APPEND_DOCUMENT(out, key, doc.has_value() ? doc->get() : BsonDoc().get());
}

}  // namespace

const EncryptedField* SpecTest::Field(const std::string& path) const {
  for (const EncryptedField& f : fields) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

const BsonDoc* SpecTest::ExpectedCommand(size_t op) const {
  return op < expected.size() && expected[op].has_value() ? &*expected[op] : nullptr;
}

// The commands drivers send for the CRUD operations (mongodb/specifications source/crud/crud.md):
// insertOne is an insert of one document, ordered by default; deleteOne a delete with limit 1;
// updateOne an update statement without multi. A driver adds lsid, $db, txnNumber and the like,
// which libmongocrypt passes through and the comparison allows at the top level.
bool SpecTest::Input(const bson_t* op, AutoEncryptInput* input, std::string* why) const {
  const std::string name = OperationName(op);
  const std::optional<BsonDoc> args = Find(op, "arguments");
  const BsonDoc none;
  const bson_t* a = args.has_value() ? args->get() : none.get();
  BsonDoc& cmd = input->command;
  if (name == "insertOne") {
    BSON_APPEND_UTF8(cmd.get(), "insert", collection.c_str());
    bson_t documents;
    AppendArrayBegin(cmd.get(), "documents", -1, &documents);
    AppendDoc(&documents, "0", Find(a, "document"));
    bson_append_array_end(cmd.get(), &documents);
    BSON_APPEND_BOOL(cmd.get(), "ordered", true);
  } else if (name == "find") {
    BSON_APPEND_UTF8(cmd.get(), "find", collection.c_str());
    AppendDoc(cmd.get(), "filter", Find(a, "filter"));
  } else if (name == "deleteOne" || name == "updateOne") {
    const bool del = name == "deleteOne";
    BSON_APPEND_UTF8(cmd.get(), del ? "delete" : "update", collection.c_str());
    bson_t statements;
    bson_t statement;
    AppendArrayBegin(cmd.get(), del ? "deletes" : "updates", -1, &statements);
    bson_append_document_begin(&statements, "0", 1, &statement);
    AppendDoc(&statement, "q", Find(a, "filter"));
    if (del) {
      BSON_APPEND_INT32(&statement, "limit", 1);
    } else {
      AppendDoc(&statement, "u", Find(a, "update"));
    }
    bson_append_document_end(&statements, &statement);
    bson_append_array_end(cmd.get(), &statements);
    BSON_APPEND_BOOL(cmd.get(), "ordered", true);
  } else {
    *why = "no driver command is mapped for the operation '" + name + "'";
    return false;
  }
  input->db = db;
  input->key_documents = key_documents;
  input->local_master_key = local_master_key;
  input->encrypted_fields_map = encrypted_fields_map;
  if (encrypted_fields_map.empty()) {
    // The collection as listCollections describes it after the driver created it with its
    // encryptedFields (libmongocrypt reads options.encryptedFields).
    BSON_APPEND_UTF8(input->collinfo.get(), "name", collection.c_str());
    BSON_APPEND_UTF8(input->collinfo.get(), "type", "collection");
    bson_t options;
    bson_append_document_begin(input->collinfo.get(), "options", -1, &options);
    if (!encrypted_fields.empty())
      BSON_APPEND_DOCUMENT(&options, "encryptedFields", encrypted_fields.get());
    bson_append_document_end(input->collinfo.get(), &options);
  }
  return true;
}

std::string SpecTest::NeedsMissingCapability() const {
  const crypt::CryptCapabilities& have = crypt::LinkedCapabilities();
  for (const EncryptedField& f : fields) {
    const std::string& q = f.query_type;
    const bool preview = q.ends_with("Preview");
    const bool missing = (preview && !have.text_preview) ||
                         ((q == "prefix" || q == "suffix") && !have.text) ||
                         (q == "substring" && !have.text_substring);
    if (missing) {
      return "the '" + q + "' query type needs libmongocrypt's text API (" +
             (preview ? "the 8.2 previews, libmongocrypt 1.15 to 1.20" : "libmongocrypt 1.19+") +
             "); linked: libmongocrypt " + std::string(have.version);
    }
  }
  return {};
}

SpecFile LoadSpecFile(const std::string& name) {
  SpecFile file;
  file.name = name;
  const BsonDoc spec = crypt::testing::LoadSpec(name);
  const bool unified = bson_has_field(spec.get(), "schemaVersion");
  for (const BsonDoc& t : Elements(Find(spec.get(), "tests"))) {
    SpecTest test = unified ? UnifiedTest(spec.get(), t.get()) : LegacyTest(spec.get(), t.get());
    if (!test.encrypted_fields_map.empty()) {
      bson_iter_t it;
      bson_iter_init(&it, test.encrypted_fields_map.get());
      while (bson_iter_next(&it)) {
        bson_t child;
        if (!IterChild(&it, &child)) continue;
        for (EncryptedField& f : Fields(&child)) test.fields.push_back(std::move(f));
      }
    } else {
      test.fields = Fields(test.encrypted_fields.get());
    }
    file.tests.push_back(std::move(test));
  }
  return file;
}

std::string OperationName(const bson_t* op) { return Utf8At(op, "name"); }

std::string ErrorContains(const bson_t* op) {
  std::string text = Utf8At(op, "result.errorContains");
  return text.empty() ? Utf8At(op, "expectError.errorContains") : text;
}

}  // namespace querysafe::testing
