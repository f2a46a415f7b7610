// The WHERE clause: filter(), exclude() and get() conditions (Q trees of lookups) become
// bound::Filter trees. Every lookup is resolved, its value prepared, and, on an encrypted field,
// checked against the field's QE index (lib/analyze/rules/).
#ifndef QUERYSAFE_LIB_ANALYZE_FILTER_BINDER_H_
#define QUERYSAFE_LIB_ANALYZE_FILTER_BINDER_H_

#include "lib/analyze/bound.h"
#include "lib/analyze/context.h"
#include "lib/analyze/resolve.h"
#include "lib/parse/ast.h"

namespace querysafe::analyze {

// The bound form of a Q tree on `model`; null after reporting diagnostics. Keeps binding the
// other children after an error, so that one call reports every problem (up to the cap).
const bound::Filter* BindCondition(Context& ctx, const schema::Model& model, const ast::Q& q);

// A Q that names no condition at all (Q(), ~Q(), Q(Q())). Django's _add_q builds no clause for
// it and drops it from its parent whatever the connector: `Q() | Q(a=1)` is `Q(a=1)`, not
// "everything"; `Q() ^ Q(a=1)` is `Q(a=1)`; exclude(Q()) and filter(~Q()) keep every row.
bool IsEmptyCondition(const ast::Q& q);

// Filter-node constructors.
const bound::Filter* MakeFilter(Context& ctx, bound::Filter::Kind kind,
                                std::span<const bound::Filter* const> children, Span span);
const bound::Filter* TrueFilter(Context& ctx);
// Django's n-ary XOR (an odd number of the operands hold): nested XORs flattened, then grouped
// as a balanced tree of two-operand XORs, so that lowering, which spells each two-operand XOR
// out with both operands twice, writes n operands about n times each instead of up to 2^(n-1)
// (rules/queryset_xor_expansion.cc bounds the rest).
const bound::Filter* MakeXor(Context& ctx, std::span<const bound::Filter* const> operands,
                             Span span);
const bound::Filter* FalseFilter(Context& ctx);

// One lookup whose left-hand side is resolved (`r`) and whose right-hand side is `value`:
// values prepared and coerced, the QE rules applied; `span` covers the whole lookup.
const bound::Filter* BindResolved(Context& ctx, const schema::Model& model, const Resolved& r,
                                  const ast::Expr& value, Span span);

// A lookup whose first field is one of djongo's (schema::Field::djongo), with djongo 1.3's query
// forms (djongo_binder.cc).
const bound::Filter* BindDjongoLookup(Context& ctx, const schema::Model& model,
                                      const schema::Field& field, const ast::Lookup& lookup);

// F() and arithmetic over F() and constants (a lookup's right-hand side, an update value, an
// aggregate argument); null after reporting. `referenced` receives every field the expression
// reads.
const bound::Expr* BindExpression(Context& ctx, const schema::Model& model, const ast::Expr& e,
                                  std::vector<bound::FieldRef>* referenced);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_FILTER_BINDER_H_
