#include "lib/parse/literals.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <format>
#include <string>

#include "grammar/identifier.h"

namespace querysafe::parse_internal {

namespace {

using grammar::syntax::StringPiece;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, char*& out) {
  if (cp < 0x80) {
    *out++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out++ = static_cast<char>(0xC0 | (cp >> 6));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (cp >> 12));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (cp >> 18));
    *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// True if the piece's value is its body as written: no escapes to decode, no
// newlines to normalize, nothing to check.
bool IsVerbatim(const StringPiece& piece) {
  // The grammar saw every backslash and carriage return of the body.
  constexpr uint8_t kDecode = grammar::syntax::kStringBytes | grammar::syntax::kStringFormat |
                              grammar::syntax::kStringNeedsDecoding;
  if (piece.flags & kDecode) {
    // A raw string is verbatim but for carriage returns; the flag does not
    // tell them apart from backslashes, so decode it (rare).
    return false;
  }
  return true;
}

class PieceDecoder {
 public:
  PieceDecoder(std::string_view input, Reporter* reporter) : input_(input), reporter_(reporter) {}

  // Appends the value of `piece` at `out`; false after reporting an error.
  bool Decode(const StringPiece& piece, char*& out) {
    const bool raw = piece.flags & grammar::syntax::kStringRaw;
    const bool bytes = piece.flags & grammar::syntax::kStringBytes;
    const char* p = input_.data() + piece.body.begin;
    const char* const end = input_.data() + piece.body.end;
    while (p != end) {
      const char c = *p;
      if (bytes && static_cast<unsigned char>(c) >= 0x80) {
        uint32_t cp;
        const int len = grammar::DecodeUtf8(p, end, &cp);
        return Fail("parse.bytes_not_ascii", "bytes can only contain ASCII literal characters", p,
                    p + len);
      }
      if (c == '\r') {  // Python reads source newlines as "\n"
        *out++ = '\n';
        p += (end - p >= 2 && p[1] == '\n') ? 2 : 1;
        continue;
      }
      if (c != '\\' || raw) {
        *out++ = c;
        ++p;
        continue;
      }
      if (!Escape(p, end, bytes, out)) return false;
    }
    return true;
  }

 private:
  bool Fail(std::string_view code, std::string message, const char* begin, const char* end) {
    reporter_->Report(Category::kSyntaxError, code, std::move(message),
                      Span{static_cast<uint32_t>(begin - input_.data()),
                           static_cast<uint32_t>(end - input_.data())});
    return false;
  }

  // `p` is on a backslash (never the last character of a body: the grammar saw
  // to that).
  bool Escape(const char*& p, const char* end, bool bytes, char*& out) {
    const char* const start = p;
    const char c = p[1];
    p += 2;
    switch (c) {
      case '\n':
        return true;
      case '\r':
        if (p != end && *p == '\n') ++p;
        return true;
      case '\\':
      case '\'':
      case '"':
        *out++ = c;
        return true;
      case 'a':
        *out++ = '\a';
        return true;
      case 'b':
        *out++ = '\b';
        return true;
      case 'f':
        *out++ = '\f';
        return true;
      case 'n':
        *out++ = '\n';
        return true;
      case 'r':
        *out++ = '\r';
        return true;
      case 't':
        *out++ = '\t';
        return true;
      case 'v':
        *out++ = '\v';
        return true;
      case 'x':
        return Hex(start, p, end, 2, bytes, out, "truncated \\xXX escape");
      case 'u':
        if (bytes) break;
        return Hex(start, p, end, 4, bytes, out, "truncated \\uXXXX escape");
      case 'U':
        if (bytes) break;
        return Hex(start, p, end, 8, bytes, out, "truncated \\UXXXXXXXX escape");
      case 'N':
        if (bytes) break;
        if (p != end && *p == '{') {
          const char* close = std::find(p, end, '}');
          if (close != end) p = close + 1;
        }
        return Fail("parse.unsupported_escape",
                    "\\N{...} escapes are not supported: write the character "
                    "itself or a "
                    "\\uXXXX escape",
                    start, p);
      default:
        if (c >= '0' && c <= '7') {
          // Up to three octal digits. Python keeps values above 0o377: a code
          // point in str, the low byte in bytes.
          uint32_t value = static_cast<uint32_t>(c - '0');
          for (int i = 0; i < 2 && p != end && *p >= '0' && *p <= '7'; ++i, ++p) {
            value = value * 8 + static_cast<uint32_t>(*p - '0');
          }
          if (bytes) {
            *out++ = static_cast<char>(value & 0xFF);
          } else {
            AppendUtf8(value, out);
          }
          return true;
        }
        break;
    }
    // Not an escape: Python keeps the backslash and the character (which
    // matters for regex values such as "\d+").
    *out++ = '\\';
    p = start + 1;
    return true;
  }

  bool Hex(const char* start, const char*& p, const char* end, int digits, bool bytes, char*& out,
           const char* truncated) {
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const int v = p != end ? HexValue(*p) : -1;
      if (v < 0) return Fail("parse.bad_escape", truncated, start, p);
      value = value * 16 + static_cast<uint32_t>(v);
      ++p;
    }
    if (bytes) {
      *out++ = static_cast<char>(value);
      return true;
    }
    if (value > 0x10FFFF) return Fail("parse.bad_escape", "illegal Unicode character", start, p);
    if (value >= 0xD800 && value <= 0xDFFF) {
      return Fail("parse.surrogate_escape",
                  std::format("escape {} is a surrogate code point (U+{:04X}), which a UTF-8 "
                              "string cannot hold",
                              std::string_view(start, p - start), value),
                  start, p);
    }
    AppendUtf8(value, out);
    return true;
  }

  std::string_view input_;
  Reporter* reporter_;
};

}  // namespace

std::optional<StringValue> DecodeString(const grammar::syntax::String& node, std::string_view input,
                                        uint32_t max_bytes, grammar::BumpAllocator* arena,
                                        Reporter* reporter) {
  const auto body = [&](const StringPiece& p) {
    return input.substr(p.body.begin, p.body.end - p.body.begin);
  };
  StringValue result;
  result.is_bytes = node.pieces.front().flags & grammar::syntax::kStringBytes;
  size_t total = 0;
  bool ok = true;
  for (const StringPiece& piece : node.pieces) {
    if (piece.flags & grammar::syntax::kStringFormat) {
      reporter->Report(Category::kSyntaxError, "parse.fstring",
                       "f-strings are not supported: write the value itself, "
                       "or a $parameter",
                       piece.span);
      ok = false;
    } else if (static_cast<bool>(piece.flags & grammar::syntax::kStringBytes) != result.is_bytes) {
      reporter->Report(Category::kSyntaxError, "parse.bytes_mix",
                       "cannot mix bytes and nonbytes literals", piece.span);
      ok = false;
    }
    total += piece.body.end - piece.body.begin;
  }
  if (!ok) return std::nullopt;

  if (node.pieces.size() == 1 && IsVerbatim(node.pieces.front())) {
    result.value = body(node.pieces.front());
  } else {
    // Decoding never lengthens the text, so the bodies' total size is enough.
    char* const buffer = static_cast<char*>(arena->Allocate(total == 0 ? 1 : total, 1));
    char* out = buffer;
    PieceDecoder decoder(input, reporter);
    for (const StringPiece& piece : node.pieces) {
      if (!decoder.Decode(piece, out)) return std::nullopt;
    }
    result.value = std::string_view(buffer, static_cast<size_t>(out - buffer));
  }
  if (result.value.size() > max_bytes) {
    reporter->Report(Category::kSyntaxError, "parse.literal_too_large",
                     std::format("string literal of {} bytes is longer than the limit of {}",
                                 result.value.size(), max_bytes),
                     node.span);
    return std::nullopt;
  }
  return result;
}

std::optional<uint64_t> IntTokenValue(std::string_view token, int base) {
  size_t i = base == 10 ? 0 : 2;  // skip 0x, 0o, 0b
  uint64_t value = 0;
  for (; i < token.size(); ++i) {
    const char c = token[i];
    if (c == '_') continue;
    const uint64_t digit = static_cast<uint64_t>(HexValue(c));
    if (value > (UINT64_MAX - digit) / static_cast<uint64_t>(base)) return std::nullopt;
    value = value * static_cast<uint64_t>(base) + digit;
  }
  return value;
}

namespace {

// Copies `text` without underscores into `out` (a small buffer, or `heap` when
// longer).
std::string_view StripUnderscores(std::string_view text, char (&buffer)[64], std::string* heap) {
  char* out = buffer;
  if (text.size() > sizeof buffer) {
    heap->resize(text.size());
    out = heap->data();
  }
  size_t n = 0;
  for (char c : text) {
    if (c != '_') out[n++] = c;
  }
  return {out, n};
}

// For a decimal float literal out of the double range: +inf when it is too
// large, 0 when it is too small, as Python's float() rounds them.
double OutOfRange(std::string_view digits) {
  const size_t e = digits.find_first_of("eE");
  std::string_view mantissa = digits.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp = digits.substr(e + 1);
    const bool negative = !exp.empty() && exp[0] == '-';
    if (!exp.empty() && (exp[0] == '-' || exp[0] == '+')) exp.remove_prefix(1);
    for (char c : exp) {
      exponent = std::min<int64_t>(exponent * 10 + (c - '0'), int64_t{1} << 40);
    }
    if (negative) exponent = -exponent;
  }
  const size_t dot = mantissa.find('.');
  const size_t int_digits = dot == std::string_view::npos ? mantissa.size() : dot;
  const size_t first = mantissa.find_first_of("123456789");
  if (first == std::string_view::npos) return 0.0;
  const int64_t position = first < int_digits ? static_cast<int64_t>(int_digits - first - 1)
                                              : -static_cast<int64_t>(first - int_digits);
  return position + exponent > 0 ? HUGE_VAL : 0.0;
}

double ParseDecimalDigits(std::string_view digits) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  (void)ptr;
  if (ec == std::errc::result_out_of_range) return OutOfRange(digits);
  return value;
}

}  // namespace

double FloatTokenValue(std::string_view token) {
  char buffer[64] = {};  // initialised: g++ 16 cannot see StripUnderscores writes before reading
  std::string heap;
  return ParseDecimalDigits(StripUnderscores(token, buffer, &heap));
}

std::optional<double> FloatFromString(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  const auto iequals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if ((a[i] | 0x20) != b[i]) return false;
    }
    return true;
  };
  if (iequals(s, "inf") || iequals(s, "infinity")) return negative ? -HUGE_VAL : HUGE_VAL;
  if (iequals(s, "nan")) return negative ? -std::nan("") : std::nan("");
  // digitpart ["." [digitpart]] | "." digitpart, then [e [sign] digitpart];
  // underscores only between digits.
  size_t i = 0;
  const auto digit_part = [&]() {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    ++i;
    while (i < s.size()) {
      if (s[i] >= '0' && s[i] <= '9') {
        ++i;
      } else if (s[i] == '_' && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
        i += 2;
      } else {
        break;
      }
    }
    return true;
  };
  const bool int_part = digit_part();
  bool frac_part = false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_part = digit_part();
  }
  if (!int_part && !frac_part) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit_part()) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const double value = FloatTokenValue(s);
  return negative ? -value : value;
}

}  // namespace querysafe::parse_internal
