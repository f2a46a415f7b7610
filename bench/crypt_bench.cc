// Encryption cost: querysafe's Encryptor (request checks, key resolution, libmongocrypt state
// machine, payload extraction and placeholder substitution into a small find command) against
// raw libmongocrypt explicit encryption of the same value with the same key and options, in the
// same process, for an equality find and a range find (the spec's int field, $gt 0).
//
// The *_Paired benchmarks time both in every iteration (raw_crypt.h: RunPaired); their counters
// give raw_ns, querysafe_ns and overhead_pct. Run: ./dev bench --benchmark_filter=Crypt
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "bench/raw_crypt.h"
#include "lib/crypt/encryptor.h"
#include "lib/crypt/key_vault_file.h"

namespace querysafe::crypt {
namespace {

using bench::Keys;

std::unique_ptr<Encryptor> MakeEncryptor() {
  const bench::SpecKeys& keys = Keys();
  EncryptorOptions options;
  options.kms_providers = *KmsProviders::Local(keys.master_key);
  options.key_source = *KeyVaultFile::Parse(ToCanonicalJson(keys.key_document.get()), "spec");
  return *Encryptor::Create(std::move(options));
}

BsonDoc RangeOptions() {
  BsonDoc options;
  bson_append_int32(options.get(), "min", 3, 0);
  bson_append_int32(options.get(), "max", 3, 200);
  bson_append_int64(options.get(), "sparsity", 8, 1);
  bson_append_int32(options.get(), "trimFactor", 10, 1);
  return options;
}

lower::EncryptionRequest EqualityRequest() {
  lower::EncryptionRequest request;
  request.id = 1;
  request.algorithm = lower::Algorithm::kIndexed;
  request.path = "patient_record.ssn";
  request.bson_type = schema::BsonType::kString;
  request.key.key_id = Keys().key_id;
  request.contention = 8;
  AppendUtf8(request.operands.get(), "v", "987-65-4320");
  return request;
}

lower::EncryptionRequest RangeRequest() {
  lower::EncryptionRequest request;
  request.id = 1;
  request.algorithm = lower::Algorithm::kRange;
  request.path = "encryptedInt";
  request.bson_type = schema::BsonType::kInt;
  request.key.key_id = Keys().key_id;
  request.contention = 0;
  request.range_options = RangeOptions();
  bson_append_int32(request.operands.get(), "lower", 5, 0);
  request.lower_operator = lower::RangeOperator::kGt;
  return request;
}

// The same values and options, as a driver's explicit encryption would set them.
bench::RawRequest RawFor(bool range) {
  bench::RawRequest raw;
  if (range) {
    raw.algorithm = "Range";
    raw.query_type = "range";
    raw.contention = 0;
    raw.range_options = RangeOptions();
    raw.expression = true;
    bson_t* message = BCON_NEW("v", "{", "$and", "[", "{", "encryptedInt", "{", "$gt",
                               BCON_INT32(0), "}", "}", "]", "}");
    BsonDoc::FromBytes(bson_get_data(message), message->len, &raw.message);
    bson_destroy(message);
  } else {
    raw.contention = 8;
    AppendUtf8(raw.message.get(), "v", "987-65-4320");
  }
  return raw;
}

BsonDoc FindCommand(bool range) {
  BsonDoc command;
  bson_error_t error;
  const char* json = range ? R"({"find": "default", "filter": {"$and": [{"encryptedInt": {"$gt":
                  {"$encrypt": {"id": 1, "role": "lower"}}}}]}, "limit": 10})"
                           : R"({"find": "patients", "filter": {"patient_record.ssn": {"$eq":
                  {"$encrypt": {"id": 1, "role": "value"}}}}, "limit": 10})";
  if (!BsonDoc::FromJson(json, &command, &error)) std::abort();
  return command;
}

size_t QuerysafeEncrypt(const Encryptor& encryptor, const bson_t* command,
                        const lower::EncryptionRequest& request) {
  absl::StatusOr<BsonDoc> finished = encryptor.FinishCommand(command, {&request, 1});
  if (!finished.ok()) std::abort();
  return finished->size();
}

void BM_CryptRaw(benchmark::State& state, bool range) {
  bench::RawLibmongocrypt raw;
  const bench::RawRequest request = RawFor(range);
  raw.Encrypt(request);  // warm the key cache
  for (auto _ : state) benchmark::DoNotOptimize(raw.Encrypt(request));
}

void BM_CryptQuerysafe(benchmark::State& state, bool range) {
  auto encryptor = MakeEncryptor();
  lower::EncryptionRequest request = range ? RangeRequest() : EqualityRequest();
  BsonDoc command = FindCommand(range);
  QuerysafeEncrypt(*encryptor, command.get(), request);  // warm the key cache
  for (auto _ : state) {
    benchmark::DoNotOptimize(QuerysafeEncrypt(*encryptor, command.get(), request));
  }
}

void BM_CryptPaired(benchmark::State& state, bool range) {
  bench::RawLibmongocrypt raw;
  const bench::RawRequest raw_request = RawFor(range);
  auto encryptor = MakeEncryptor();
  lower::EncryptionRequest request = range ? RangeRequest() : EqualityRequest();
  BsonDoc command = FindCommand(range);
  bench::RunPaired(
      state, [&] { benchmark::DoNotOptimize(raw.Encrypt(raw_request)); },
      [&] { benchmark::DoNotOptimize(QuerysafeEncrypt(*encryptor, command.get(), request)); });
}

BENCHMARK_CAPTURE(BM_CryptRaw, EqualityFind, false);
BENCHMARK_CAPTURE(BM_CryptQuerysafe, EqualityFind, false);
BENCHMARK_CAPTURE(BM_CryptPaired, EqualityFind, false);
BENCHMARK_CAPTURE(BM_CryptRaw, RangeFind, true);
BENCHMARK_CAPTURE(BM_CryptQuerysafe, RangeFind, true);
BENCHMARK_CAPTURE(BM_CryptPaired, RangeFind, true);

}  // namespace
}  // namespace querysafe::crypt
