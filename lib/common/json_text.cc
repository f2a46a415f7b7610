#include "lib/common/json_text.h"

#include <format>

namespace querysafe {
namespace {

void AppendControlCodes(std::string_view s, std::string* out) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u == 0x7F) {
      *out += std::format("\\u{:04x}", u);
    } else {
      out->push_back(c);
    }
  }
}

void AppendPythonAscii(std::string_view s, std::string* out) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0x80) {
      len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
      if (len == 1 || i + len > s.size()) {
        cp = 0xFFFD;
        len = 1;
      } else {
        cp = c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) {
          cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        }
      }
    }
    i += len;
    switch (cp) {
      case '"':
        *out += "\\\"";
        continue;
      case '\\':
        *out += "\\\\";
        continue;
      case '\n':
        *out += "\\n";
        continue;
      case '\r':
        *out += "\\r";
        continue;
      case '\t':
        *out += "\\t";
        continue;
      case '\b':
        *out += "\\b";
        continue;
      case '\f':
        *out += "\\f";
        continue;
      default:
        break;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
      out->push_back(static_cast<char>(cp));
    } else if (cp > 0xFFFF) {
      cp -= 0x10000;
      *out += std::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else {
      *out += std::format("\\u{:04x}", cp);
    }
  }
}

}  // namespace

void AppendJsonString(std::string_view s, JsonEscapes escapes, std::string* out) {
  out->push_back('"');
  if (escapes == JsonEscapes::kPythonAscii) {
    AppendPythonAscii(s, out);
  } else {
    AppendControlCodes(s, out);
  }
  out->push_back('"');
}

}  // namespace querysafe
