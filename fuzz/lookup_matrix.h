// The cross product fuzzing does not reach by mutation (fuzz/README.md, "Why fuzzing missed
// F() patterns"): every lookup and transform name Django registers, on every field of a schema
// with every field class (tests/data/matrix/schemas/every.json, plain and encrypted), against
// every kind of right-hand side (literals of several types, a parameter, F() of a text, an
// integer, the same and an encrypted field, arithmetic over F()). Each query is a pipeline
// target input, so it gets the target's checks: a command or diagnostics, never a crash, and an
// accepted command passes the translation and explain checks (translation_check.h).
#ifndef QUERYSAFE_FUZZ_LOOKUP_MATRIX_H_
#define QUERYSAFE_FUZZ_LOOKUP_MATRIX_H_

#include <string>
#include <vector>

namespace querysafe::fuzzing {

struct MatrixCase {
  std::string input;  // a pipeline target input: "# every 8.2\nEvery.objects.filter(...)"
  int rhs_kind = 0;   // index into MatrixRhsKinds()
};

// The right-hand sides, as written in the queries ("F(\"p_text\")", "$v"...).
const std::vector<std::string>& MatrixRhsKinds();

// Every case, in a fixed order.
std::vector<MatrixCase> LookupMatrix();

}  // namespace querysafe::fuzzing

#endif  // QUERYSAFE_FUZZ_LOOKUP_MATRIX_H_
