// The `crypt_shared` target: arbitrary bytes as the command libmongocrypt hands to
// mongo_crypt_v1_analyze_query (lib/crypt_shared), through the ABI itself. An input that is a
// BSON document is analysed as it is and, when it has no encryptionInformation, again with a
// fixed one (equality, range and unindexed fields, one below a sub-document), so that mutations of
// plain commands reach the marking code. Checks: a reply xor a status error with an
// explanation; a reply is a document with the envelope libmongocrypt reads
// (schemaRequiresEncryption, hasEncryptionPlaceholders, result); hasEncryptionPlaceholders is
// true exactly when `result` holds a placeholder, and each placeholder is subtype 6, first byte
// 3, with the fields libmongocrypt requires (t, a, ki, ku, v, cm).
#include <cstring>
#include <format>
#include <string>

#include "fuzz/fuzz_check.h"
#include "fuzz/targets.h"
#include "lib/common/bson_util.h"
#include "lib/crypt_shared/mongo_crypt_v1.h"

namespace querysafe::fuzzing {
namespace {

constexpr const char* kInformation = R"({"type": 1, "schema": {"db.c": {"fields": [
  {"keyId": {"$binary": {"base64": "EREREREREREREREREREREQ==", "subType": "04"}},
   "path": "ssn", "bsonType": "string", "queries": {"queryType": "equality"}},
  {"keyId": {"$binary": {"base64": "IiIiIiIiIiIiIiIiIiIiIg==", "subType": "04"}},
   "path": "age", "bsonType": "int", "queries": {"queryType": "range", "min": 0, "max": 200}},
  {"keyId": {"$binary": {"base64": "MzMzMzMzMzMzMzMzMzMzMw==", "subType": "04"}},
   "path": "a.b", "bsonType": "long", "queries": {"queryType": "range"}},
  {"keyId": {"$binary": {"base64": "RERERERERERERERERERERA==", "subType": "04"}},
   "path": "note", "bsonType": "string"}]}}})";

int CountPlaceholders(const bson_t* doc) {
  int count = 0;
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return 0;
  while (bson_iter_next(&it)) {
    if (BSON_ITER_HOLDS_BINARY(&it)) {
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&it, &subtype, &len, &data);
      if (subtype != BSON_SUBTYPE_ENCRYPTED || len == 0 || data[0] != 3) continue;
      bson_t placeholder;
      QUERYSAFE_FUZZ_CHECK(bson_init_static(&placeholder, data + 1, len - 1),
                           "placeholder is not a document");
      for (const char* key : {"t", "a", "ki", "ku", "v", "cm"}) {
        QUERYSAFE_FUZZ_CHECK(bson_has_field(&placeholder, key),
                             std::format("placeholder without '{}'", key));
      }
      ++count;
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_t child;
      if (IterChild(&it, &child)) count += CountPlaceholders(&child);
    }
  }
  return count;
}

void AnalyzeOne(mongo_crypt_v1_query_analyzer* qa, const bson_t* cmd, std::string* outcome) {
  mongo_crypt_v1_status* status = mongo_crypt_v1_status_create();
  uint32_t len = 0;
  uint8_t* reply = mongo_crypt_v1_analyze_query(qa, bson_get_data(cmd), "db.c", 4, &len, status);
  const int error = mongo_crypt_v1_status_get_error(status);
  if (reply == nullptr) {
    QUERYSAFE_FUZZ_CHECK(error != 0, "no reply and no error");
    QUERYSAFE_FUZZ_CHECK(std::strlen(mongo_crypt_v1_status_get_explanation(status)) > 0,
                         "error without text");
    if (outcome != nullptr) {
      *outcome += std::format("analyze: error code {}\n", mongo_crypt_v1_status_get_code(status));
    }
  } else {
    QUERYSAFE_FUZZ_CHECK(error == 0, "a reply with an error");
    bson_t doc;
    QUERYSAFE_FUZZ_CHECK(
        bson_init_static(&doc, reply, len) && bson_validate(&doc, BSON_VALIDATE_NONE, nullptr),
        "the reply is not BSON");
    bson_iter_t it;
    QUERYSAFE_FUZZ_CHECK(bson_iter_init_find(&it, &doc, "schemaRequiresEncryption"),
                         "no schemaRequiresEncryption");
    QUERYSAFE_FUZZ_CHECK(bson_iter_init_find(&it, &doc, "hasEncryptionPlaceholders"),
                         "no hasEncryptionPlaceholders");
    const bool has = bson_iter_as_bool(&it);
    bson_t result;
    QUERYSAFE_FUZZ_CHECK(bson_iter_init_find(&it, &doc, "result") && IterChild(&it, &result),
                         "no result");
    const int placeholders = CountPlaceholders(&result);
    QUERYSAFE_FUZZ_CHECK(has == (placeholders > 0),
                         "hasEncryptionPlaceholders disagrees with the result");
    if (outcome != nullptr) *outcome += std::format("analyze: {} placeholders\n", placeholders);
    mongo_crypt_v1_bson_free(reply);
  }
  mongo_crypt_v1_status_destroy(status);
}

}  // namespace

void RunCryptShared(std::string_view input, std::string* outcome) {
  // The ABI takes a document whose length is its first four bytes; only such inputs are fed.
  if (input.size() < 5) return;
  int32_t declared = 0;
  std::memcpy(&declared, input.data(), 4);
  if (declared != static_cast<int32_t>(input.size())) return;
  static mongo_crypt_v1_lib* lib = mongo_crypt_v1_lib_create(nullptr);
  static mongo_crypt_v1_query_analyzer* qa = mongo_crypt_v1_query_analyzer_create(lib, nullptr);
  BsonDoc cmd;
  if (!BsonDoc::FromBytes(reinterpret_cast<const uint8_t*>(input.data()), input.size(), &cmd)) {
    // Not a document: the analyzer must still answer with an error (bytes copied to the heap,
    // so ASan sees any read past them).
    std::string copy(input);
    mongo_crypt_v1_status* status = mongo_crypt_v1_status_create();
    uint32_t len = 0;
    QUERYSAFE_FUZZ_CHECK(
        mongo_crypt_v1_analyze_query(qa, reinterpret_cast<const uint8_t*>(copy.data()), "db.c", 4,
                                     &len, status) == nullptr,
        "a reply to bytes that are not BSON");
    mongo_crypt_v1_status_destroy(status);
    if (outcome != nullptr) *outcome += "analyze: not BSON\n";
    return;
  }
  AnalyzeOne(qa, cmd.get(), outcome);
  if (bson_has_field(cmd.get(), "encryptionInformation")) return;
  BsonDoc info;
  bson_error_t error;
  QUERYSAFE_FUZZ_CHECK(BsonDoc::FromJson(kInformation, &info, &error),
                       "the fixed encryptionInformation");
  BsonDoc with_info(cmd.get());
  BSON_APPEND_DOCUMENT(with_info.get(), "encryptionInformation", info.get());
  AnalyzeOne(qa, with_info.get(), outcome);
}

}  // namespace querysafe::fuzzing
