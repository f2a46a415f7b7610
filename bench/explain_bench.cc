// Explain through the public API (querysafe/crypt.h): a translation's placeholders replaced by
// QE payloads, against raw libmongocrypt explicit encryption of the same value with the same key
// and options (raw_crypt.h). The goal: Explain's overhead over raw encryption under 10%.
//
//   BM_ExplainPaired     Encryptor::Explain(translation), the translation made once (an ORM
//                        with a statement cache), paired with raw encryption in every iteration
//   BM_TextToSentPaired  text in, command as it would be sent out (Translate + Explain), paired
//   BM_Explain           Explain alone, 1 and 2 threads sharing one Encryptor
//
//   ./dev bench --benchmark_filter=Explain
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "bench/raw_crypt.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {
namespace {

std::string ReadData(const std::string& relative) {
  std::ifstream in(std::string(QUERYSAFE_BENCH_DATA_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ExplainCase {
  const char* schema;  // under tests/data/spec-qe/schemas/
  const char* text;
  bool range;
};

constexpr ExplainCase kEquality = {
    "indexed.json", R"(Default.objects.filter(encryptedIndexed="987-65-4320"))", false};
constexpr ExplainCase kRange = {"range_int.json", R"(Default.objects.filter(encryptedInt__gt=0))",
                                true};

// What the translation's placeholder asks libmongocrypt for, set by hand.
bench::RawRequest RawFor(const ExplainCase& c) {
  bench::RawRequest raw;
  raw.contention = 0;
  if (c.range) {
    raw.algorithm = "Range";
    raw.query_type = "range";
    bson_append_int32(raw.range_options.get(), "min", 3, 0);
    bson_append_int32(raw.range_options.get(), "max", 3, 200);
    bson_append_int64(raw.range_options.get(), "sparsity", 8, 1);
    bson_append_int32(raw.range_options.get(), "trimFactor", 10, 1);
    raw.expression = true;
    bson_t* message = BCON_NEW("v", "{", "$and", "[", "{", "encryptedInt", "{", "$gt",
                               BCON_INT32(0), "}", "}", "]", "}");
    BsonDoc::FromBytes(bson_get_data(message), message->len, &raw.message);
    bson_destroy(message);
  } else {
    AppendUtf8(raw.message.get(), "v", "987-65-4320");
  }
  return raw;
}

[[noreturn]] void Die(const Diagnostics& diagnostics) {
  std::fprintf(stderr, "%s\n", FormatDiagnostics(diagnostics, "", "explain_bench").c_str());
  std::abort();
}

struct Fixture {
  Schema schema;
  Encryptor encryptor;
  Translation translation;
};

Fixture Make(const ExplainCase& c) {
  SchemaResult s = Schema::FromJson(ReadData(std::string("spec-qe/schemas/") + c.schema));
  EncryptorResult e = Encryptor::OpenOfflineFromText(
      ReadData("spec-qe/keys/key1.json"),
      "@" + std::string(QUERYSAFE_BENCH_DATA_DIR) + "/spec-qe/keys/local-master.key");
  if (!s.ok() || !e.ok()) Die(s.ok() ? e.diagnostics : s.diagnostics);
  CompileOptions options;
  options.require_encryptable = true;
  TranslateResult t = Translate(*s.schema, c.text, options);
  if (!t.ok()) Die(t.diagnostics);
  if (t.translation->encryption_count() != 1) std::abort();
  return Fixture{*s.schema, *e.encryptor, *t.translation};
}

size_t ExplainSize(const Fixture& f, const Translation& t) {
  TranslateResult sent = f.encryptor.Explain(t);
  if (!sent.ok()) Die(sent.diagnostics);
  return sent.translation->command()->len;
}

void BM_ExplainPaired(benchmark::State& state, const ExplainCase* c) {
  const Fixture f = Make(*c);
  bench::RawLibmongocrypt raw;
  const bench::RawRequest request = RawFor(*c);
  bench::RunPaired(
      state, [&] { benchmark::DoNotOptimize(raw.Encrypt(request)); },
      [&] { benchmark::DoNotOptimize(ExplainSize(f, f.translation)); });
}
BENCHMARK_CAPTURE(BM_ExplainPaired, equality, &kEquality);
BENCHMARK_CAPTURE(BM_ExplainPaired, range, &kRange);

void BM_TextToSentPaired(benchmark::State& state, const ExplainCase* c) {
  const Fixture f = Make(*c);
  bench::RawLibmongocrypt raw;
  const bench::RawRequest request = RawFor(*c);
  CompileOptions options;
  options.require_encryptable = true;
  bench::RunPaired(
      state, [&] { benchmark::DoNotOptimize(raw.Encrypt(request)); },
      [&] {
        TranslateResult t = Translate(f.schema, c->text, options);
        benchmark::DoNotOptimize(ExplainSize(f, *t.translation));
      });
}
BENCHMARK_CAPTURE(BM_TextToSentPaired, equality, &kEquality);
BENCHMARK_CAPTURE(BM_TextToSentPaired, range, &kRange);

void BM_Explain(benchmark::State& state, const ExplainCase* c) {
  static const Fixture* shared = nullptr;
  if (state.thread_index() == 0) shared = new Fixture(Make(*c));
  // Every thread waits for thread 0's setup at the start of the measured loop.
  for (auto _ : state) benchmark::DoNotOptimize(ExplainSize(*shared, shared->translation));
  if (state.thread_index() == 0) {
    delete shared;
    shared = nullptr;
  }
}
BENCHMARK_CAPTURE(BM_Explain, equality, &kEquality)->ThreadRange(1, 2)->UseRealTime();

}  // namespace
}  // namespace querysafe
