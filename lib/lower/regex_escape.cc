#include "lib/lower/regex_escape.h"

namespace querysafe::lower {

std::string EscapeRegex(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u == 0) {
      out += "\\x00";
    } else if (u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '_') {
      out.push_back(c);
    } else {
      out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

Anchors AnchorsOf(bound::Pattern pattern) {
  switch (pattern) {
    case bound::Pattern::kExact:
      return {true, true};
    case bound::Pattern::kPrefix:
      return {true, false};
    case bound::Pattern::kSuffix:
      return {false, true};
    case bound::Pattern::kNone:
    case bound::Pattern::kSubstring:
    case bound::Pattern::kRegex:
      return {};
  }
  return {};
}

std::string PatternFor(bound::Pattern pattern, std::string_view text) {
  switch (pattern) {
    case bound::Pattern::kExact:
      return "^" + EscapeRegex(text) + "\\z";
    case bound::Pattern::kPrefix:
      return "^" + EscapeRegex(text);
    case bound::Pattern::kSuffix:
      return EscapeRegex(text) + "\\z";
    case bound::Pattern::kRegex:
      return std::string(text);
    case bound::Pattern::kNone:  // not a pattern lookup: callers never ask
    case bound::Pattern::kSubstring:
      return EscapeRegex(text);
  }
  return EscapeRegex(text);
}

}  // namespace querysafe::lower
