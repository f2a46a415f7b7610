// The grammar's interface to the rest of the library, free of X3 types: query
// text in, syntax tree out. lib/parse is its only user.
#ifndef QUERYSAFE_GRAMMAR_PARSE_SYNTAX_H_
#define QUERYSAFE_GRAMMAR_PARSE_SYNTAX_H_

#include <string_view>

#include "absl/container/inlined_vector.h"
#include "grammar/limits.h"
#include "grammar/syntax_tree.h"
#include "lib/common/arena.h"
#include "querysafe/diagnostic.h"

namespace querysafe::grammar {

// Parses `input` (already checked to be valid UTF-8 without NUL bytes) into a
// syntax tree in `arena`. Syntax errors are appended to `diagnostics` (category
// SyntaxError, at most limits.max_errors). The result is null when the grammar
// could not finish; otherwise it may still contain syntax::Error nodes where
// the grammar recovered from an error. Never throws for any input
// (std::bad_alloc aside).
const syntax::Node* ParseSyntax(std::string_view input, const Limits& limits, Arena* arena,
                                Diagnostics* diagnostics);

// Splits `key` on "__" exactly as Python's key.split("__") does. Spans are
// offsets in `key`.
absl::InlinedVector<Span, 4> SplitLookupKey(std::string_view key);

}  // namespace querysafe::grammar

#endif  // QUERYSAFE_GRAMMAR_PARSE_SYNTAX_H_
