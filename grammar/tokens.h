// The grammar's primitive parsers: whitespace, names, numbers, string literals,
// parameters, operators and the end of the query. They follow Python's
// tokenizer (Lexical analysis, Python 3.12 reference): numbers are checked
// here, so that `1__0`, `0x` and `012` get Python's own messages at the right
// spot; string literals are only delimited here (lib/parse decodes escapes).
// Each parser pre-skips whitespace, as X3 primitives do, and produces spans or
// arena nodes, never strings.
#ifndef QUERYSAFE_GRAMMAR_TOKENS_H_
#define QUERYSAFE_GRAMMAR_TOKENS_H_

#include <array>
#include <boost/spirit/home/x3.hpp>
#include <format>
#include <string>

#include "grammar/identifier.h"
#include "grammar/parse_state.h"
#include "grammar/syntax_tree.h"

namespace querysafe::grammar::parser {

namespace x3 = boost::spirit::x3;

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
// Character classes of the ASCII range, by table: the scanners' inner loops.
enum CharClass : uint8_t {
  kNameStart = 1,     // a-z A-Z _
  kNameContinue = 2,  // a-z A-Z _ 0-9
  kSpaceStart = 4,    // what SkipSpaceSlow may skip: blanks, line ends, '#', '\\'
};
inline constexpr std::array<uint8_t, 256> kCharClasses = [] {
  std::array<uint8_t, 256> t = {};
  for (int c = 0; c < 128; ++c) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (letter) t[c] |= kNameStart | kNameContinue;
    if (c >= '0' && c <= '9') t[c] |= kNameContinue;
  }
  for (char c : {' ', '\t', '\n', '\r', '\f', '#', '\\'}) {
    t[static_cast<unsigned char>(c)] |= kSpaceStart;
  }
  return t;
}();

inline bool IsAsciiIdentifierContinue(char c) {
  return kCharClasses[static_cast<unsigned char>(c)] & kNameContinue;
}

// True if an identifier character starts at `p` (used for keyword and literal
// boundaries).
inline bool IdentifierContinues(Iterator p, Iterator last) {
  if (p == last) return false;
  if (static_cast<unsigned char>(*p) < 0x80) return IsAsciiIdentifierContinue(*p);
  uint32_t c;
  DecodeUtf8(p, last, &c);
  return IsIdentifierContinue(c);
}

// Python's whitespace between tokens: blanks, newlines (the query is one
// expression, so newlines are allowed anywhere, as inside brackets), backslash
// continuations and # comments. Every token parser skips the whitespace after
// its token (and ParseSyntax the whitespace before the first), so the grammar
// runs without an X3 skipper: a skipper would be called before every
// alternative tried, which made up a tenth of the parse time.
bool SkipSpaceSlow(Iterator& p, Iterator last);

[[gnu::always_inline]] inline void SkipSpace(Iterator& p, Iterator last) {
  // One table test: this runs after every token.
  if (p != last && (kCharClasses[static_cast<unsigned char>(*p)] & kSpaceStart))
    SkipSpaceSlow(p, last);
}

struct identifier_parser : x3::parser<identifier_parser> {
  using attribute_type = Span;
  static bool const has_attribute = true;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    It p = first;
    // ASCII fast path; other characters go through the Unicode tables.
    if (p != last && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')) {
      ++p;
      for (;;) {
        while (p != last && IsAsciiIdentifierContinue(*p)) ++p;
        if (p == last || static_cast<unsigned char>(*p) < 0x80) break;
        uint32_t c;
        const int len = DecodeUtf8(p, last, &c);
        if (!IsIdentifierContinue(c)) break;
        p += len;
      }
    } else {
      p += ScanIdentifier(p, last);
    }
    if (p == first) return false;
    x3::traits::move_to(x3::get<state_tag>(context).SpanOf(first, p), attr);
    first = p;
    SkipSpace(first, last);
    return true;
  }
};

// Numbers as Python's tokenizer reads them (integer, float and imaginary
// literals).
struct number_parser : x3::parser<number_parser> {
  using attribute_type = const syntax::Node*;
  static bool const has_attribute = true;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    if (first == last) return false;
    if (!IsDigit(*first) && !(*first == '.' && last - first >= 2 && IsDigit(first[1]))) {
      return false;
    }
    ParseState& state = x3::get<state_tag>(context);
    It p = first;
    const syntax::Node* node = Scan(state, p, last);
    x3::traits::move_to(node, attr);
    first = p;
    SkipSpace(first, last);
    return true;
  }

 private:
  static const syntax::Node* Scan(ParseState& state, Iterator& p, Iterator last);
};

// One string literal token: optional prefix, then '...', "...", '''...''' or
// """...""".
struct string_parser : x3::parser<string_parser> {
  using attribute_type = syntax::StringPiece;
  static bool const has_attribute = true;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    syntax::StringPiece piece;
    It p = first;
    if (!Scan(x3::get<state_tag>(context), p, last, &piece)) return false;
    x3::traits::move_to(piece, attr);
    first = p;
    SkipSpace(first, last);
    return true;
  }

 private:
  static bool Scan(ParseState& state, Iterator& p, Iterator last, syntax::StringPiece* piece);
};

// $name: a parameter bound at run time.
struct param_parser : x3::parser<param_parser> {
  using attribute_type = const syntax::Node*;
  static bool const has_attribute = true;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    if (first == last || *first != '$') return false;
    ParseState& state = x3::get<state_tag>(context);
    const size_t n = ScanIdentifier(first + 1, last);
    if (n == 0) {
      throw SyntaxFailure(first, first + 1, "syntax.expected",
                          "expected a parameter name after '$'");
    }
    It end = first + 1 + n;
    const syntax::Node* node =
        state.New<syntax::Param>(state.SpanOf(first, end), state.SpanOf(first + 1, end));
    x3::traits::move_to(node, attr);
    first = end;
    SkipSpace(first, last);
    return true;
  }
};

// Binary operators, including the ones lib/parse rejects with a hint (`and`,
// `or`, comparisons,
// `**`, `//`...), so that the diagnostic can say what to write instead.
struct binary_op_parser : x3::parser<binary_op_parser> {
  using attribute_type = syntax::OpToken;
  static bool const has_attribute = true;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    It p = first;
    syntax::OpToken token;
    if (!Scan(p, last, &token.op)) return false;
    token.span = x3::get<state_tag>(context).SpanOf(first, p);
    x3::traits::move_to(token, attr);
    first = p;
    SkipSpace(first, last);
    return true;
  }

 private:
  static bool Scan(Iterator& p, Iterator last, syntax::OpKind* op);
};

// Prefix operators: - + ~ and `not` (rejected by lib/parse with a hint to use
// ~).
struct unary_op_parser : x3::parser<unary_op_parser> {
  using attribute_type = syntax::OpToken;
  static bool const has_attribute = true;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    if (first == last) return false;
    syntax::OpToken token;
    It p = first;
    switch (*p) {
      case '-':
        token.op = syntax::OpKind::kNeg;
        ++p;
        break;
      case '+':
        token.op = syntax::OpKind::kPos;
        ++p;
        break;
      case '~':
        token.op = syntax::OpKind::kInvert;
        ++p;
        break;
      case 'n':
        if (last - p < 3 || p[1] != 'o' || p[2] != 't' || IdentifierContinues(p + 3, last)) {
          return false;
        }
        token.op = syntax::OpKind::kBoolNot;
        p += 3;
        break;
      default:
        return false;
    }
    ParseState& state = x3::get<state_tag>(context);
    state.Count(1);  // a 100,000-long `~~~...` is bounded by max_nodes
    token.span = state.SpanOf(first, p);
    x3::traits::move_to(token, attr);
    first = p;
    SkipSpace(first, last);
    return true;
  }
};

// A fixed punctuation token whose span the grammar keeps ('.', '*', '**').
struct punct_parser : x3::parser<punct_parser> {
  using attribute_type = Span;
  static bool const has_attribute = true;

  constexpr explicit punct_parser(std::string_view token) : text(token) {}

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute& attr) const {
    if (static_cast<size_t>(last - first) < text.size() ||
        std::string_view(first, text.size()) != text) {
      return false;
    }
    x3::traits::move_to(x3::get<state_tag>(context).SpanOf(first, first + text.size()), attr);
    first += text.size();
    SkipSpace(first, last);
    return true;
  }

  std::string_view text;
};

// The '=' of a keyword argument: not the start of '=='.
struct kwarg_equals_parser : x3::parser<kwarg_equals_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const&, RContext&, Attribute&) const {
    if (first == last || *first != '=' || (last - first >= 2 && first[1] == '=')) {
      return false;
    }
    ++first;
    SkipSpace(first, last);
    return true;
  }
};

// After the whole query: nothing but whitespace may follow.
struct end_of_query_parser : x3::parser<end_of_query_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const&, RContext&, Attribute&) const {
    if (first == last) return true;
    if (*first == ')' || *first == ']' || *first == '}') {
      throw SyntaxFailure(first, first + 1, "syntax.unmatched_bracket",
                          std::format("unmatched '{}'", *first));
    }
    return false;
  }
};

}  // namespace querysafe::grammar::parser

namespace boost::spirit::x3 {

// What the grammar's own parsers are called in "expected ..." messages.
#define QUERYSAFE_GRAMMAR_INFO(parser_type, text)                                                 \
  template <>                                                                                     \
  struct get_info<querysafe::grammar::parser::parser_type> {                                      \
    typedef std::string result_type;                                                              \
    std::string operator()(querysafe::grammar::parser::parser_type const&) const { return text; } \
  };
QUERYSAFE_GRAMMAR_INFO(identifier_parser, "a name")
QUERYSAFE_GRAMMAR_INFO(number_parser, "a number")
QUERYSAFE_GRAMMAR_INFO(string_parser, "a string")
QUERYSAFE_GRAMMAR_INFO(param_parser, "a parameter")
QUERYSAFE_GRAMMAR_INFO(binary_op_parser, "an operator")
QUERYSAFE_GRAMMAR_INFO(unary_op_parser, "an operator")
QUERYSAFE_GRAMMAR_INFO(punct_parser, "punctuation")
QUERYSAFE_GRAMMAR_INFO(kwarg_equals_parser, "'='")
QUERYSAFE_GRAMMAR_INFO(end_of_query_parser, "an operator or the end of the query")
#undef QUERYSAFE_GRAMMAR_INFO

}  // namespace boost::spirit::x3

#endif  // QUERYSAFE_GRAMMAR_TOKENS_H_
