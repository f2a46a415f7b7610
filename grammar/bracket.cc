// Messages and error recovery of the bracket directive.
#include "grammar/bracket.h"

#include <format>

#include "grammar/tokens.h"

namespace querysafe::grammar::parser {

namespace {

std::string OpenedAt(const ParseState& state, Iterator open) {
  const LineColumn lc = LocateOffset(state.input(), static_cast<uint32_t>(open - state.begin()));
  return std::format("{}:{}", lc.line, lc.column);
}

// Skips the string literal whose quote is at `p`; returns where it ends (or the
// end of the input / line when it is not terminated: the string parser reports
// that if it gets there).
Iterator SkipString(Iterator p, Iterator last) {
  const char quote = *p++;
  const bool triple = last - p >= 2 && p[0] == quote && p[1] == quote;
  if (triple) p += 2;
  while (p != last) {
    if (*p == '\\') {
      p += (last - p >= 2) ? 2 : 1;
    } else if (*p == quote && (!triple || (last - p >= 3 && p[1] == quote && p[2] == quote))) {
      return p + (triple ? 3 : 1);
    } else if (!triple && (*p == '\n' || *p == '\r')) {
      return p;
    } else {
      ++p;
    }
  }
  return p;
}

}  // namespace

std::string BracketErrors::Label(const ParseState& state, Iterator open) {
  if (*open != '(') return std::format("'{}'", *open);
  Iterator p = open;
  while (p != state.begin() && (p[-1] == ' ' || p[-1] == '\t')) --p;
  Iterator name_end = p;
  // Identifier bytes backwards: ASCII word characters and any byte of a
  // non-ASCII character.
  while (p != state.begin() &&
         (IsAsciiIdentifierContinue(p[-1]) || static_cast<unsigned char>(p[-1]) >= 0x80)) {
    --p;
  }
  if (p == name_end || IsDigit(*p)) return "'('";
  return std::format("'{}('", std::string_view(p, name_end - p));
}

void BracketErrors::Unclosed(ParseState& state, Iterator open, char close, Iterator at) {
  state.Abort("syntax.unclosed",
              std::format("expected '{}' to close {} opened at {}", close, Label(state, open),
                          OpenedAt(state, open)),
              state.SpanOf(at, at));
}

void BracketErrors::Mismatched(ParseState& state, Iterator open, Iterator at) {
  state.Abort("syntax.mismatched_bracket",
              std::format("closing '{}' does not match {} opened at {}", *at, Label(state, open),
                          OpenedAt(state, open)),
              state.SpanOf(at, at + 1));
}

void BracketErrors::ExpectedItem(ParseState& state, Iterator at, const std::string& item,
                                 char close) {
  const Span span = ErrorSpanAt(state, at);
  if (std::string invalid = InvalidCharacterMessage(state, span); !invalid.empty()) {
    state.Report("syntax.invalid_character", std::move(invalid), span);
    return;
  }
  state.Report("syntax.expected", std::format("expected {} or '{}'", item, close), span);
}

void BracketErrors::ExpectedSeparator(ParseState& state, Iterator open, char close, Iterator at) {
  const Span span = ErrorSpanAt(state, at);
  if (std::string invalid = InvalidCharacterMessage(state, span); !invalid.empty()) {
    state.Report("syntax.invalid_character", std::move(invalid), span);
    return;
  }
  state.Report("syntax.expected",
               std::format("expected ',' or '{}' to close {} opened at {}", close,
                           Label(state, open), OpenedAt(state, open)),
               span);
}

bool BracketErrors::Recover(ParseState& state, Iterator open, char close, Iterator from,
                            Iterator* stop, Iterator* resume) {
  const Iterator last = state.end();
  Iterator p = from;
  size_t depth = 0;  // brackets opened while skipping
  while (p != last) {
    const char c = *p;
    if (c == '\'' || c == '"') {
      p = SkipString(p, last);
      continue;
    }
    if (c == '#') {
      while (p != last && *p != '\n' && *p != '\r') ++p;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (IsCloser(c)) {
      if (depth > 0) {
        --depth;
      } else if (c == close) {
        *stop = p;
        *resume = p + 1;
        return false;
      } else {
        Mismatched(state, open, p);
      }
    } else if (c == ',' && depth == 0) {
      *stop = p;
      *resume = p + 1;
      return true;
    }
    ++p;
  }
  Unclosed(state, open, close, p);
}

}  // namespace querysafe::grammar::parser
