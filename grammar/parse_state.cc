#include "grammar/parse_state.h"

#include <format>

#include "grammar/identifier.h"
#include "grammar/tokens.h"

namespace querysafe::grammar {

void ParseState::TooLarge() {
  Abort("syntax.too_large",
        std::format("the query is too large (more than {} syntax nodes)", limits_.max_nodes),
        Span{0, 0});
}

void ParseState::Enter(Iterator open) {
  if (++depth_ > limits_.max_depth) {
    Abort("syntax.too_deep",
          std::format("too many nested brackets (the limit is {})", limits_.max_depth),
          SpanOf(open, open + 1));
  }
}

void ParseState::Report(std::string_view code, std::string message, Span span) {
  diagnostics_->push_back(Diagnostic{.category = Category::kSyntaxError,
                                     .code = std::string(code),
                                     .message = std::move(message),
                                     .span = span,
                                     .location = {}});
  if (++errors_ >= limits_.max_errors) throw AbortParse();
}

void ParseState::Report(const boost::spirit::x3::expectation_failure<Iterator>& failure) {
  if (const auto* own = dynamic_cast<const SyntaxFailure*>(&failure)) {
    Report(own->code(), own->which(), SpanOf(own->where(), own->end()));
    return;
  }
  const Span span = ErrorSpanAt(*this, failure.where());
  if (std::string invalid = InvalidCharacterMessage(*this, span); !invalid.empty()) {
    Report("syntax.invalid_character", std::move(invalid), span);
    return;
  }
  Report("syntax.expected", "expected " + failure.which(), span);
}

void ParseState::Abort(std::string_view code, std::string message, Span span) {
  if (errors_ < limits_.max_errors) {
    diagnostics_->push_back(Diagnostic{.category = Category::kSyntaxError,
                                       .code = std::string(code),
                                       .message = std::move(message),
                                       .span = span,
                                       .location = {}});
    ++errors_;
  }
  throw AbortParse();
}

Span ErrorSpanAt(const ParseState& state, Iterator p) {
  const Iterator last = state.end();
  parser::SkipSpace(p, last);
  if (p == last) return state.SpanOf(p, p);
  Iterator q = p;
  if (const size_t n = ScanIdentifier(p, last); n > 0) {
    q += n;
  } else if (parser::IsDigit(*p)) {
    while (q != last && (parser::IsAsciiIdentifierContinue(*q) || *q == '.')) ++q;
  } else {
    uint32_t c;
    q += DecodeUtf8(p, last, &c);
  }
  return state.SpanOf(p, q);
}

std::string InvalidCharacterMessage(const ParseState& state, Span span) {
  if (span.begin == span.end) return {};
  const Iterator p = state.begin() + span.begin;
  if (static_cast<unsigned char>(*p) < 0x80) return {};
  uint32_t c;
  const int len = DecodeUtf8(p, state.end(), &c);
  if (IsIdentifierStart(c)) return {};
  return std::format("invalid character '{}' (U+{:04X})", std::string_view(p, len), c);
}

}  // namespace querysafe::grammar
