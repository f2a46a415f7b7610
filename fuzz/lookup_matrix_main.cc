// lookup_matrix: runs every case of LookupMatrix() (lookup_matrix.h) through the pipeline target
// and prints, per right-hand-side kind, how many cases compiled. A broken invariant aborts (the
// target's checks); under the fuzz preset, so does any memory error or undefined behaviour. -v
// prints each case before it runs, so that the last line before a crash names it.
//
//   build/default/fuzz/lookup_matrix [-v]   ctest: LookupMatrix.every_lookup_rhs_field_class
//   build/fuzz/fuzz/lookup_matrix           ASan + UBSan: .ci/run
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/lookup_matrix.h"
#include "fuzz/targets.h"

int main(int argc, char** argv) {
  using querysafe::fuzzing::LookupMatrix;
  using querysafe::fuzzing::MatrixRhsKinds;
  const bool verbose = argc > 1 && std::string_view(argv[1]) == "-v";
  const std::vector<std::string>& kinds = MatrixRhsKinds();
  std::vector<size_t> compiled(kinds.size()), total(kinds.size());
  const std::vector<querysafe::fuzzing::MatrixCase> cases = LookupMatrix();
  for (const querysafe::fuzzing::MatrixCase& c : cases) {
    if (verbose) std::fprintf(stderr, "%s\n", c.input.c_str());
    std::string outcome;
    querysafe::fuzzing::RunPipeline(c.input, &outcome);
    ++total[c.rhs_kind];
    if (outcome.find(": compile ok") != std::string::npos) ++compiled[c.rhs_kind];
  }
  std::printf("lookup_matrix: %zu cases, each a command or diagnostics\n", cases.size());
  bool ok = true;
  for (size_t i = 0; i < kinds.size(); ++i) {
    std::printf("  %-22s %5zu compiled of %5zu\n", kinds[i].c_str(), compiled[i], total[i]);
    // Every kind but F() of an encrypted field (always refused) reaches lowering somewhere;
    // one that never does would make the matrix pass without testing anything.
    if (compiled[i] == 0 && kinds[i] != R"(F("e_char"))") {
      std::printf("lookup_matrix: no case with right-hand side %s compiled\n", kinds[i].c_str());
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
