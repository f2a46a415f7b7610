// Text in, finished MQL command out: the number the performance goal is about (at least 100x
// faster than Django's QuerySet-to-SQL compile of the same query; see ./dev bench --anchor).
// Also each stage on its own (analyze, lower), the prepared path (compile once, translate per
// call, as an ORM with a statement cache would), encrypted queries on the seed schemas, and
// scaling over threads sharing one schema. Allocations per operation are reported as a counter.
//
// Reading the threads:2 rows: with Debian's Google Benchmark (1.9.1) the Time column is each
// thread's wall time per translation, so it stays where threads:1 is when two threads scale
// perfectly; the throughput of 2 threads over 1 is 2 x Time(threads:1) / Time(threads:2).
// (Checked with a spin loop of no shared state: threads:2 printed the threads:1 time while the
// process used twice the CPU time of its wall time.)
//
//   ./dev bench --benchmark_filter=Translate

#include <benchmark/benchmark.h>
#include <bson/bson.h>

#include <fstream>
#include <sstream>
#include <string>

#include "bench/alloc_counter.h"
#include "lib/analyze/analyze.h"
#include "lib/analyze/params.h"
#include "lib/common/arena.h"
#include "lib/lower/lower.h"
#include "lib/parse/parse.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe {
namespace {

constexpr char kSimple[] = R"(Patient.objects.filter(ssn="987-65-4320"))";
constexpr char kThreePredicate[] =
    R"(Patient.objects.filter(Q(ssn="987-65-4320") | Q(score__gte=5), )"
    R"(patient_name__startswith="J").exclude(patient_id__in=[1, 2, 3]))"
    R"(.order_by("-assessed_on")[:10])";

const Schema& SchemaNamed(const char* name) {
  static auto* schemas = new std::map<std::string, Schema>();
  auto it = schemas->find(name);
  if (it == schemas->end()) {
    std::ifstream in(std::string(QUERYSAFE_BENCH_DATA_DIR) + "/conformance/schemas/" + name +
                     ".json");
    std::stringstream ss;
    ss << in.rdbuf();
    SchemaResult r = Schema::FromJson(ss.str());
    if (!r.ok()) std::abort();
    it = schemas->emplace(name, *r.schema).first;
  }
  return it->second;
}

// Reports allocations per iteration next to the time.
class AllocationMeter {
 public:
  explicit AllocationMeter(benchmark::State& state)
      : state_(state), start_(bench::AllocationCount()) {}
  ~AllocationMeter() {
    state_.counters["allocs"] = benchmark::Counter(
        static_cast<double>(bench::AllocationCount() - start_), benchmark::Counter::kAvgIterations);
  }

 private:
  benchmark::State& state_;
  uint64_t start_;
};

// Text in, command out, in one call (querysafe::Translate): the anchor comparison.
void BM_TranslateOnce(benchmark::State& state, const char* schema, const char* text) {
  const Schema& s = SchemaNamed(schema);
  AllocationMeter meter(state);
  for (auto _ : state) {
    TranslateResult t = Translate(s, text);
    benchmark::DoNotOptimize(t.translation->command());
  }
}
BENCHMARK_CAPTURE(BM_TranslateOnce, anchor_simple, "anchor", kSimple)
    ->ThreadRange(1, 2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TranslateOnce, anchor_three_predicate, "anchor", kThreePredicate)
    ->ThreadRange(1, 2)
    ->UseRealTime();

// The whole path through a compiled query: Query::Compile + Translate.
void BM_Translate(benchmark::State& state, const char* schema, const char* text) {
  const Schema& s = SchemaNamed(schema);
  AllocationMeter meter(state);
  for (auto _ : state) {
    CompileResult compiled = Query::Compile(s, text);
    TranslateResult t = compiled.query->Translate();
    benchmark::DoNotOptimize(t.translation->command());
  }
}
BENCHMARK_CAPTURE(BM_Translate, anchor_simple, "anchor", kSimple)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK_CAPTURE(BM_Translate, anchor_three_predicate, "anchor", kThreePredicate)
    ->ThreadRange(1, 2)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Translate, medical_get_by_ssn, "medical",
                  R"(Patient.objects.get(patient_record__ssn="987-65-4320"))");
BENCHMARK_CAPTURE(BM_Translate, qe_matrix_two_sided_range, "qe_matrix",
                  "IntegerModel.objects.filter(value__gte=5, value__lt=50)");

// The pipeline's stages over one arena that is reset between iterations, the way a caller that
// keeps an Arena per thread would run it: what the library itself costs, without the handles.
void BM_TranslateReusedArena(benchmark::State& state, const char* schema, const char* text) {
  const schema::Schema& s = SchemaNamed(schema).impl();
  analyze::AnalyzeOptions options;
  Arena arena;
  lower::Command command;
  bound::Bindings bindings;
  AllocationMeter meter(state);
  for (auto _ : state) {
    arena.Reset();
    ParseResult parsed = ParseQuery(text, ParseOptions(), &arena);
    analyze::AnalyzeResult analyzed = analyze::Analyze(*parsed.query, s, options, &arena);
    lower::Lower(*analyzed.query, bindings, &command);
    benchmark::DoNotOptimize(command.body.get());
  }
}
BENCHMARK_CAPTURE(BM_TranslateReusedArena, anchor_simple, "anchor", kSimple);
BENCHMARK_CAPTURE(BM_TranslateReusedArena, anchor_three_predicate, "anchor", kThreePredicate);

void BM_Analyze(benchmark::State& state, const char* schema, const char* text) {
  const schema::Schema& s = SchemaNamed(schema).impl();
  Arena parse_arena;
  ParseResult parsed = ParseQuery(text, ParseOptions(), &parse_arena);
  analyze::AnalyzeOptions options;
  Arena arena;
  AllocationMeter meter(state);
  for (auto _ : state) {
    arena.Reset();
    analyze::AnalyzeResult analyzed = analyze::Analyze(*parsed.query, s, options, &arena);
    benchmark::DoNotOptimize(analyzed.query);
  }
}
BENCHMARK_CAPTURE(BM_Analyze, anchor_simple, "anchor", kSimple);
BENCHMARK_CAPTURE(BM_Analyze, anchor_three_predicate, "anchor", kThreePredicate);

void BM_Lower(benchmark::State& state, const char* schema, const char* text) {
  const schema::Schema& s = SchemaNamed(schema).impl();
  Arena arena;
  ParseResult parsed = ParseQuery(text, ParseOptions(), &arena);
  analyze::AnalyzeOptions options;
  analyze::AnalyzeResult analyzed = analyze::Analyze(*parsed.query, s, options, &arena);
  bound::Bindings bindings;
  lower::Command command;
  AllocationMeter meter(state);
  for (auto _ : state) {
    lower::Lower(*analyzed.query, bindings, &command);
    benchmark::DoNotOptimize(command.body.get());
  }
}
BENCHMARK_CAPTURE(BM_Lower, anchor_simple, "anchor", kSimple);
BENCHMARK_CAPTURE(BM_Lower, anchor_three_predicate, "anchor", kThreePredicate);

// Prepared: compiled once, bound and lowered per call.
void BM_TranslatePrepared(benchmark::State& state) {
  CompileResult compiled = Query::Compile(SchemaNamed("medical"),
                                          "Patient.objects.filter(patient_record__ssn=$ssn)[:10]");
  bson_t* params = BCON_NEW("ssn", BCON_UTF8("987-65-4320"));
  AllocationMeter meter(state);
  for (auto _ : state) {
    TranslateResult t = compiled.query->Translate(*params);
    benchmark::DoNotOptimize(t.translation->command());
  }
  bson_destroy(params);
}
BENCHMARK(BM_TranslatePrepared)->ThreadRange(1, 2)->UseRealTime();

}  // namespace
}  // namespace querysafe
