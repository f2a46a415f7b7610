// The depth of an AST as ParseOptions::max_depth counts it: Query, Step and
// Expr nodes on the longest path from the root.
#ifndef QUERYSAFE_TESTS_PARSE_AST_DEPTH_H_
#define QUERYSAFE_TESTS_PARSE_AST_DEPTH_H_

#include <algorithm>
#include <cstdint>

#include "lib/parse/ast.h"

namespace querysafe::testing_internal {

inline uint32_t Depth(const ast::Query& query);

inline uint32_t Depth(const ast::Expr* e) {
  if (e == nullptr) return 0;
  uint32_t child = 0;
  const auto list = [&](ast::List<const ast::Expr*> items) {
    for (const ast::Expr* item : items) child = std::max(child, Depth(item));
  };
  switch (e->kind) {
    case ast::ExprKind::kList:
      list(e->Cast<ast::ListLit>().items);
      break;
    case ast::ExprKind::kTuple:
      list(e->Cast<ast::TupleLit>().items);
      break;
    case ast::ExprKind::kDict:
      for (const ast::DictEntry& entry : e->Cast<ast::DictLit>().entries) {
        child = std::max({child, Depth(entry.key), Depth(entry.value)});
      }
      break;
    case ast::ExprKind::kLookup:
      child = Depth(e->Cast<ast::Lookup>().value);
      break;
    case ast::ExprKind::kQ:
      list(e->Cast<ast::Q>().children);
      break;
    case ast::ExprKind::kAggregate:
      list(e->Cast<ast::Aggregate>().args);
      for (const ast::Kwarg& kw : e->Cast<ast::Aggregate>().kwargs) {
        child = std::max(child, Depth(kw.value));
      }
      break;
    case ast::ExprKind::kArith:
      child = std::max(Depth(e->Cast<ast::Arith>().lhs), Depth(e->Cast<ast::Arith>().rhs));
      break;
    case ast::ExprKind::kNeg:
      child = Depth(e->Cast<ast::Neg>().operand);
      break;
    case ast::ExprKind::kQuerySet:
      child = Depth(*e->Cast<ast::QuerySetExpr>().query);
      break;
    default:
      break;
  }
  return child + 1;
}

inline uint32_t Depth(const ast::Step& step) {
  uint32_t child = std::max({Depth(step.condition), Depth(step.start), Depth(step.stop),
                             Depth(step.step), Depth(step.index)});
  for (const ast::Arg& arg : step.args) child = std::max(child, Depth(arg.value));
  return child + 1;
}

inline uint32_t Depth(const ast::Query& query) {
  if (query.kind == ast::Query::Kind::kCombine) {
    return std::max(Depth(*query.lhs), Depth(*query.rhs)) + 1;
  }
  uint32_t child = 0;
  for (const ast::Step& step : query.steps) child = std::max(child, Depth(step));
  return child + 1;
}

}  // namespace querysafe::testing_internal

#endif  // QUERYSAFE_TESTS_PARSE_AST_DEPTH_H_
