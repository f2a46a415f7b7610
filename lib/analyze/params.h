// Binding a prepared query's parameters. A query compiles once, with `$name` placeholders, and
// binds many times: each bound value (BSON, as an ORM passes it) becomes the Python value PyMongo
// would have decoded and then goes through exactly the coercion and QE checks a literal in the
// same place gets (value_binder.h), so binding can still reject a value (a range bound outside
// the index, a null for an encrypted field) with the same diagnostics.
#ifndef QUERYSAFE_LIB_ANALYZE_PARAMS_H_
#define QUERYSAFE_LIB_ANALYZE_PARAMS_H_

#include <bson/bson.h>

#include "lib/analyze/analyze.h"
#include "lib/analyze/bound.h"
#include "lib/common/arena.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::analyze {

struct BindResult {
  bound::Bindings bindings;
  Diagnostics diagnostics;
  bool ok() const { return diagnostics.empty(); }
};

// `values` maps parameter names (without '$') to values. Every parameter needs a value and
// every value a parameter (a misspelt name is an error, not silently ignored). Bound values
// live in `arena`.
BindResult BindParams(const bound::Query& query, const bson_t& values, const schema::Schema& schema,
                      const AnalyzeOptions& options, Arena* arena);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_PARAMS_H_
