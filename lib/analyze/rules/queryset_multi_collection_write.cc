// Why: update() and delete() are single-collection commands (`update`, `delete`) whose filter
// can only name the collection's own fields. A condition that crosses a ForeignKey
// (`Book.objects.filter(author__name="Bob").delete()`) needs a `$lookup`, which those commands
// cannot run; django-mongodb-backend refuses such querysets in its compilers' check_query()
// with NotSupportedError, the messages its known-issues page documents:
//   "Cannot use QuerySet.delete() when querying across multiple collections on MongoDB."
//   "Cannot use QuerySet.update() when querying across multiple collections on MongoDB."
// Without this rule the filter would go out as `{"author.name": "Bob"}` against the books
// themselves, a path no book has: the command matches nothing, and under exclude() it matches
// every book, so delete() would empty the collection. It holds on every database, encrypted or
// not. A ForeignKey compared by its own column (`author=...`, `author__pk=...`, `author_id=...`)
// stays in the collection and is fine; select_related() adds no condition and Django drops it
// for update() and delete().

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

const bound::Join* ExprJoin(const bound::Expr* e) {
  if (e == nullptr) return nullptr;
  if (e->kind == bound::Expr::Kind::kField) return e->field.join;
  if (const bound::Join* j = ExprJoin(e->lhs)) return j;
  return ExprJoin(e->rhs);
}

// The first condition of `f` that reads another collection, or null.
const bound::Filter* FirstCrossCollection(const bound::Filter& f) {
  if (f.kind == bound::Filter::Kind::kPredicate) {
    const bound::Predicate& p = *f.predicate;
    return p.lhs.join != nullptr || ExprJoin(p.expr) != nullptr ? &f : nullptr;
  }
  for (const bound::Filter* c : f.children) {
    if (const bound::Filter* hit = FirstCrossCollection(*c)) return hit;
  }
  return nullptr;
}

}  // namespace

bool CheckSingleCollectionWrite(Context& ctx, const bound::Filter& filter, std::string_view method,
                                Span span) {
  const bound::Filter* cross = FirstCrossCollection(filter);
  if (cross == nullptr) return true;
  ctx.Report(Category::kNotSupportedError, "queryset.write_multiple_collections",
             std::format("Cannot use QuerySet.{}() when querying across multiple collections on "
                         "MongoDB.",
                         method),
             cross->span.end > cross->span.begin ? cross->span : span);
  return false;
}

}  // namespace querysafe::analyze::rules
