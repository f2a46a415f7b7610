#include "lib/common/bson_util.h"

#include <cstring>
#include <utility>

namespace querysafe {

void BsonDoc::Swap(BsonDoc& other) noexcept {
  // bson_t may point into its own inline buffer, so it cannot be swapped with
  // memcpy; steal through bson_steal, which handles both inline and heap
  // storage.
  bson_t tmp;
  bson_steal(&tmp, &doc_);
  bson_steal(&doc_, &other.doc_);
  bson_steal(&other.doc_, &tmp);
}

bool BsonDoc::FromJson(std::string_view json, BsonDoc* out, bson_error_t* error) {
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                      static_cast<ssize_t>(json.size()), error);
  if (parsed == nullptr) return false;
  out->Clear();
  bson_destroy(out->get());
  bson_copy_to(parsed, out->get());
  bson_destroy(parsed);
  return true;
}

bool BsonDoc::FromBytes(const uint8_t* data, size_t len, BsonDoc* out) {
  bson_t view;
  if (!bson_init_static(&view, data, len)) return false;
  size_t offset = 0;
  if (!bson_validate(&view, BSON_VALIDATE_NONE, &offset)) return false;
  out->Clear();
  bson_destroy(out->get());
  bson_copy_to(&view, out->get());
  return true;
}

bool IterChild(const bson_iter_t* iter, bson_t* child) {
  uint32_t length;
  const uint8_t* data;
  if (BSON_ITER_HOLDS_DOCUMENT(iter)) {
    bson_iter_document(iter, &length, &data);
  } else if (BSON_ITER_HOLDS_ARRAY(iter)) {
    bson_iter_array(iter, &length, &data);
  } else {
    return false;
  }
  return bson_init_static(child, data, length);
}

int BsonDepth(const bson_t* doc, int limit) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) return 1;
  int deepest = 1;
  while (bson_iter_next(&iter)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&iter) && !BSON_ITER_HOLDS_ARRAY(&iter)) continue;
    if (limit <= 1) return 2;
    bson_t child;
    if (!IterChild(&iter, &child)) continue;
    const int depth = 1 + BsonDepth(&child, limit - 1);
    if (depth > deepest) deepest = depth;
    if (deepest > limit) break;
  }
  return deepest;
}

bool IsValidUtf8(std::string_view text, bool allow_nul) {
  return bson_utf8_validate(text.data(), text.size(), allow_nul);
}

void AppendUtf8(bson_t* doc, std::string_view key, std::string_view value) {
  if (bson_utf8_validate(value.data(), value.size(), true)) {
    bson_append_utf8(doc, key.data(), static_cast<int>(key.size()), value.data(),
                     static_cast<int>(value.size()));
    return;
  }
  // Keep every valid sequence, replace each byte that does not start one.
  std::string clean;
  clean.reserve(value.size() + 8);
  size_t i = 0;
  while (i < value.size()) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len != 0 && i + len <= value.size() && bson_utf8_validate(value.data() + i, len, true)) {
      clean.append(value.data() + i, len);
      i += len;
    } else {
      clean.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  bson_append_utf8(doc, key.data(), static_cast<int>(key.size()), clean.data(),
                   static_cast<int>(clean.size()));
}

namespace {

std::string TakeJson(char* json) {
  if (json == nullptr) return "{}";
  std::string out(json);
  bson_free(json);
  return out;
}

}  // namespace

std::string ToCanonicalJson(const bson_t* doc) {
  return TakeJson(bson_as_canonical_extended_json(doc, nullptr));
}

std::string ToRelaxedJson(const bson_t* doc) {
  return TakeJson(bson_as_relaxed_extended_json(doc, nullptr));
}

std::string LayoutJson(std::string_view json, JsonLayout layout) {
  const bool indent = layout == JsonLayout::kIndented;
  std::string out;
  out.reserve(json.size());
  int depth = 0;
  bool in_string = false, escaped = false;
  auto newline = [&] {
    if (!indent) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(depth) * 2, ' ');
  };
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out.push_back(c);
        break;
      case '{':
      case '[': {
        // Keep empty containers on one line.
        size_t j = i + 1;
        while (j < json.size() && is_space(json[j])) ++j;
        if (j < json.size() && (json[j] == '}' || json[j] == ']')) {
          out.push_back(c);
          out.push_back(json[j]);
          i = j;
          break;
        }
        out.push_back(c);
        ++depth;
        newline();
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out.push_back(c);
        break;
      case ',':
        out.push_back(c);
        newline();
        break;
      case ':':
        out += indent ? ": " : ":";
        break;
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace querysafe
