// A forward-only scanner over JSON text that libbson has already accepted, so it can assume the
// text is well formed and only has to be robust (never read past the end) when it is not.
// Written by hand: libbson's and Boost.JSON's parsers do not report the offsets of values.

#include "lib/schema/json_locate.h"

#include <cstdint>
#include <string>

namespace querysafe::schema {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  void Advance() { ++pos_; }
  void Seek(size_t pos) { pos_ = pos; }

  void SkipSpace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                        text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // At a '"': reads the string, decoding escapes into `out` (if given). False if unterminated.
  bool String(std::string* out) {
    ++pos_;  // the opening quote
    while (!AtEnd()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        if (out != nullptr) out->push_back(c);
        continue;
      }
      if (AtEnd()) return false;
      const char e = text_[pos_++];
      if (out == nullptr) {
        continue;
      }
      switch (e) {
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u':
          AppendUtf8(Hex4(), out);
          break;
        default:
          out->push_back(e);  // \" \\ \/
      }
    }
    return false;
  }

  // Skips one value of any kind. False if the text ends first.
  bool SkipValue() {
    SkipSpace();
    int depth = 0;
    do {
      if (AtEnd()) return false;
      const char c = text_[pos_];
      if (c == '"') {
        if (!String(nullptr)) return false;
      } else if (c == '{' || c == '[') {
        ++depth;
        ++pos_;
      } else if (c == '}' || c == ']') {
        --depth;
        ++pos_;
      } else if (c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        // A number or a literal: up to the next delimiter.
        while (!AtEnd() &&
               std::string_view(",]} \t\r\n").find(text_[pos_]) == std::string_view::npos) {
          ++pos_;
        }
      }
    } while (depth > 0);
    return true;
  }

 private:
  uint32_t Hex4() {
    uint32_t v = 0;
    for (int i = 0; i < 4 && !AtEnd(); ++i) {
      const char h = text_[pos_++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<uint32_t>(h - 'A' + 10);
    }
    // A surrogate pair is two escapes.
    if (v >= 0xD800 && v <= 0xDBFF && pos_ + 1 < text_.size() && text_[pos_] == '\\' &&
        text_[pos_ + 1] == 'u') {
      pos_ += 2;
      const uint32_t low = Hex4();
      if (low >= 0xDC00 && low <= 0xDFFF) return 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
    }
    return v;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

Span Range(size_t begin, size_t end) {
  return Span{static_cast<uint32_t>(begin), static_cast<uint32_t>(end)};
}

// True if `rest` is `key` or starts with `key` followed by a '.'.
bool SegmentMatches(std::string_view rest, std::string_view key) {
  return rest.starts_with(key) && (rest.size() == key.size() || rest[key.size()] == '.');
}

bool ParseIndex(std::string_view segment, size_t* index) {
  if (segment.empty() || segment.size() > 9) return false;
  size_t v = 0;
  for (char c : segment) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *index = v;
  return true;
}

}  // namespace

Span LocateJsonPath(std::string_view json, std::string_view location) {
  Scanner s(json);
  s.SkipSpace();
  if (s.Peek() != '{') return {};
  // What to point at if the walk stops here: the current container's key (or its bracket).
  Span found = Range(s.pos(), s.pos() + 1);
  std::string_view rest = location;
  while (!rest.empty()) {
    s.SkipSpace();
    const char open = s.Peek();
    if (open == '{') {
      // Every member whose key is a prefix of `rest`; the longest wins, since keys may contain
      // dots ("encrypted_fields_map.patients.fields" vs a path key "patient_record.ssn").
      s.Advance();
      size_t best_len = 0;
      size_t best_value = 0;
      Span best_key;
      for (;;) {
        s.SkipSpace();
        if (s.Peek() != '"') break;
        const size_t key_begin = s.pos();
        std::string key;
        if (!s.String(&key)) return found;
        const Span key_span = Range(key_begin, s.pos());
        s.SkipSpace();
        if (s.Peek() != ':') return found;
        s.Advance();
        s.SkipSpace();
        if (SegmentMatches(rest, key) && (best_len == 0 || key.size() > best_len)) {
          best_len = key.size();
          best_value = s.pos();
          best_key = key_span;
        }
        if (!s.SkipValue()) return found;
        s.SkipSpace();
        if (s.Peek() != ',') break;
        s.Advance();
      }
      if (best_len == 0) return found;
      rest.remove_prefix(best_len);
      if (!rest.empty()) rest.remove_prefix(1);  // the '.'
      s.Seek(best_value);
      found = best_key;
    } else if (open == '[') {
      const size_t dot = rest.find('.');
      const std::string_view segment = rest.substr(0, dot);
      size_t index = 0;
      if (!ParseIndex(segment, &index)) return found;
      s.Advance();
      for (size_t i = 0; i < index; ++i) {
        if (!s.SkipValue()) return found;
        s.SkipSpace();
        if (s.Peek() != ',') return found;
        s.Advance();
      }
      s.SkipSpace();
      if (s.Peek() == ']' || s.AtEnd()) return found;
      rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
      found = Range(s.pos(), s.pos() + 1);
    } else {
      return found;  // a scalar has no members
    }
  }
  // At the value itself: a scalar's whole token; a container keeps its key (or bracket).
  s.SkipSpace();
  const char c = s.Peek();
  if (c != '{' && c != '[' && !s.AtEnd()) {
    const size_t begin = s.pos();
    if (s.SkipValue()) return Range(begin, s.pos());
  }
  return found;
}

}  // namespace querysafe::schema
