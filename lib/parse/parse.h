// File: lib/parse/parse.h
//
// Query text in, AST (ast.h) out. ParseQuery() checks the input (size, UTF-8,
// NUL bytes), runs the X3 grammar (grammar/) and interprets its syntax tree as
// a Django QuerySet expression: `Model.objects` and a chain of QuerySet
// methods, Q trees, F(), aggregates and Python literals. Everything wrong with
// the text comes back as diagnostics (category SyntaxError, or ValidationError
// for constructor values such as date(2024, 2, 30)), ordered by position, at
// most ParseOptions::max_diagnostics; nothing is thrown and no input crashes,
// hangs or exhausts the stack.
//
// Example:
//   querysafe::Arena arena;
//   querysafe::ParseResult r = querysafe::ParseQuery(
//       "Patient.objects.filter(ssn=\"987-65-4320\")", {}, &arena);
//   if (r.query == nullptr) {
//     std::cerr << querysafe::FormatDiagnostics(r.diagnostics, text, "query");
//   }
//
// The AST lives in `arena` and points into `text`: both must outlive it.
#ifndef QUERYSAFE_LIB_PARSE_PARSE_H_
#define QUERYSAFE_LIB_PARSE_PARSE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "lib/common/arena.h"
#include "lib/parse/ast.h"
#include "querysafe/diagnostic.h"

namespace querysafe {

// Limits, with defaults that any real query stays far below and that keep a
// hostile input cheap: parsing is linear in the input, and no tree is deeper
// than max_depth, so later stages may recurse over the AST.
struct ParseOptions {
  // Brackets nested in the text, and the depth of the resulting AST (Query,
  // Step and Expr nodes on any path from the root). Python's own parser stops
  // at 200 nested brackets.
  uint32_t max_depth = 200;
  uint32_t max_input_bytes = 1 << 20;
  // The longest string, bytes or number literal, after decoding.
  uint32_t max_literal_bytes = 64 << 10;
  // Syntax nodes (tokens, list items, operators) in the whole query.
  uint32_t max_nodes = 100000;
  uint32_t max_diagnostics = kMaxDiagnostics;
};

struct ParseResult {
  const ast::Query* query = nullptr;  // null when there are diagnostics
  Diagnostics diagnostics;
};

ParseResult ParseQuery(std::string_view text, const ParseOptions& options, Arena* arena);

// A lookup key from a builder call
// (QuerySet("Patient").Filter("patient_record__ssn", v)), split on "__" with
// Python's str.split semantics ("a___b" is ["a", "_b"]). Each part must be a
// Python identifier; an empty part (leading, trailing or doubled "__") is a
// diagnostic. Part names point into `key`, spans are offsets in `key`.
struct LookupKeyResult {
  ast::List<ast::KeyPart> parts;  // empty when there are diagnostics
  Diagnostics diagnostics;
};

LookupKeyResult ParseLookupKey(std::string_view key, Arena* arena);

// A stable, line-per-node rendering of the AST with byte spans (`@begin:end`),
// used by the golden tests and `querysafe parse`.
std::string DebugString(const ast::Query& query);

// The AST as compact JSON (`querysafe parse --format json`): every node an
// object with "kind" and "span": [begin, end].
std::string QueryToJson(const ast::Query& query);

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_PARSE_PARSE_H_
