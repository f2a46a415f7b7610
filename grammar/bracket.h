// The bracket directive: `bracket<Item>('(', ')')[item]` parses a
// comma-separated list of items between brackets (a trailing comma allowed, as
// in Python). Every recursion of the grammar goes through a bracket, so this is
// where nesting is bounded (ParseState::Enter) and where errors are recovered
// from:
// - an item that fails is reported, then skipped up to the next ',' or the
//   closing bracket at the same level (strings and nested brackets skipped
//   whole), and parsing goes on, so one pass reports every bad argument;
// - the end of the input before the closing bracket, or a closing bracket of
//   the wrong kind, ends the parse with "expected ')' to close 'filter('
//   opened at 1:23".
// It never backtracks into an item, so a failure deep inside nested brackets
// costs linear time.
#ifndef QUERYSAFE_GRAMMAR_BRACKET_H_
#define QUERYSAFE_GRAMMAR_BRACKET_H_

#include <boost/spirit/home/x3.hpp>
#include <string>

#include "grammar/attributes.h"
#include "grammar/parse_state.h"
#include "grammar/syntax_tree.h"
#include "grammar/tokens.h"

namespace querysafe::grammar::parser {

namespace x3 = boost::spirit::x3;

// The placeholder for an item that did not parse (its diagnostic is already
// recorded).
template <typename Item>
Item MakeErrorItem(ParseState& state, Span span);

template <>
inline const syntax::Node* MakeErrorItem(ParseState& state, Span span) {
  return state.New<syntax::Error>(span);
}
template <>
inline syntax::Argument MakeErrorItem(ParseState& state, Span span) {
  return {.kind = syntax::Argument::Kind::kPositional,
          .span = span,
          .name = {},
          .value = state.New<syntax::Error>(span)};
}
template <>
inline BraceItem MakeErrorItem(ParseState& state, Span span) {
  return {.span = span, .key = nullptr, .value = state.New<syntax::Error>(span)};
}
template <>
inline SubscriptItem MakeErrorItem(ParseState& state, Span span) {
  return {.lower = state.New<syntax::Error>(span)};
}

// Messages and recovery, independent of the item type (bracket.cc).
struct BracketErrors {
  // "'filter('" for the '(' after a name, "'['" otherwise.
  static std::string Label(const ParseState& state, Iterator open);
  [[noreturn]] static void Unclosed(ParseState& state, Iterator open, char close, Iterator at);
  [[noreturn]] static void Mismatched(ParseState& state, Iterator open, Iterator at);
  static void ExpectedItem(ParseState& state, Iterator at, const std::string& item, char close);
  static void ExpectedSeparator(ParseState& state, Iterator open, char close, Iterator at);
  // Skips from `from` to the next ',' or `close` at the same level. Returns
  // true after a ',' (more items follow), false after the closing bracket;
  // `*stop` is where the skipped text ends and `*resume` where parsing goes on.
  static bool Recover(ParseState& state, Iterator open, char close, Iterator from, Iterator* stop,
                      Iterator* resume);
};

inline bool IsCloser(char c) { return c == ')' || c == ']' || c == '}'; }

template <typename Subject, typename Item>
struct bracket_directive : x3::unary_parser<Subject, bracket_directive<Subject, Item>> {
  using base_type = x3::unary_parser<Subject, bracket_directive<Subject, Item>>;
  using attribute_type = Bracketed<Item>;
  static bool const has_attribute = true;
  static bool const handles_container = false;

  constexpr bracket_directive(Subject const& subject, char open_char, char close_char)
      : base_type(subject), open(open_char), close(close_char) {}

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext& rcontext,
             Attribute& attr) const {
    // The previous token skipped the whitespace after it: `first` is on this
    // token.
    if (first == last || *first != open) return false;
    ParseState& state = x3::get<state_tag>(context);
    const It open_pos = first;
    state.Enter(open_pos);
    struct Leave {
      ParseState& state;
      ~Leave() { state.Leave(); }
    } leave{state};
    ++first;
    SkipSpace(first, last);

    ParseState::List<Item> items(state);
    bool after_comma = false;
    It close_end = first;  // just past the closing bracket
    const auto closed = [&](It end) {
      close_end = end;
      first = end;
      SkipSpace(first, last);
    };
    for (;;) {
      if (first == last) BracketErrors::Unclosed(state, open_pos, close, first);
      if (*first == close) {
        closed(first + 1);
        break;
      }
      const It item_start = first;
      Item item{};
      bool ok = false;
      bool reported = false;
      try {
        ok = this->subject.parse(first, last, context, rcontext, item);
      } catch (const x3::expectation_failure<It>& failure) {
        state.Report(failure);
        reported = true;
      }
      if (ok) {
        items.push_back(item);
        if (first == last) {
          BracketErrors::Unclosed(state, open_pos, close, first);
        }
        if (*first == ',') {
          ++first;
          SkipSpace(first, last);
          after_comma = true;
          continue;
        }
        after_comma = false;
        if (*first == close) {
          closed(first + 1);
          break;
        }
        if (IsCloser(*first)) BracketErrors::Mismatched(state, open_pos, first);
        BracketErrors::ExpectedSeparator(state, open_pos, close, first);
        It stop, resume;
        const bool more = BracketErrors::Recover(state, open_pos, close, first, &stop, &resume);
        if (!more) {
          closed(resume);
          break;
        }
        first = resume;
        SkipSpace(first, last);
        continue;
      }
      if (!reported) {
        if (IsCloser(*item_start)) {
          BracketErrors::Mismatched(state, open_pos, item_start);
        }
        BracketErrors::ExpectedItem(state, item_start, x3::what(this->subject), close);
      }
      It stop, resume;
      const bool more = BracketErrors::Recover(state, open_pos, close, item_start, &stop, &resume);
      items.push_back(MakeErrorItem<Item>(state, state.SpanOf(item_start, stop)));
      after_comma = true;
      if (!more) {
        closed(resume);
        break;
      }
      first = resume;
      SkipSpace(first, last);
    }
    Bracketed<Item> result;
    result.span = state.SpanOf(open_pos, close_end);
    result.items = items.Take();
    result.trailing_comma = after_comma && !items.empty();
    x3::traits::move_to(result, attr);
    return true;
  }

  char open;
  char close;
};

template <typename Item>
struct bracket_gen {
  char open;
  char close;
  template <typename Subject>
  constexpr bracket_directive<typename x3::extension::as_parser<Subject>::value_type, Item>
  operator[](Subject const& subject) const {
    return {x3::as_parser(subject), open, close};
  }
};

template <typename Item>
constexpr bracket_gen<Item> bracket(char open, char close) {
  return {open, close};
}

}  // namespace querysafe::grammar::parser

#endif  // QUERYSAFE_GRAMMAR_BRACKET_H_
