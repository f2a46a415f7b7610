// Unicode identifier classes. Spirit's tables are large static arrays, so they
// are included in this one file only.
#include "grammar/identifier.h"

#include <algorithm>
#include <array>
#include <boost/spirit/home/support/char_encoding/unicode/query.hpp>

namespace querysafe::grammar {

int DecodeUtf8(const char* p, const char* end, uint32_t* code_point) {
  const auto byte = [&](int i) { return static_cast<unsigned char>(p[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  int len;
  uint32_t cp;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    *code_point = 0xFFFD;
    return 1;
  }
  if (end - p < len) {
    *code_point = 0xFFFD;
    return 1;
  }
  for (int i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      *code_point = 0xFFFD;
      return 1;
    }
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *code_point = 0xFFFD;
    return 1;
  }
  *code_point = cp;
  return len;
}

bool IsIdentifierStart(uint32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  namespace ucd = boost::spirit::ucd;
  switch (ucd::get_category(c)) {
    case ucd::properties::uppercase_letter:
    case ucd::properties::lowercase_letter:
    case ucd::properties::titlecase_letter:
    case ucd::properties::modifier_letter:
    case ucd::properties::other_letter:
    case ucd::properties::letter_number:
      return true;
    default:
      return false;
  }
}

bool IsIdentifierContinue(uint32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  if (IsIdentifierStart(c)) return true;
  namespace ucd = boost::spirit::ucd;
  switch (ucd::get_category(c)) {
    case ucd::properties::nonspacing_mark:
    case ucd::properties::spacing_mark:
    case ucd::properties::decimal_number:
    case ucd::properties::connector_punctuation:
      return true;
    default:
      return false;
  }
}

size_t ScanIdentifier(const char* p, const char* end) {
  const char* q = p;
  // ASCII fast path; the Unicode tables only for other characters.
  if (q != end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_')) {
    ++q;
    while (q != end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                        (*q >= '0' && *q <= '9') || *q == '_')) {
      ++q;
    }
  }
  bool first = q == p;
  while (q != end) {
    uint32_t c;
    int len;
    if (static_cast<unsigned char>(*q) < 0x80) {
      c = static_cast<unsigned char>(*q);
      len = 1;
    } else {
      len = DecodeUtf8(q, end, &c);
    }
    if (!(first ? IsIdentifierStart(c) : IsIdentifierContinue(c))) break;
    q += len;
    first = false;
  }
  return static_cast<size_t>(q - p);
}

bool IsIdentifier(std::string_view text) {
  return !text.empty() && ScanIdentifier(text.data(), text.data() + text.size()) == text.size();
}

bool IsPythonKeyword(std::string_view name) {
  // Python 3.12's keyword.kwlist, by length: a name is compared with the few
  // keywords of its length (most names are longer than any of them).
  static constexpr std::string_view k2[] = {"as", "if", "in", "is", "or"};
  static constexpr std::string_view k3[] = {"and", "def", "del", "for", "not", "try"};
  static constexpr std::string_view k4[] = {"None", "True", "elif", "else", "from", "pass", "with"};
  static constexpr std::string_view k5[] = {"False", "async", "await", "break",
                                            "class", "raise", "while", "yield"};
  static constexpr std::string_view k6[] = {"assert", "except", "global",
                                            "import", "lambda", "return"};
  static constexpr std::string_view k7[] = {"finally"};
  static constexpr std::string_view k8[] = {"continue", "nonlocal"};
  const auto in = [&](const auto& list) {
    for (std::string_view k : list) {
      if (k[0] == name[0] && k == name) return true;
    }
    return false;
  };
  switch (name.size()) {
    case 2:
      return in(k2);
    case 3:
      return in(k3);
    case 4:
      return in(k4);
    case 5:
      return in(k5);
    case 6:
      return in(k6);
    case 7:
      return in(k7);
    case 8:
      return in(k8);
    default:
      return false;
  }
}

}  // namespace querysafe::grammar
