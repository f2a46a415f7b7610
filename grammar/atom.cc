#include "grammar/atom.h"

namespace querysafe::grammar::parser {

using syntax::Node;

const Node* MakeString(ParseState& state, const StringPieces& pieces) {
  return state.New<syntax::String>(Span{pieces.front().span.begin, pieces.back().span.end},
                                   state.Copy(pieces));
}

const Node* MakeParen(ParseState& state, const Bracketed<const Node*>& b) {
  const bool grouping = b.items.size() == 1 && !b.trailing_comma;
  return state.New<syntax::Display>(grouping ? syntax::Kind::kParen : syntax::Kind::kTuple, b.span,
                                    b.items);
}

const Node* MakeList(ParseState& state, const Bracketed<const Node*>& b) {
  return state.New<syntax::Display>(syntax::Kind::kList, b.span, b.items);
}

const Node* MakeBrace(ParseState& state, const Bracketed<BraceItem>& b) {
  const auto is_set_item = [](const BraceItem& i) { return i.key == nullptr && !i.double_star; };
  const bool is_set = !b.items.empty() && is_set_item(b.items.front()) &&
                      b.items.front().value->kind != syntax::Kind::kError;
  for (const BraceItem& item : b.items) {
    if (item.value->kind == syntax::Kind::kError || is_set_item(item) == is_set) {
      continue;
    }
    state.Report(
        "syntax.expected",
        is_set ? "expected a set item, not 'key: value'" : "expected ':' after a dictionary key",
        is_set ? item.span : Span{item.span.end, item.span.end});
    return state.New<syntax::Error>(b.span);
  }
  if (is_set) {
    std::span<const Node*> items = state.NewArray<const Node*>(b.items.size());
    for (size_t i = 0; i < items.size(); ++i) items[i] = b.items[i].value;
    return state.New<syntax::Display>(syntax::Kind::kSet, b.span, items);
  }
  std::span<syntax::DictItem> items = state.NewArray<syntax::DictItem>(b.items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    items[i] = {b.items[i].span, b.items[i].key, b.items[i].value};
  }
  return state.New<syntax::Dict>(b.span, items);
}

}  // namespace querysafe::grammar::parser
