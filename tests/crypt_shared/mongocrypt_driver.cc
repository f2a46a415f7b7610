#include "tests/crypt_shared/mongocrypt_driver.h"

#include <gtest/gtest.h>
// libmongocrypt's header has no extern "C" guard of its own.
extern "C" {
#include <mongocrypt/mongocrypt.h>
}

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "lib/mql/analyze_command.h"

namespace querysafe::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

mongocrypt_binary_t* View(const bson_t* doc) {
  return mongocrypt_binary_new_from_data(const_cast<uint8_t*>(bson_get_data(doc)), doc->len);
}

BsonDoc FromBinary(mongocrypt_binary_t* bin) {
  BsonDoc out;
  BsonDoc::FromBytes(mongocrypt_binary_data(bin), mongocrypt_binary_len(bin), &out);
  return out;
}

std::string Status(mongocrypt_ctx_t* ctx) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = mongocrypt_status_message(status, nullptr);
  mongocrypt_status_destroy(status);
  return message;
}

// Every binary subtype-4 value in `doc` (the key ids of a key-vault filter).
void CollectUuids(const bson_t* doc, std::vector<std::string>* out) {
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    if (BSON_ITER_HOLDS_BINARY(&it)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_UUID) out->emplace_back(reinterpret_cast<const char*>(data), len);
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_t child;
      IterChild(&it, &child);
      CollectUuids(&child, out);
    }
  }
}

std::string KeyId(const bson_t* key_doc) {
  bson_iter_t it;
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (!bson_iter_init_find(&it, key_doc, "_id") || !BSON_ITER_HOLDS_BINARY(&it)) return {};
  bson_iter_binary(&it, &subtype, &len, &data);
  return std::string(reinterpret_cast<const char*>(data), len);
}

// The key documents a folder may need: the shared ones and the folder's own key-doc.json.
std::vector<BsonDoc> KeyDocuments(const std::string& folder) {
  std::vector<BsonDoc> keys;
  for (const char* name : {"keys/12345678123498761234123456789012-local-document.json",
                           "keys/ABCDEFAB123498761234123456789012-local-document.json",
                           "keys/key-document-local.json"}) {
    keys.push_back(LoadJson(DataPath(name)));
  }
  if (std::filesystem::exists(DataPath(folder + "/key-doc.json"))) {
    keys.push_back(LoadJson(DataPath(folder + "/key-doc.json")));
  }
  return keys;
}

// The collection part of a command's namespace: "." + the value of its first key (inside explain).
std::string Namespace(const bson_t* cmd) {
  bson_iter_t it;
  bson_iter_init(&it, cmd);
  bson_iter_next(&it);
  if (std::string_view(bson_iter_key(&it)) == "explain") {
    bson_t inner;
    IterChild(&it, &inner);
    return Namespace(&inner);
  }
  return BSON_ITER_HOLDS_UTF8(&it) ? std::string(".") + bson_iter_utf8(&it, nullptr) : ".";
}

}  // namespace

std::string DataPath(const std::string& relative) {
  return std::string(QUERYSAFE_TEST_DATA_DIR) + "/libmongocrypt-markings/" + relative;
}

BsonDoc LoadJson(const std::string& path) {
  BsonDoc doc;
  bson_error_t error;
  const std::string text = ReadFile(path);
  EXPECT_TRUE(BsonDoc::FromJson(text, &doc, &error)) << path << ": " << error.message;
  return doc;
}

AutoEncryptRun RunAutoEncrypt(const std::string& folder, Analyzer analyzer,
                              const std::string& cmd_file) {
  AutoEncryptInput input;
  input.db = "db";
  input.command = LoadJson(DataPath(folder + "/" + cmd_file));
  for (const char* name : {"encrypted-field-map.json", "encrypted-field-config-map.json"}) {
    if (std::filesystem::exists(DataPath(folder + "/" + name))) {
      input.encrypted_fields_map = LoadJson(DataPath(folder + "/" + name));
    }
  }
  if (std::filesystem::exists(DataPath(folder + "/collinfo.json"))) {
    input.collinfo = LoadJson(DataPath(folder + "/collinfo.json"));
  }
  input.key_documents = KeyDocuments(folder);
  input.local_master_key.assign(96, 0);
  return RunAutoEncrypt(input, analyzer);
}

AutoEncryptRun RunAutoEncrypt(const AutoEncryptInput& input, Analyzer analyzer) {
  AutoEncryptRun run;
  mongocrypt_t* crypt = mongocrypt_new();
  std::vector<uint8_t> master = input.local_master_key;
  mongocrypt_binary_t* master_bin =
      mongocrypt_binary_new_from_data(master.data(), static_cast<uint32_t>(master.size()));
  mongocrypt_setopt_kms_provider_local(crypt, master_bin);
  mongocrypt_binary_destroy(master_bin);
  if (!input.encrypted_fields_map.empty()) {
    mongocrypt_binary_t* bin = View(input.encrypted_fields_map.get());
    mongocrypt_setopt_encrypted_field_config_map(crypt, bin);
    mongocrypt_binary_destroy(bin);
  }
  if (analyzer == Analyzer::kCryptShared) {
    mongocrypt_setopt_set_crypt_shared_lib_path_override(crypt, QUERYSAFE_CRYPT_V1_PATH);
  }
  if (!mongocrypt_init(crypt)) {
    mongocrypt_status_t* status = mongocrypt_status_new();
    mongocrypt_status(crypt, status);
    run.error = std::string("mongocrypt_init: ") + mongocrypt_status_message(status, nullptr);
    mongocrypt_status_destroy(status);
    mongocrypt_destroy(crypt);
    return run;
  }
  if (const char* v = mongocrypt_crypt_shared_lib_version_string(crypt, nullptr)) {
    run.crypt_shared_version = v;
  }
  const std::string ns = input.db + Namespace(input.command.get());
  mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt);
  mongocrypt_binary_t* cmd_bin = View(input.command.get());
  bool ok = mongocrypt_ctx_encrypt_init(ctx, input.db.c_str(), -1, cmd_bin);
  mongocrypt_binary_destroy(cmd_bin);
  while (ok) {
    const mongocrypt_ctx_state_t state = mongocrypt_ctx_state(ctx);
    if (state == MONGOCRYPT_CTX_NEED_MONGO_COLLINFO) {
      mongocrypt_binary_t* op = mongocrypt_binary_new();
      ok = mongocrypt_ctx_mongo_op(ctx, op);
      run.collinfo_filter = FromBinary(op);
      mongocrypt_binary_destroy(op);
      if (ok && !input.collinfo.empty()) {
        mongocrypt_binary_t* bin = View(input.collinfo.get());
        ok = mongocrypt_ctx_mongo_feed(ctx, bin);
        mongocrypt_binary_destroy(bin);
      }
      ok = ok && mongocrypt_ctx_mongo_done(ctx);
    } else if (state == MONGOCRYPT_CTX_NEED_MONGO_MARKINGS) {
      mongocrypt_binary_t* op = mongocrypt_binary_new();
      ok = mongocrypt_ctx_mongo_op(ctx, op);
      run.markings_request = FromBinary(op);
      mongocrypt_binary_destroy(op);
      if (!ok) break;
      if (bson_has_field(run.markings_request.get(), "isMaster")) {
        // libmongocrypt first asks mongocryptd's wire version (for create and collMod); answer
        // as mongocryptd 8.0 would.
        BsonDoc hello;
        BSON_APPEND_INT32(hello.get(), "maxWireVersion", 25);
        BSON_APPEND_DOUBLE(hello.get(), "ok", 1.0);
        mongocrypt_binary_t* bin = View(hello.get());
        ok = mongocrypt_ctx_mongo_feed(ctx, bin) && mongocrypt_ctx_mongo_done(ctx);
        mongocrypt_binary_destroy(bin);
        continue;
      }
      mql::CommandAnalysis analysis =
          mql::AnalyzeCommand(run.markings_request.data(), run.markings_request.size(), ns);
      if (!analysis.diagnostics.empty()) {
        run.error = "analysis: " + analysis.diagnostics.front().message;
        mongocrypt_ctx_destroy(ctx);
        mongocrypt_destroy(crypt);
        return run;
      }
      run.reply = analysis.reply;
      mongocrypt_binary_t* bin = View(run.reply.get());
      ok = mongocrypt_ctx_mongo_feed(ctx, bin);
      mongocrypt_binary_destroy(bin);
      ok = ok && mongocrypt_ctx_mongo_done(ctx);
    } else if (state == MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
      mongocrypt_binary_t* op = mongocrypt_binary_new();
      ok = mongocrypt_ctx_mongo_op(ctx, op);
      BsonDoc filter = FromBinary(op);
      mongocrypt_binary_destroy(op);
      if (run.key_filter.empty()) run.key_filter = filter;
      std::vector<std::string> wanted;
      CollectUuids(filter.get(), &wanted);
      for (const BsonDoc& key : input.key_documents) {
        if (!ok) break;
        if (std::find(wanted.begin(), wanted.end(), KeyId(key.get())) == wanted.end()) continue;
        mongocrypt_binary_t* bin = View(key.get());
        ok = mongocrypt_ctx_mongo_feed(ctx, bin);
        mongocrypt_binary_destroy(bin);
      }
      ok = ok && mongocrypt_ctx_mongo_done(ctx);
    } else if (state == MONGOCRYPT_CTX_READY) {
      mongocrypt_binary_t* out = mongocrypt_binary_new();
      ok = mongocrypt_ctx_finalize(ctx, out);
      if (ok) run.final_command = FromBinary(out);
      mongocrypt_binary_destroy(out);
      run.ok = ok;
      break;
    } else if (state == MONGOCRYPT_CTX_DONE) {
      run.ok = true;
      break;
    } else {
      ok = false;
    }
  }
  if (!run.ok && run.error.empty()) run.error = Status(ctx);
  mongocrypt_ctx_destroy(ctx);
  mongocrypt_destroy(crypt);
  return run;
}

}  // namespace querysafe::testing
