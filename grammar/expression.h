// The expression parser: operands joined by binary operators, each operand a
// postfix expression after any prefix operators. It is the hottest loop of the
// grammar (every argument value goes through it), so it is one parser that
// looks at the next character, rather than the X3 composition
// `operand >> *(binary_op > operand)` with `operand = +unary_op > postfix |
// postfix`, whose attribute plumbing cost more than the tokens themselves.
// The tree is flat: one Chain for the operands and operators in source order
// (lib/parse applies precedence), one Operand for a list of prefix operators.
#ifndef QUERYSAFE_GRAMMAR_EXPRESSION_H_
#define QUERYSAFE_GRAMMAR_EXPRESSION_H_

#include <boost/spirit/home/x3.hpp>

#include "grammar/attributes.h"
#include "grammar/parse_state.h"
#include "grammar/syntax_tree.h"
#include "grammar/tokens.h"

namespace querysafe::grammar::parser {

namespace x3 = boost::spirit::x3;

template <typename Postfix>
struct expression_parser : x3::parser<expression_parser<Postfix>> {
  using attribute_type = const syntax::Node*;
  static bool const has_attribute = true;

  constexpr explicit expression_parser(const Postfix& p) : postfix(p) {}

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext& rcontext,
             Attribute& attr) const {
    const syntax::Node* head = nullptr;
    if (!Operand(first, last, context, rcontext, &head)) return false;
    syntax::OpToken op;
    if (!binary_op_parser().parse(first, last, context, rcontext, op)) {
      x3::traits::move_to(head, attr);
      return true;
    }
    ParseState& state = x3::get<state_tag>(context);
    ParseState::List<const syntax::Node*> operands(state);
    ParseState::List<syntax::OpToken> ops(state);
    operands.push_back(head);
    do {
      ops.push_back(op);
      const syntax::Node* operand = nullptr;
      if (!Operand(first, last, context, rcontext, &operand)) {
        throw x3::expectation_failure<It>(first, "an expression");
      }
      operands.push_back(operand);
    } while (binary_op_parser().parse(first, last, context, rcontext, op));
    const syntax::Node* chain = state.New<syntax::Chain>(
        Span{head->span.begin, operands.back()->span.end}, operands.Take(), ops.Take());
    x3::traits::move_to(chain, attr);
    return true;
  }

 private:
  // Prefix operators, then a postfix expression.
  template <typename It, typename Context, typename RContext>
  bool Operand(It& first, It const& last, Context const& context, RContext& rcontext,
               const syntax::Node** out) const {
    syntax::OpToken op;
    if (!unary_op_parser().parse(first, last, context, rcontext, op)) {
      return postfix.parse(first, last, context, rcontext, *out);
    }
    ParseState& state = x3::get<state_tag>(context);
    ParseState::List<syntax::OpToken> prefix(state);
    const uint32_t begin = op.span.begin;
    prefix.push_back(op);
    while (unary_op_parser().parse(first, last, context, rcontext, op)) {
      prefix.push_back(op);
    }
    const syntax::Node* primary = nullptr;
    if (!postfix.parse(first, last, context, rcontext, primary)) {
      throw x3::expectation_failure<It>(first, "an expression");
    }
    *out = state.New<syntax::Operand>(Span{begin, primary->span.end}, prefix.Take(), primary);
    return true;
  }

  Postfix postfix;
};

template <typename Postfix>
constexpr expression_parser<Postfix> expression_of(const Postfix& postfix) {
  return expression_parser<Postfix>(postfix);
}

}  // namespace querysafe::grammar::parser

#endif  // QUERYSAFE_GRAMMAR_EXPRESSION_H_
