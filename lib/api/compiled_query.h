// What the public Query and Translation handles hold: the compiled query (its text, arena with
// the AST and bound tree, and the schema it was bound against) and a lowered command.
#ifndef QUERYSAFE_LIB_API_COMPILED_QUERY_H_
#define QUERYSAFE_LIB_API_COMPILED_QUERY_H_

#include <memory>
#include <optional>
#include <string>

#include "lib/analyze/analyze.h"
#include "lib/analyze/bound.h"
#include "lib/common/arena.h"
#include "lib/lower/lower.h"
#include "querysafe/query.h"
#include "querysafe/schema.h"

namespace querysafe::internal {

struct CompiledQuery {
  Schema schema;  // keeps the compiled schema alive: the bound tree points into it
  std::string text;
  analyze::AnalyzeOptions analyze_options;
  Arena arena;
  const bound::Query* bound = nullptr;

  explicit CompiledQuery(const Schema& s) : schema(s) {}

  static Query Wrap(std::shared_ptr<const CompiledQuery> q) { return Query(std::move(q)); }
};

// A lowered command; self-contained (it does not pin the compiled query or the schema).
struct TranslationData {
  lower::Command command;
  // The whole query's span in its text: where a diagnostic about the command as a whole (too
  // large, too deep once encrypted) points.
  Span query_span;

  static Translation Wrap(std::shared_ptr<const TranslationData> t) {
    return Translation(std::move(t));
  }
};

// The analysis options for `options`; a diagnostic for a time zone that is not one.
std::optional<Diagnostic> ToAnalyzeOptions(const CompileOptions& options,
                                           analyze::AnalyzeOptions* out);

}  // namespace querysafe::internal

#endif  // QUERYSAFE_LIB_API_COMPILED_QUERY_H_
