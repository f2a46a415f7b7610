// The atom parser: a name, a number, string literals, a $parameter or a
// bracketed display, picked by the first character. As an X3 alternative
// (`strings | name | number | ...`) every atom was first tried as each of the
// kinds before it; the displays are still X3 (the bracket directive over the
// expr and brace_item rules). The Make* functions turn the pieces into nodes.
#ifndef QUERYSAFE_GRAMMAR_ATOM_H_
#define QUERYSAFE_GRAMMAR_ATOM_H_

#include <boost/spirit/home/x3.hpp>

#include "grammar/attributes.h"
#include "grammar/parse_state.h"
#include "grammar/syntax_tree.h"
#include "grammar/tokens.h"

namespace querysafe::grammar::parser {

namespace x3 = boost::spirit::x3;

const syntax::Node* MakeString(ParseState& state, const StringPieces& pieces);
// (x) groups, (), (x,) and (x, y) are tuples.
const syntax::Node* MakeParen(ParseState& state, const Bracketed<const syntax::Node*>& b);
const syntax::Node* MakeList(ParseState& state, const Bracketed<const syntax::Node*>& b);
// {} is a dict; a set has no `key: value` items; mixing both is an error at the
// first item that does not fit.
const syntax::Node* MakeBrace(ParseState& state, const Bracketed<BraceItem>& b);

template <typename Paren, typename List, typename Brace>
struct atom_parser : x3::parser<atom_parser<Paren, List, Brace>> {
  using attribute_type = const syntax::Node*;
  static bool const has_attribute = true;

  constexpr atom_parser(const Paren& p, const List& l, const Brace& b)
      : paren(p), list(l), brace(b) {}

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext& rcontext,
             Attribute& attr) const {
    if (first == last) return false;
    ParseState& state = x3::get<state_tag>(context);
    const syntax::Node* node = nullptr;
    const char c = *first;
    if (c == '"' || c == '\'') {
      if (!ParseStrings(state, first, last, context, rcontext, &node)) return false;
    } else if (c == '(') {
      Bracketed<const syntax::Node*> b;
      paren.parse(first, last, context, rcontext, b);
      node = MakeParen(state, b);
    } else if (c == '[') {
      Bracketed<const syntax::Node*> b;
      list.parse(first, last, context, rcontext, b);
      node = MakeList(state, b);
    } else if (c == '{') {
      Bracketed<BraceItem> b;
      brace.parse(first, last, context, rcontext, b);
      node = MakeBrace(state, b);
    } else if (c == '$') {
      param_parser().parse(first, last, context, rcontext, node);
    } else if (IsDigit(c) || c == '.') {
      if (!number_parser().parse(first, last, context, rcontext, node)) {
        return false;
      }
    } else {
      // A name, unless it is a string prefix (r, b, rb, f...) right before a
      // quote.
      if (!ParseStrings(state, first, last, context, rcontext, &node)) {
        Span name;
        if (!identifier_parser().parse(first, last, context, rcontext, name)) {
          return false;
        }
        node = state.New<syntax::Name>(name);
      }
    }
    x3::traits::move_to(node, attr);
    return true;
  }

 private:
  // Adjacent string literals, one String node (the usual single literal
  // without a list).
  template <typename It, typename Context, typename RContext>
  bool ParseStrings(ParseState& state, It& first, It const& last, Context const& context,
                    RContext& rcontext, const syntax::Node** node) const {
    syntax::StringPiece piece;
    if (!string_parser().parse(first, last, context, rcontext, piece)) {
      return false;
    }
    syntax::StringPiece next;
    if (!string_parser().parse(first, last, context, rcontext, next)) {
      *node = state.New<syntax::String>(piece.span, state.Copy(std::span(&piece, 1)));
      return true;
    }
    StringPieces pieces = {piece, next};
    while (string_parser().parse(first, last, context, rcontext, next)) {
      pieces.push_back(next);
    }
    *node = MakeString(state, pieces);
    return true;
  }

 public:
  Paren paren;
  List list;
  Brace brace;
};

template <typename Paren, typename List, typename Brace>
constexpr atom_parser<Paren, List, Brace> atom_of(const Paren& paren, const List& list,
                                                  const Brace& brace) {
  return {paren, list, brace};
}

}  // namespace querysafe::grammar::parser

#endif  // QUERYSAFE_GRAMMAR_ATOM_H_
