// The postfix parser: an atom followed by trailers, `.name`, `(arguments)` and
// `[subscript]`, as one Postfix node. It is a loop that looks at the next
// character to pick the trailer: written as `atom >> *(t1 | t2 | t3)`, X3 tried
// the three alternatives (and built and moved a trailer attribute) at the end
// of every atom, and that was a third of the parse time. The arguments and the
// subscript are still X3 rules, inside the bracket directive.
#ifndef QUERYSAFE_GRAMMAR_POSTFIX_H_
#define QUERYSAFE_GRAMMAR_POSTFIX_H_

#include <boost/spirit/home/x3.hpp>

#include "grammar/attributes.h"
#include "grammar/parse_state.h"
#include "grammar/syntax_tree.h"
#include "grammar/tokens.h"

namespace querysafe::grammar::parser {

namespace x3 = boost::spirit::x3;

template <typename Atom, typename Call, typename Subscript>
struct postfix_parser : x3::parser<postfix_parser<Atom, Call, Subscript>> {
  using attribute_type = const syntax::Node*;
  static bool const has_attribute = true;

  constexpr postfix_parser(const Atom& a, const Call& c, const Subscript& s)
      : atom(a), call(c), subscript(s) {}

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext& rcontext,
             Attribute& attr) const {
    const syntax::Node* head = nullptr;
    if (!atom.parse(first, last, context, rcontext, head)) return false;
    ParseState& state = x3::get<state_tag>(context);
    ParseState::List<syntax::Trailer> trailers(state);
    for (bool more = true; more && first != last;) {
      switch (*first) {
        case '.': {
          const It dot = first;
          ++first;
          SkipSpace(first, last);
          Span name;
          if (!identifier_parser().parse(first, last, context, rcontext, name)) {
            throw x3::expectation_failure<It>(first, "a name after '.'");
          }
          syntax::Trailer& t = trailers.emplace_back();
          t.kind = syntax::Trailer::Kind::kAttribute;
          t.span = Span{state.SpanOf(dot, dot).begin, name.end};
          t.name = name;
          break;
        }
        case '(': {
          Bracketed<syntax::Argument> args;
          call.parse(first, last, context, rcontext, args);
          syntax::Trailer& t = trailers.emplace_back();
          t.kind = syntax::Trailer::Kind::kCall;
          t.span = args.span;
          t.args = args.items;
          break;
        }
        case '[': {
          Bracketed<SubscriptItem> sub;
          subscript.parse(first, last, context, rcontext, sub);
          syntax::Trailer& t = trailers.emplace_back();
          t.kind = syntax::Trailer::Kind::kSubscript;
          t.span = sub.span;
          if (sub.items.size() != 1 || sub.trailing_comma) {
            // Python would index with a tuple; a QuerySet takes one index or
            // one slice.
            state.Report("syntax.bad_subscript",
                         "expected one index or one slice between '[' and ']'", sub.span);
            t.lower = state.New<syntax::Error>(sub.span);
            break;
          }
          const SubscriptItem& item = sub.items.front();
          t.is_slice = item.is_slice;
          t.lower = item.lower;
          t.upper = item.upper;
          t.step = item.step;
          break;
        }
        default:
          more = false;
          break;
      }
    }
    if (trailers.empty()) {
      x3::traits::move_to(head, attr);
      return true;
    }
    const syntax::Node* node = state.New<syntax::Postfix>(
        Span{head->span.begin, trailers.back().span.end}, head, trailers.Take());
    x3::traits::move_to(node, attr);
    return true;
  }

  Atom atom;
  Call call;
  Subscript subscript;
};

template <typename Atom, typename Call, typename Subscript>
constexpr postfix_parser<Atom, Call, Subscript> postfix_of(const Atom& atom, const Call& call,
                                                           const Subscript& subscript) {
  return {atom, call, subscript};
}

}  // namespace querysafe::grammar::parser

#endif  // QUERYSAFE_GRAMMAR_POSTFIX_H_
