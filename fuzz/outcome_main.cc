// fuzz_outcome TARGET FILE...: prints what each stage of a fuzz target did with each input (the
// outcome summary of targets.h), to triage a reproducer and to write the `.expected` file of a
// regression case (fuzz/README.md).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/targets.h"

int main(int argc, char** argv) {
  querysafe::fuzzing::TargetFunction target =
      argc > 2 ? querysafe::fuzzing::FindTarget(argv[1]) : nullptr;
  if (target == nullptr) {
    std::fprintf(stderr, "usage: %s parse|pipeline|schema FILE...\n", argv[0]);
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
      return 2;
    }
    std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string outcome;
    target(input, &outcome);
    if (argc > 3) std::printf("== %s\n", argv[i]);
    std::fputs(outcome.c_str(), stdout);
  }
  return 0;
}
