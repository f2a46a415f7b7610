// Parsing the anchor queries (text to AST, no analysis): nanoseconds per parse
// and heap allocations per parse. The AST goes into one Arena reused across
// iterations (Reset()), as an ORM keeping an arena per thread would do.
//
// On a shared machine, read the `_min` rows (--benchmark_repetitions=N): the
// mean carries the other processes' noise.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "bench/alloc_counter.h"
#include "grammar/parse_syntax.h"
#include "lib/common/arena.h"
#include "lib/parse/interpreter.h"
#include "lib/parse/parse.h"

namespace querysafe {
namespace {

constexpr std::string_view kSimple = R"(Patient.objects.filter(ssn="987-65-4320"))";
constexpr std::string_view kThreePredicate =
    R"(Patient.objects.filter(Q(ssn="987-65-4320") | Q(score__gte=5), patient_name__startswith="J").exclude(patient_id__in=[1, 2, 3]).order_by("-assessed_on")[:10])";

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void CountAllocations(benchmark::State& state, uint64_t before) {
  state.counters["allocs/parse"] =
      benchmark::Counter(static_cast<double>(bench::AllocationCount() - before) /
                         static_cast<double>(state.iterations()));
}

void ParseAnchor(benchmark::State& state, std::string_view text) {
  Arena arena;
  const ParseOptions options;
  if (ParseQuery(text, options, &arena).query == nullptr) {
    state.SkipWithError("the anchor query does not parse");
    return;
  }
  const uint64_t before = bench::AllocationCount();
  for (auto _ : state) {
    arena.Reset();
    ParseResult result = ParseQuery(text, options, &arena);
    benchmark::DoNotOptimize(result.query);
  }
  CountAllocations(state, before);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_ParseSimple(benchmark::State& state) { ParseAnchor(state, kSimple); }
void BM_ParseThreePredicate(benchmark::State& state) { ParseAnchor(state, kThreePredicate); }

// The two halves of ParseQuery on the larger anchor: the grammar (text to
// syntax tree) and the interpreter (syntax tree to AST).
void BM_ThreePredicateGrammarOnly(benchmark::State& state) {
  Arena arena;
  Diagnostics diagnostics;
  for (auto _ : state) {
    arena.Reset();
    benchmark::DoNotOptimize(
        grammar::ParseSyntax(kThreePredicate, grammar::Limits{}, &arena, &diagnostics));
  }
}

void BM_ThreePredicateInterpreterOnly(benchmark::State& state) {
  Arena syntax_arena;
  Diagnostics diagnostics;
  const grammar::syntax::Node* root =
      grammar::ParseSyntax(kThreePredicate, grammar::Limits{}, &syntax_arena, &diagnostics);
  Arena arena;
  const ParseOptions options;
  for (auto _ : state) {
    arena.Reset();
    parse_internal::Interpreter interpreter(kThreePredicate, options, &arena, &diagnostics);
    benchmark::DoNotOptimize(interpreter.TopLevel(root));
  }
}

// A builder call's key, the other entry point.
void BM_ParseLookupKey(benchmark::State& state) {
  Arena arena;
  const uint64_t before = bench::AllocationCount();
  for (auto _ : state) {
    arena.Reset();
    LookupKeyResult result = ParseLookupKey("patient_record__ssn__exact", &arena);
    benchmark::DoNotOptimize(result.parts.data());
  }
  CountAllocations(state, before);
}

BENCHMARK(BM_ParseSimple)->ComputeStatistics("min", Min);
BENCHMARK(BM_ParseThreePredicate)->ComputeStatistics("min", Min);
BENCHMARK(BM_ThreePredicateGrammarOnly)->ComputeStatistics("min", Min);
BENCHMARK(BM_ThreePredicateInterpreterOnly)->ComputeStatistics("min", Min);
BENCHMARK(BM_ParseLookupKey)->ComputeStatistics("min", Min);

}  // namespace
}  // namespace querysafe
