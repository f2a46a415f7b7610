#include "bench/raw_crypt.h"

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace querysafe::bench {
namespace {

std::vector<uint8_t> Binary(const bson_t* doc, const char* dotted) {
  bson_iter_t iter, target;
  bson_subtype_t subtype;
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (!bson_iter_init(&iter, doc) || !bson_iter_find_descendant(&iter, dotted, &target) ||
      !BSON_ITER_HOLDS_BINARY(&target)) {
    return {};
  }
  bson_iter_binary(&target, &subtype, &len, &data);
  return {data, data + len};
}

mongocrypt_binary_t* View(const BsonDoc& doc) {
  return mongocrypt_binary_new_from_data(const_cast<uint8_t*>(doc.data()), doc.size());
}

}  // namespace

const SpecKeys& Keys() {
  static const SpecKeys* keys = [] {
    auto* k = new SpecKeys;
    std::ifstream in(std::string(QUERYSAFE_BENCH_DATA_DIR) +
                     "/spec-qe/fle2v2-Rangev2-Int-InsertFind.json");
    std::stringstream ss;
    ss << in.rdbuf();
    bson_error_t error;
    if (!BsonDoc::FromJson(ss.str(), &k->spec, &error)) std::abort();
    bson_iter_t iter, target;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_init(&iter, k->spec.get());
    if (!bson_iter_find_descendant(&iter, "key_vault_data.0", &target)) std::abort();
    bson_iter_document(&target, &len, &data);
    BsonDoc::FromBytes(data, len, &k->key_document);
    k->master_key =
        Binary(k->spec.get(), "tests.0.clientOptions.autoEncryptOpts.kmsProviders.local.key");
    std::vector<uint8_t> id = Binary(k->key_document.get(), "_id");
    if (id.size() != k->key_id.size()) std::abort();
    std::copy(id.begin(), id.end(), k->key_id.begin());
    return k;
  }();
  return *keys;
}

RawLibmongocrypt::RawLibmongocrypt() : crypt_(mongocrypt_new()) {
  const SpecKeys& keys = Keys();
  mongocrypt_binary_t* kek = mongocrypt_binary_new_from_data(
      const_cast<uint8_t*>(keys.master_key.data()), static_cast<uint32_t>(keys.master_key.size()));
  mongocrypt_setopt_kms_provider_local(crypt_, kek);
  mongocrypt_binary_destroy(kek);
  mongocrypt_setopt_bypass_query_analysis(crypt_);
  if (!mongocrypt_init(crypt_)) std::abort();
}

RawLibmongocrypt::~RawLibmongocrypt() { mongocrypt_destroy(crypt_); }

size_t RawLibmongocrypt::Encrypt(const RawRequest& request) {
  const SpecKeys& keys = Keys();
  mongocrypt_ctx_t* ctx = mongocrypt_ctx_new(crypt_);
  mongocrypt_binary_t* id = mongocrypt_binary_new_from_data(
      const_cast<uint8_t*>(keys.key_id.data()), static_cast<uint32_t>(keys.key_id.size()));
  mongocrypt_ctx_setopt_key_id(ctx, id);
  mongocrypt_binary_destroy(id);
  mongocrypt_ctx_setopt_algorithm(ctx, request.algorithm, -1);
  mongocrypt_ctx_setopt_query_type(ctx, request.query_type, -1);
  mongocrypt_ctx_setopt_contention_factor(ctx, request.contention);
  if (!bson_empty(request.range_options.get())) {
    mongocrypt_binary_t* opts = View(request.range_options);
    mongocrypt_ctx_setopt_algorithm_range(ctx, opts);
    mongocrypt_binary_destroy(opts);
  }
  mongocrypt_binary_t* msg = View(request.message);
  bool ok = request.expression ? mongocrypt_ctx_explicit_encrypt_expression_init(ctx, msg)
                               : mongocrypt_ctx_explicit_encrypt_init(ctx, msg);
  mongocrypt_binary_destroy(msg);
  size_t result = 0;
  while (ok) {
    const mongocrypt_ctx_state_t state = mongocrypt_ctx_state(ctx);
    if (state == MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
      mongocrypt_binary_t* key = View(keys.key_document);
      ok = mongocrypt_ctx_mongo_feed(ctx, key) && mongocrypt_ctx_mongo_done(ctx);
      mongocrypt_binary_destroy(key);
    } else if (state == MONGOCRYPT_CTX_NEED_KMS) {
      ok = mongocrypt_ctx_kms_done(ctx);
    } else if (state == MONGOCRYPT_CTX_READY) {
      mongocrypt_binary_t* out = mongocrypt_binary_new();
      if (mongocrypt_ctx_finalize(ctx, out)) result = mongocrypt_binary_len(out);
      mongocrypt_binary_destroy(out);
      break;
    } else {
      ok = false;
    }
  }
  mongocrypt_ctx_destroy(ctx);
  if (result == 0) std::abort();
  return result;
}

int64_t ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace querysafe::bench
