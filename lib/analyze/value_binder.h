// Values of a predicate: a Python value (a literal now, or a bound parameter later) becomes the
// predicate's coerced BSON values, the way Django prepares a lookup's right-hand side (a
// sequence for `in`, a pair for `range`, a bool for `isnull`, str for pattern lookups, the
// transform's type after `__year`), followed by the value-level QE rules: null equality, the
// encrypted BSON type, the range index bounds.
//
// One function serves literals and parameters so that a prepared query can never encrypt a
// bound value differently from the same value written in the text.
#ifndef QUERYSAFE_LIB_ANALYZE_VALUE_BINDER_H_
#define QUERYSAFE_LIB_ANALYZE_VALUE_BINDER_H_

#include <vector>

#include "lib/analyze/bound.h"
#include "lib/analyze/context.h"
#include "lib/analyze/py_value.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/arena_vector.h"
#include "lib/parse/ast.h"

namespace querysafe::analyze {

// What a right-hand side turned out to mean beyond its values.
struct ValueOutcome {
  bool matches_nothing = false;     // `in=[]`, an empty range: Django's EmptyResultSet
  bool matches_everything = false;  // `range=(None, None)`
  bool range_has_lower = false;     // `range`: which of values[0] / values[1] is present
  bool range_has_upper = false;
};

// Prepares `raw` for `predicate` (lhs, lookup and coercion fields set). `ast_value`, when given,
// lets elements that are `$name` parameters become parameter slots; `raw` is then ignored for
// those elements. Returns false after reporting diagnostics.
bool PrepareValues(Context& ctx, const bound::Predicate& predicate, const PyValue& raw,
                   const ast::Expr* ast_value, ArenaVector<bound::Value>* out,
                   ValueOutcome* outcome);

// Coerces one scalar for `predicate` (an element of `in`, a `range` bound, a plain value).
bool CoerceScalar(Context& ctx, const bound::Predicate& predicate, const PyValue& value,
                  bound::LookupKind lookup, bson_value_t* out);

// The value-level QE checks on a coerced value of an encrypted field: its BSON type, and for a
// range index its place in [min, max]. `role` says which side of a range the value bounds.
bool CheckEncryptedValue(Context& ctx, const bound::Predicate& predicate, const bson_value_t& v,
                         rules::BoundRole role, Span span);

// The side of a range a value of `lookup` bounds (`index`: position in a `range` pair).
rules::BoundRole RoleOf(bound::LookupKind lookup, size_t index);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_VALUE_BINDER_H_
