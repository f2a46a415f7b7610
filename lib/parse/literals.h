// Python literal tokens as Python reads them: string escapes (str and bytes,
// raw, triple quoted, implicit concatenation) and numbers (ints of any base,
// floats, float() strings). The grammar has already checked their lexical
// shape; these functions give the values and the errors only the value can show
// (a bad escape, a surrogate, an int beyond 64 bits).
#ifndef QUERYSAFE_LIB_PARSE_LITERALS_H_
#define QUERYSAFE_LIB_PARSE_LITERALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "grammar/bump_allocator.h"
#include "grammar/syntax_tree.h"
#include "lib/common/arena.h"
#include "lib/common/python_repr.h"  // FloatRepr, for the literals' text
#include "querysafe/diagnostic.h"

namespace querysafe::parse_internal {

// Where lib/parse's helpers send diagnostics (the Interpreter).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void Report(Category category, std::string_view code, std::string message, Span span) = 0;
};

struct StringValue {
  bool is_bytes = false;
  std::string_view value;  // into the input when nothing needed decoding, else
                           // into the arena
};

// Decodes the adjacent literals of `node`. Reports and returns nullopt on any
// error (bad escape, f-string, bytes mixed with str, non-ASCII in bytes, longer
// than `max_bytes`).
std::optional<StringValue> DecodeString(const grammar::syntax::String& node, std::string_view input,
                                        uint32_t max_bytes, grammar::BumpAllocator* arena,
                                        Reporter* reporter);

// The value of an integer token (`0x1F`, `1_000`, `0o17`, `0b1`), or nullopt
// when it needs more than 64 bits.
std::optional<uint64_t> IntTokenValue(std::string_view token, int base);

// A float token's value (underscores allowed; beyond the double range it is inf
// or 0.0, as in Python).
double FloatTokenValue(std::string_view token);

// float(s) for a str argument: surrounding whitespace, a sign, inf/infinity/nan
// in any case, or a decimal literal with underscores between digits. nullopt if
// Python would raise.
std::optional<double> FloatFromString(std::string_view s);

}  // namespace querysafe::parse_internal

#endif  // QUERYSAFE_LIB_PARSE_LITERALS_H_
