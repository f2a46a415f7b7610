// Token scanners behind the primitive parsers of tokens.h. The messages are
// Python 3.12's.
#include "grammar/tokens.h"

#include <algorithm>
#include <format>

#include "querysafe/diagnostic.h"

namespace querysafe::grammar::parser {

bool SkipSpaceSlow(Iterator& first, Iterator last) {
  Iterator p = first;
  while (p != last) {
    const char c = *p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++p;
    } else if (c == '#') {
      while (p != last && *p != '\n' && *p != '\r') ++p;
    } else if (c == '\\' && last - p >= 2 && (p[1] == '\n' || p[1] == '\r')) {
      p += (p[1] == '\r' && last - p >= 3 && p[2] == '\n') ? 3 : 2;
    } else {
      break;
    }
  }
  const bool moved = p != first;
  first = p;
  return moved;
}

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool IsDigitOfBase(char c, int base) {
  switch (base) {
    case 2:
      return c == '0' || c == '1';
    case 8:
      return c >= '0' && c <= '7';
    case 16:
      return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
    default:
      return IsDigit(c);
  }
}

const char* BaseName(int base) {
  switch (base) {
    case 2:
      return "binary";
    case 8:
      return "octal";
    default:
      return "hexadecimal";
  }
}

// The end of the identifier-like run at `p`, for the extent of a bad literal.
Iterator SkipWordChars(Iterator p, Iterator last) {
  while (p != last && (IdentifierContinues(p, last) || *p == '.')) {
    uint32_t c;
    p += DecodeUtf8(p, last, &c);
  }
  return p;
}

[[noreturn]] void Invalid(Iterator start, Iterator at, Iterator last, std::string message) {
  throw SyntaxFailure(start, SkipWordChars(at, last), "syntax.invalid_number", std::move(message));
}

// digitpart: digit (["_"] digit)*. `p` is on a digit. False (with `p` on the
// culprit) when an underscore is not followed by a digit.
bool ScanDigitPart(Iterator& p, Iterator last) {
  ++p;
  for (;;) {
    if (p != last && IsDigit(*p)) {
      ++p;
    } else if (p != last && *p == '_') {
      if (last - p < 2 || !IsDigit(p[1])) return false;
      p += 2;
    } else {
      return true;
    }
  }
}

// The line Python's tokenizer reports: at the end of the input, the last line
// that has text.
uint32_t LineOf(const ParseState& state, Iterator p) {
  if (p == state.end() && p != state.begin() && p[-1] == '\n') --p;
  return static_cast<uint32_t>(std::count(state.begin(), p, '\n')) + 1;
}

}  // namespace

const syntax::Node* number_parser::Scan(ParseState& state, Iterator& p, Iterator last) {
  const Iterator start = p;
  if (*p == '0' && last - p >= 2 &&
      ((p[1] | 0x20) == 'x' || (p[1] | 0x20) == 'o' || (p[1] | 0x20) == 'b')) {
    const int base = (p[1] | 0x20) == 'x' ? 16 : (p[1] | 0x20) == 'o' ? 8 : 2;
    p += 2;
    bool any = false;
    for (;;) {
      if (p != last && *p == '_') {
        if (last - p < 2 || !IsDigitOfBase(p[1], base)) {
          Invalid(start, p, last, std::format("invalid {} literal", BaseName(base)));
        }
        p += 2;
        any = true;
      } else if (p != last && IsDigitOfBase(*p, base)) {
        ++p;
        any = true;
      } else {
        break;
      }
    }
    if (!any || IdentifierContinues(p, last)) {
      // `p` is at the end of the input after a bare "0b" (found by fuzzing,
      // tests/data/regression/parse/): the text is not NUL-terminated.
      if (base != 16 && p != last && IsDigit(*p)) {
        Invalid(start, p, last,
                std::format("invalid digit '{}' in {} literal", *p, BaseName(base)));
      }
      Invalid(start, p, last, std::format("invalid {} literal", BaseName(base)));
    }
    return state.New<syntax::Number>(state.SpanOf(start, p), syntax::NumberKind::kInt,
                                     static_cast<uint8_t>(base));
  }

  bool is_float = false;
  if (IsDigit(*p) && !ScanDigitPart(p, last)) Invalid(start, p, last, "invalid decimal literal");
  if (p != last && *p == '.') {
    ++p;
    is_float = true;
    if (p != last && IsDigit(*p) && !ScanDigitPart(p, last)) {
      Invalid(start, p, last, "invalid decimal literal");
    }
  }
  if (p != last && (*p == 'e' || *p == 'E')) {
    Iterator q = p + 1;
    if (q != last && (*q == '+' || *q == '-')) ++q;
    if (q == last || !IsDigit(*q)) Invalid(start, p, last, "invalid decimal literal");
    if (!ScanDigitPart(q, last)) Invalid(start, q, last, "invalid decimal literal");
    p = q;
    is_float = true;
  }
  syntax::NumberKind kind = is_float ? syntax::NumberKind::kFloat : syntax::NumberKind::kInt;
  if (p != last && (*p == 'j' || *p == 'J')) {
    ++p;
    kind = syntax::NumberKind::kImaginary;
    if (IdentifierContinues(p, last)) Invalid(start, p, last, "invalid imaginary literal");
  }
  if (IdentifierContinues(p, last)) Invalid(start, p, last, "invalid decimal literal");
  if (kind == syntax::NumberKind::kInt && *start == '0' &&
      std::any_of(start, p, [](char c) { return c >= '1' && c <= '9'; })) {
    throw SyntaxFailure(start, p, "syntax.invalid_number",
                        "leading zeros in decimal integer literals are not "
                        "permitted; use an 0o "
                        "prefix for octal integers");
  }
  auto* number = state.NewMutable<syntax::Number>(state.SpanOf(start, p), kind, uint8_t{10});
  if (kind == syntax::NumberKind::kInt && p - start <= 19) {
    uint64_t value = 0;
    Iterator d = start;
    while (d != p && IsDigit(*d)) value = value * 10 + static_cast<uint64_t>(*d++ - '0');
    if (d == p) {
      number->has_value = true;
      number->value = value;
    }
  }
  return number;
}

bool string_parser::Scan(ParseState& state, Iterator& p, Iterator last,
                         syntax::StringPiece* piece) {
  const Iterator start = p;
  // The prefix: at most two of the letters r, b, u, f (any case), then the
  // quote. Most atoms that get here are names, and fail on the first letter.
  const auto is_prefix = [](char c) {
    c = static_cast<char>(c | 0x20);
    return c == 'r' || c == 'b' || c == 'u' || c == 'f';
  };
  size_t n = 0;
  while (n < 2 && start + n != last && is_prefix(start[n])) ++n;
  if (start + n == last || (start[n] != '\'' && start[n] != '"')) return false;
  uint8_t flags = 0;
  for (size_t i = 0; i < n; ++i) {
    uint8_t flag;
    switch (start[i] | 0x20) {
      case 'r':
        flag = syntax::kStringRaw;
        break;
      case 'b':
        flag = syntax::kStringBytes;
        break;
      case 'f':
        flag = syntax::kStringFormat;
        break;
      case 'u':
        if (n != 1) return false;  // u'' only alone
        continue;
      default:
        return false;
    }
    if (flags & flag) return false;
    flags |= flag;
  }
  if ((flags & syntax::kStringBytes) && (flags & syntax::kStringFormat)) return false;

  const char quote = start[n];
  Iterator q = start + n + 1;
  const bool triple = last - q >= 2 && q[0] == quote && q[1] == quote;
  if (triple) {
    q += 2;
    flags |= syntax::kStringTriple;
  }
  const Iterator body = q;
  // Only the quote, a backslash and line ends stop the scan: one table load
  // per character.
  static constexpr auto kStops = [] {
    std::array<std::array<bool, 256>, 2> t = {};
    for (auto& row : t) row['\\'] = row['\n'] = row['\r'] = true;
    t[0]['\''] = true;
    t[1]['"'] = true;
    return t;
  }();
  const std::array<bool, 256>& stops = kStops[quote == '"'];
  for (;;) {
    while (q != last && !stops[static_cast<unsigned char>(*q)]) ++q;
    if (q == last || (!triple && (*q == '\n' || *q == '\r'))) {
      // Nothing after an unterminated string can be trusted: Python stops here
      // too.
      state.Abort("syntax.unterminated_string",
                  triple ? std::format("unterminated triple-quoted string literal (detected at "
                                       "line {})",
                                       LineOf(state, q))
                         : std::format("unterminated string literal (detected at line {})",
                                       LineOf(state, q)),
                  state.SpanOf(start, q));
    }
    if (*q == '\\' || *q == '\r') flags |= syntax::kStringNeedsDecoding;
    if (*q == '\\') {
      ++q;
      if (q == last) continue;  // reported as unterminated above
      q += (*q == '\r' && last - q >= 2 && q[1] == '\n') ? 2 : 1;
      continue;
    }
    if (*q == quote) {
      if (!triple) break;
      if (last - q >= 3 && q[1] == quote && q[2] == quote) break;
    }
    ++q;
  }
  piece->body = state.SpanOf(body, q);
  q += triple ? 3 : 1;
  piece->span = state.SpanOf(start, q);
  piece->flags = flags;
  p = q;
  return true;
}

bool binary_op_parser::Scan(Iterator& p, Iterator last, syntax::OpKind* op) {
  using syntax::OpKind;
  // Called after every operand, where a ',' or a ')' is the usual next
  // character: rejected by table before the switch (whose jump table the
  // branch predictor hates).
  static constexpr std::array<bool, 256> kMayStart = [] {
    std::array<bool, 256> t = {};
    for (unsigned char c : std::string_view("|^&+-%@*/<>=!oain")) t[c] = true;
    return t;
  }();
  if (p == last || !kMayStart[static_cast<unsigned char>(*p)]) return false;
  const auto next_is = [&](char c) { return last - p >= 2 && p[1] == c; };
  const auto word = [&](std::string_view w) {
    return static_cast<size_t>(last - p) >= w.size() && std::string_view(p, w.size()) == w &&
           !IdentifierContinues(p + w.size(), last);
  };
  int len = 1;
  switch (*p) {
    case '|':
      *op = OpKind::kBitOr;
      break;
    case '^':
      *op = OpKind::kBitXor;
      break;
    case '&':
      *op = OpKind::kBitAnd;
      break;
    case '+':
      *op = OpKind::kAdd;
      break;
    case '-':
      *op = OpKind::kSub;
      break;
    case '%':
      *op = OpKind::kMod;
      break;
    case '@':
      *op = OpKind::kMatMul;
      break;
    case '*':
      if (next_is('*'))
        *op = OpKind::kPow, len = 2;
      else
        *op = OpKind::kMul;
      break;
    case '/':
      if (next_is('/'))
        *op = OpKind::kFloorDiv, len = 2;
      else
        *op = OpKind::kDiv;
      break;
    case '<':
      if (next_is('<'))
        *op = OpKind::kLShift, len = 2;
      else if (next_is('='))
        *op = OpKind::kLe, len = 2;
      else
        *op = OpKind::kLt;
      break;
    case '>':
      if (next_is('>'))
        *op = OpKind::kRShift, len = 2;
      else if (next_is('='))
        *op = OpKind::kGe, len = 2;
      else
        *op = OpKind::kGt;
      break;
    case '=':
      if (!next_is('=')) return false;  // `=` alone belongs to a keyword argument
      *op = OpKind::kEq, len = 2;
      break;
    case '!':
      if (!next_is('=')) return false;
      *op = OpKind::kNe, len = 2;
      break;
    case 'o':
      if (!word("or")) return false;
      *op = OpKind::kBoolOr, len = 2;
      break;
    case 'a':
      if (!word("and")) return false;
      *op = OpKind::kBoolAnd, len = 3;
      break;
    case 'i':
      if (word("in")) {
        *op = OpKind::kIn, len = 2;
      } else if (word("is")) {
        *op = OpKind::kIs, len = 2;
        // `is not`: the second word may follow any whitespace.
        Iterator q = p + 2;
        while (q != last && IsBlank(*q)) ++q;
        if (q != p + 2 && static_cast<size_t>(last - q) >= 3 && std::string_view(q, 3) == "not" &&
            !IdentifierContinues(q + 3, last)) {
          *op = OpKind::kIsNot;
          len = static_cast<int>(q + 3 - p);
        }
      } else {
        return false;
      }
      break;
    case 'n': {
      if (!word("not")) return false;
      Iterator q = p + 3;
      while (q != last && IsBlank(*q)) ++q;
      if (q == p + 3 || last - q < 2 || std::string_view(q, 2) != "in" ||
          IdentifierContinues(q + 2, last)) {
        return false;
      }
      *op = OpKind::kNotIn;
      len = static_cast<int>(q + 2 - p);
      break;
    }
    default:
      return false;
  }
  p += len;
  return true;
}

}  // namespace querysafe::grammar::parser
