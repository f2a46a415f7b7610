#include "grammar/parse_syntax.h"

#include <format>

#include "grammar/config.h"
#include "grammar/grammar.h"

namespace querysafe::grammar {

namespace x3 = boost::spirit::x3;

const syntax::Node* ParseSyntax(std::string_view input, const Limits& limits, Arena* arena,
                                Diagnostics* diagnostics) {
  ParseState state(input, arena, limits, diagnostics);
  const parser::context_type context(state);
  Iterator first = state.begin();
  parser::SkipSpace(first, state.end());
  const syntax::Node* root = nullptr;
  try {
    if (QueryRule().parse(first, state.end(), context, x3::unused, root)) return root;
    if (state.error_count() == 0) {
      // Nothing matched at all: an empty query, or one that starts with a stray
      // token.
      Span span = ErrorSpanAt(state, first);
      const char c = span.begin < input.size() ? input[span.begin] : '\0';
      if (c == ')' || c == ']' || c == '}') {
        state.Report("syntax.unmatched_bracket", std::format("unmatched '{}'", c), span);
      } else if (std::string invalid = InvalidCharacterMessage(state, span); !invalid.empty()) {
        state.Report("syntax.invalid_character", std::move(invalid), span);
      } else {
        state.Report("syntax.expected", "expected a query, such as Model.objects.all()", span);
      }
    }
  } catch (const AbortParse&) {
    // Already reported.
  } catch (const x3::expectation_failure<Iterator>& failure) {
    // Not reachable through the query rule's error handler, kept as a guard.
    try {
      state.Report(failure);
    } catch (const AbortParse&) {
    }
  }
  return nullptr;
}

absl::InlinedVector<Span, 4> SplitLookupKey(std::string_view key) {
  Diagnostics unused_diagnostics;
  ParseState state(key, nullptr, Limits{}, &unused_diagnostics);
  const parser::context_type context(state);
  Iterator first = state.begin();
  parser::KeyParts parts;
  LookupKeyRule().parse(first, state.end(), context, x3::unused, parts);
  return parts;
}

}  // namespace querysafe::grammar
