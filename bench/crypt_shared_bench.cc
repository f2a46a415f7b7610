// libquerysafe_crypt_v1.so's share of automatic encryption: query analysis of a find with one
// equality and one range predicate through mongo_crypt_v1_analyze_query, against libmongocrypt's
// whole auto-encryption of that command (mongocrypt_ctx_encrypt_init to the finalized encrypted
// command) with the same library loaded as its crypt_shared. Both sides run in the same loop
// (raw_crypt.h: RunPaired); the counter analysis_pct is analysis time over auto-encryption time
// (goal: at most 5%). The auto-encryption side includes its own call of analyze_query, as a
// driver's does.
//
// The analysis input is the very command libmongocrypt hands its analyzer: taken once from a
// libmongocrypt context without crypt_shared (mongocrypt_ctx_mongo_op in NEED_MONGO_MARKINGS,
// what mongocryptd would receive; libmongocrypt gives crypt_shared the same document). The data
// key (the spec's, under its local master key) is fed from memory when libmongocrypt asks for it,
// then stays in its key cache, as in a driver. Run: ./dev bench --benchmark_filter=CryptShared
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/raw_crypt.h"
#include "lib/common/bson_array.h"
#include "lib/crypt_shared/mongo_crypt_v1.h"

namespace querysafe::bench {
namespace {

constexpr char kNamespace[] = "db.patients";

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "crypt_shared_bench: %s\n", what.c_str());
  std::abort();
}

std::string Status(mongocrypt_ctx_t* ctx) {
  mongocrypt_status_t* status = mongocrypt_status_new();
  mongocrypt_ctx_status(ctx, status);
  std::string message = mongocrypt_status_message(status, nullptr);
  mongocrypt_status_destroy(status);
  return message;
}

// Extended JSON to BSON; aborts on failure.
BsonDoc Json(const char* json) {
  BsonDoc doc;
  bson_error_t error;
  if (!BsonDoc::FromJson(json, &doc, &error)) Fail(error.message);
  return doc;
}

mongocrypt_binary_t* View(const bson_t* doc) {
  return mongocrypt_binary_new_from_data(const_cast<uint8_t*>(bson_get_data(doc)), doc->len);
}

// The range field's key: the spec's second data key (q83vqxI0mHYSNBI0VniQEg==, under the same
// local master key), since encryptedFields refuse one key for two fields.
const BsonDoc& RangeKey() {
  static const BsonDoc* key = [] {
    std::ifstream in(std::string(QUERYSAFE_BENCH_DATA_DIR) +
                     "/spec-qe/fle2v2-InsertFind-Unindexed.json");
    std::stringstream text;
    text << in.rdbuf();
    BsonDoc spec;
    bson_error_t error;
    if (!BsonDoc::FromJson(text.str(), &spec, &error)) Fail(error.message);
    bson_iter_t it, target;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    if (!bson_iter_init(&it, spec.get()) ||
        !bson_iter_find_descendant(&it, "key_vault_data.0", &target) ||
        !BSON_ITER_HOLDS_DOCUMENT(&target)) {
      Fail("no key in fle2v2-InsertFind-Unindexed.json");
    }
    bson_iter_document(&target, &len, &data);
    auto* doc = new BsonDoc;
    BsonDoc::FromBytes(data, len, doc);
    return doc;
  }();
  return *key;
}

// The _id of a key document.
bson_value_t KeyId(const bson_t* key) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, key, "_id") || !BSON_ITER_HOLDS_BINARY(&it)) Fail("key _id");
  return *bson_iter_value(&it);
}

// {"db.patients": {fields: [ssn: equality (contention 8, Django's default), encryptedInt: range
// (the spec's int field: [0, 200], sparsity 1, trimFactor 1)]}}.
BsonDoc FieldMap() {
  const bson_value_t ssn_key = KeyId(Keys().key_document.get());
  const bson_value_t range_key = KeyId(RangeKey().get());
  BsonDoc ssn = Json(R"({"path": "ssn", "bsonType": "string",
                         "queries": {"queryType": "equality", "contention": 8}})");
  BsonDoc count = Json(R"({"path": "encryptedInt", "bsonType": "int",
                           "queries": {"queryType": "range", "contention": 0, "sparsity": 1,
                                       "trimFactor": 1, "min": 0, "max": 200}})");
  BSON_APPEND_VALUE(ssn.get(), "keyId", &ssn_key);
  BSON_APPEND_VALUE(count.get(), "keyId", &range_key);
  BsonDoc efc, map;
  bson_t fields;
  AppendArrayBegin(efc.get(), "fields", -1, &fields);
  BSON_APPEND_DOCUMENT(&fields, "0", ssn.get());
  BSON_APPEND_DOCUMENT(&fields, "1", count.get());
  bson_append_array_end(efc.get(), &fields);
  BSON_APPEND_DOCUMENT(map.get(), kNamespace, efc.get());
  return map;
}

// The command an application sends.
BsonDoc Find() {
  return Json(R"({"find": "patients",
                  "filter": {"ssn": "901-55-7243", "encryptedInt": {"$gte": 30, "$lte": 150}}})");
}

// A mongocrypt_t with the spec's local master key and the field map; with `crypt_shared`, the
// library loaded as its analyzer.
mongocrypt_t* NewCrypt(bool crypt_shared) {
  mongocrypt_t* crypt = mongocrypt_new();
  const SpecKeys& keys = Keys();
  mongocrypt_binary_t* kek = mongocrypt_binary_new_from_data(
      const_cast<uint8_t*>(keys.master_key.data()), static_cast<uint32_t>(keys.master_key.size()));
  mongocrypt_setopt_kms_provider_local(crypt, kek);
  mongocrypt_binary_destroy(kek);
  BsonDoc map = FieldMap();
  mongocrypt_binary_t* map_bin = View(map.get());
  mongocrypt_setopt_encrypted_field_config_map(crypt, map_bin);
  mongocrypt_binary_destroy(map_bin);
  if (crypt_shared) {
    mongocrypt_setopt_set_crypt_shared_lib_path_override(crypt, QUERYSAFE_CRYPT_V1_PATH);
  }
  if (!mongocrypt_init(crypt)) Fail("mongocrypt_init");
  if (crypt_shared && mongocrypt_crypt_shared_lib_version_string(crypt, nullptr) == nullptr) {
    Fail("libmongocrypt did not load " QUERYSAFE_CRYPT_V1_PATH);
  }
  return crypt;
}

// The command libmongocrypt gives query analysis for Find().
BsonDoc AnalysisInput() {
  mongocrypt_t* crypt = NewCrypt(false);
  mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt);
  BsonDoc command = Find();
  mongocrypt_binary_t* cmd = View(command.get());
  if (!mongocrypt_ctx_encrypt_init(ctx, "db", -1, cmd)) Fail(Status(ctx));
  mongocrypt_binary_destroy(cmd);
  if (mongocrypt_ctx_state(ctx) != MONGOCRYPT_CTX_NEED_MONGO_MARKINGS) {
    Fail("libmongocrypt asked no markings");
  }
  mongocrypt_binary_t* op = mongocrypt_binary_new();
  if (!mongocrypt_ctx_mongo_op(ctx, op)) Fail(Status(ctx));
  BsonDoc input;
  BsonDoc::FromBytes(mongocrypt_binary_data(op), mongocrypt_binary_len(op), &input);
  mongocrypt_binary_destroy(op);
  mongocrypt_ctx_destroy(ctx);
  mongocrypt_destroy(crypt);
  return input;
}

// Whole auto-encryption of `command`; returns the encrypted command's length.
size_t AutoEncrypt(mongocrypt_t* crypt, const bson_t* command) {
  mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt);
  mongocrypt_binary_t* cmd = View(command);
  bool ok = mongocrypt_ctx_encrypt_init(ctx, "db", -1, cmd);
  mongocrypt_binary_destroy(cmd);
  size_t length = 0;
  while (ok) {
    switch (mongocrypt_ctx_state(ctx)) {
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS: {  // the key vault's answer: both keys
        for (const bson_t* doc : {Keys().key_document.get(), RangeKey().get()}) {
          mongocrypt_binary_t* key = View(doc);
          ok = ok && mongocrypt_ctx_mongo_feed(ctx, key);
          mongocrypt_binary_destroy(key);
        }
        ok = ok && mongocrypt_ctx_mongo_done(ctx);
        break;
      }
      case MONGOCRYPT_CTX_READY: {
        mongocrypt_binary_t* out = mongocrypt_binary_new();
        ok = mongocrypt_ctx_finalize(ctx, out);
        length = mongocrypt_binary_len(out);
        mongocrypt_binary_destroy(out);
        break;
      }
      case MONGOCRYPT_CTX_DONE:
        mongocrypt_ctx_destroy(ctx);
        return length;
      default:  // collinfo, markings, KMS: none is expected here
        Fail("unexpected state " + std::to_string(mongocrypt_ctx_state(ctx)));
    }
  }
  Fail(Status(ctx));
}

// The library's ABI, resolved from the built file as libmongocrypt resolves it.
struct Analyzer {
  Analyzer() {
    handle = dlopen(QUERYSAFE_CRYPT_V1_PATH, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) Fail(dlerror());
    Resolve("mongo_crypt_v1_status_create", &status_create);
    Resolve("mongo_crypt_v1_status_destroy", &status_destroy);
    Resolve("mongo_crypt_v1_status_get_explanation", &status_get_explanation);
    Resolve("mongo_crypt_v1_lib_create", &lib_create);
    Resolve("mongo_crypt_v1_lib_destroy", &lib_destroy);
    Resolve("mongo_crypt_v1_query_analyzer_create", &analyzer_create);
    Resolve("mongo_crypt_v1_query_analyzer_destroy", &analyzer_destroy);
    Resolve("mongo_crypt_v1_analyze_query", &analyze_query);
    Resolve("mongo_crypt_v1_bson_free", &bson_free);
    status = status_create();
    lib = lib_create(status);
    analyzer = analyzer_create(lib, status);
    if (analyzer == nullptr) Fail(status_get_explanation(status));
  }
  ~Analyzer() {
    analyzer_destroy(analyzer);
    lib_destroy(lib, status);
    status_destroy(status);
    dlclose(handle);
  }
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;

  template <typename F>
  void Resolve(const char* name, F* out) {
    *out = reinterpret_cast<F>(dlsym(handle, name));
    if (*out == nullptr) Fail(name);
  }

  // One analysis; returns the reply's length.
  uint32_t Analyze(const BsonDoc& input) const {
    uint32_t length = 0;
    uint8_t* reply =
        analyze_query(analyzer, input.data(), kNamespace, sizeof(kNamespace) - 1, &length, status);
    if (reply == nullptr) Fail(status_get_explanation(status));
    bson_free(reply);
    return length;
  }

  void* handle = nullptr;
  decltype(&mongo_crypt_v1_status_create) status_create = nullptr;
  decltype(&mongo_crypt_v1_status_destroy) status_destroy = nullptr;
  decltype(&mongo_crypt_v1_status_get_explanation) status_get_explanation = nullptr;
  decltype(&mongo_crypt_v1_lib_create) lib_create = nullptr;
  decltype(&mongo_crypt_v1_lib_destroy) lib_destroy = nullptr;
  decltype(&mongo_crypt_v1_query_analyzer_create) analyzer_create = nullptr;
  decltype(&mongo_crypt_v1_query_analyzer_destroy) analyzer_destroy = nullptr;
  decltype(&mongo_crypt_v1_analyze_query) analyze_query = nullptr;
  decltype(&mongo_crypt_v1_bson_free) bson_free = nullptr;
  mongo_crypt_v1_status* status = nullptr;
  mongo_crypt_v1_lib* lib = nullptr;
  mongo_crypt_v1_query_analyzer* analyzer = nullptr;
};

void BM_CryptSharedAnalyze(benchmark::State& state) {
  Analyzer analyzer;
  const BsonDoc input = AnalysisInput();
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.Analyze(input));
}

void BM_CryptSharedAutoEncrypt(benchmark::State& state) {
  mongocrypt_t* crypt = NewCrypt(true);
  const BsonDoc command = Find();
  for (auto _ : state) benchmark::DoNotOptimize(AutoEncrypt(crypt, command.get()));
  mongocrypt_destroy(crypt);
}

// raw_ns: libmongocrypt's auto-encryption; querysafe_ns: the analysis alone.
void BM_CryptSharedPaired(benchmark::State& state) {
  Analyzer analyzer;
  const BsonDoc input = AnalysisInput();
  mongocrypt_t* crypt = NewCrypt(true);
  const BsonDoc command = Find();
  RunPaired(
      state, [&] { benchmark::DoNotOptimize(AutoEncrypt(crypt, command.get())); },
      [&] { benchmark::DoNotOptimize(analyzer.Analyze(input)); });
  state.counters["analysis_pct"] =
      100.0 * state.counters["querysafe_ns"] / state.counters["raw_ns"];
  mongocrypt_destroy(crypt);
}

BENCHMARK(BM_CryptSharedAnalyze);
BENCHMARK(BM_CryptSharedAutoEncrypt);
BENCHMARK(BM_CryptSharedPaired);

}  // namespace
}  // namespace querysafe::bench
