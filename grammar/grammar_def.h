// The grammar's rules (the "_def" header of Spirit's rexpr split; only
// grammar.cc includes it).
//
// clang-format off
//   query       = expr > end_of_query
//   expr        = operand *(binary_op > operand)                  -> Chain   (expression.h)
//   operand     = *unary_op postfix                               -> Operand (expression.h)
//   postfix     = atom *trailer                                   -> Postfix (postfix.h)
//   trailer     = '.' > name | '(' argument,* ')' | '[' subscript_item ']'
//   atom        = string+ | name | number | $param                          (atom.h)
//               | '(' expr,* ')' | '[' expr,* ']' | '{' brace_item,* '}'
//   argument    = name '=' !'=' > expr | '**' > expr | '*' > expr | expr
//   subscript_item = expr (':' expr? (':' expr?)?)? | ':' expr? (':' expr?)?
//   brace_item  = '**' > expr | expr (':' > expr)?
//   lookup_key  = raw[*(char - "__")] % "__"          (a separate entry point)
// clang-format on
//
// Every alternative is decided by its first token, or (keyword arguments) by a
// name and '='; so the grammar never backtracks over a nested structure, and a
// failure costs linear time. The hottest rules (expr, operand, postfix, atom)
// are small hand-written X3 parsers that dispatch on the next character instead
// of trying alternatives in turn; they still call back into the X3 rules below
// for everything nested. Lists in brackets go through the bracket directive
// (bracket.h), which bounds nesting and recovers from errors. Semantic actions
// turn each rule's attribute into an arena node as soon as it is complete;
// `_val` is the node of the enclosing rule.
#ifndef QUERYSAFE_GRAMMAR_GRAMMAR_DEF_H_
#define QUERYSAFE_GRAMMAR_GRAMMAR_DEF_H_

#include <boost/fusion/include/at_c.hpp>
#include <boost/spirit/home/x3.hpp>

#include "grammar/atom.h"
#include "grammar/attributes.h"
#include "grammar/attributes_adapted.h"
#include "grammar/bracket.h"
#include "grammar/expression.h"
#include "grammar/grammar.h"
#include "grammar/parse_state.h"
#include "grammar/postfix.h"
#include "grammar/syntax_tree.h"
#include "grammar/tokens.h"

namespace querysafe::grammar::parser {

namespace x3 = boost::spirit::x3;
using syntax::Node;
using x3::_attr;
using x3::_val;

// Tokens.
inline constexpr identifier_parser identifier{};
inline constexpr number_parser number{};
inline constexpr param_parser param{};
inline constexpr end_of_query_parser end_of_query{};
inline constexpr punct_parser star{"*"};
inline constexpr punct_parser double_star{"**"};
inline constexpr punct_parser colon{":"};
inline constexpr kwarg_equals_parser kwarg_equals{};

// Rule IDs. The query's collects the errors no bracket recovered from (rexpr's
// error handler, minus the printing).
struct query_class {
  template <typename It, typename Failure, typename Context>
  x3::error_handler_result on_error(It&, It const&, Failure const& failure,
                                    Context const& context) {
    x3::get<state_tag>(context).Report(failure);
    return x3::error_handler_result::fail;
  }
};
struct expr_class;
struct postfix_class;
struct atom_class;
struct argument_class;
struct keyword_pair_class;
struct starred_class;
struct double_starred_class;
struct brace_item_class;
struct subscript_item_class;
struct lookup_key_class;

// The names are what "expected ..." messages call them.
const query_type query = "a query";
const x3::rule<expr_class, const Node*> expr = "an expression";
const x3::rule<postfix_class, const Node*> postfix = "an expression";
const x3::rule<atom_class, const Node*> atom = "an expression";
const x3::rule<argument_class, syntax::Argument> argument = "an argument";
const x3::rule<keyword_pair_class, KeywordPair> keyword_pair = "a keyword argument";
const x3::rule<starred_class, Starred> starred = "'*' and an expression";
const x3::rule<double_starred_class, Starred> double_starred = "'**' and an expression";
const x3::rule<brace_item_class, BraceItem> brace_item = "an item";
const x3::rule<subscript_item_class, SubscriptItem> subscript_item = "an index or a slice";
const lookup_key_type lookup_key = "a lookup key";

namespace actions {

template <typename Context>
ParseState& State(const Context& context) {
  return x3::get<state_tag>(context);
}

template <typename Range, typename Context>
Span SpanOf(const Context& context, const Range& range) {
  return State(context).SpanOf(range.begin(), range.end());
}

inline constexpr auto assign = [](auto& ctx) { _val(ctx) = _attr(ctx); };

inline constexpr auto make_unpack_item = [](auto& ctx) {
  const Starred& s = _attr(ctx);
  _val(ctx) = BraceItem{Span{s.stars.begin, s.value->span.end}, nullptr, s.value, true};
};

inline constexpr auto make_brace_item = [](auto& ctx) {
  const Node* first = boost::fusion::at_c<0>(_attr(ctx));
  const auto& second = boost::fusion::at_c<1>(_attr(ctx));
  if (second) {
    _val(ctx) = BraceItem{Span{first->span.begin, (*second)->span.end}, first, *second, false};
  } else {
    _val(ctx) = BraceItem{first->span, nullptr, first, false};
  }
};

template <syntax::Argument::Kind kKind>
inline constexpr auto make_unpack_argument = [](auto& ctx) {
  const Starred& s = _attr(ctx);
  _val(ctx) = syntax::Argument{kKind, Span{s.stars.begin, s.value->span.end}, Span{}, s.value};
};

inline constexpr auto make_keyword_argument = [](auto& ctx) {
  const KeywordPair& k = _attr(ctx);
  _val(ctx) = syntax::Argument{syntax::Argument::Kind::kKeyword,
                               Span{k.name.begin, k.value->span.end}, k.name, k.value};
};

inline constexpr auto make_positional_argument = [](auto& ctx) {
  const Node* value = _attr(ctx);
  _val(ctx) = syntax::Argument{syntax::Argument::Kind::kPositional, value->span, Span{}, value};
};

inline constexpr auto set_lower = [](auto& ctx) { _val(ctx).lower = _attr(ctx); };
inline constexpr auto set_slice = [](auto& ctx) { _val(ctx).is_slice = true; };
inline constexpr auto set_upper = [](auto& ctx) { _val(ctx).upper = _attr(ctx); };
inline constexpr auto set_step = [](auto& ctx) { _val(ctx).step = _attr(ctx); };

inline constexpr auto push_key_part = [](auto& ctx) {
  _val(ctx).push_back(SpanOf(ctx, _attr(ctx)));
};

}  // namespace actions

const auto query_def = expr > end_of_query;

const auto expr_def = expression_of(postfix);
const auto postfix_def = postfix_of(atom, bracket<syntax::Argument>('(', ')')[argument],
                                    bracket<SubscriptItem>('[', ']')[subscript_item]);

const auto atom_def =
    atom_of(bracket<const Node*>('(', ')')[expr], bracket<const Node*>('[', ']')[expr],
            bracket<BraceItem>('{', '}')[brace_item]);

// Parenthesized as C++ groups it anyway (>> binds tighter than the expectation >); clang warns
// about the mix otherwise (-Woverloaded-shift-op-parentheses).
const auto keyword_pair_def = (identifier >> kwarg_equals) > expr;
const auto starred_def = star > expr;
const auto double_starred_def = double_star > expr;
// Keyword arguments first: they are most of the arguments of a query.
const auto argument_def =
    keyword_pair[actions::make_keyword_argument] |
    double_starred[actions::make_unpack_argument<syntax::Argument::Kind::kDoubleStar>] |
    starred[actions::make_unpack_argument<syntax::Argument::Kind::kStar>] |
    expr[actions::make_positional_argument];

const auto brace_item_def = double_starred[actions::make_unpack_item] |
                            (expr >> -(x3::omit[colon] > expr))[actions::make_brace_item];

// The index is parsed once whether or not a ':' follows (no backtracking over
// it).
const auto slice_tail = colon[actions::set_slice] >> -expr[actions::set_upper] >>
                        -(colon >> -expr[actions::set_step]);
const auto subscript_item_def = (expr[actions::set_lower] >> -slice_tail) | slice_tail;

// Python's str.split("__"): each part is the longest run not containing "__",
// so "a___b" is ["a", "_b"] and "a__" is ["a", ""]. lib/parse checks that each
// part is an identifier.
const auto lookup_key_def = x3::raw[*(x3::char_ - "__")][actions::push_key_part] % "__";

BOOST_SPIRIT_DEFINE(query, expr, postfix, atom, argument, keyword_pair, starred, double_starred,
                    brace_item, subscript_item, lookup_key)

}  // namespace querysafe::grammar::parser

#endif  // QUERYSAFE_GRAMMAR_GRAMMAR_DEF_H_
