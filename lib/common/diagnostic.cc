// Rendering of diagnostics for humans (caret under the span) and programs
// (JSON).

#include "querysafe/diagnostic.h"

#include <bson/bson.h>

#include <algorithm>
#include <format>
#include <string>

#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"

namespace querysafe {

std::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kSyntaxError:
      return "SyntaxError";
    case Category::kFieldError:
      return "FieldError";
    case Category::kValidationError:
      return "ValidationError";
    case Category::kNotSupportedError:
      return "NotSupportedError";
    case Category::kImproperlyConfigured:
      return "ImproperlyConfigured";
    case Category::kDatabaseError:
      return "DatabaseError";
    case Category::kDoesNotExist:
      return "DoesNotExist";
    case Category::kMultipleObjectsReturned:
      return "MultipleObjectsReturned";
  }
  return "Error";
}

namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Columns count characters (UTF-8 code points), so a caret lines up under
// non-ASCII text.
uint32_t CountColumns(std::string_view text) {
  uint32_t columns = 0;
  for (char c : text) {
    if (!IsContinuationByte(c)) ++columns;
  }
  return columns;
}

}  // namespace

LineColumn LocateOffset(std::string_view text, uint32_t offset) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  std::string_view before = text.substr(0, offset);
  size_t line_start = before.rfind('\n');
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  LineColumn result;
  result.line = 1 + static_cast<uint32_t>(std::count(before.begin(), before.end(), '\n'));
  result.column = 1 + CountColumns(before.substr(line_start));
  return result;
}

std::string FormatDiagnostic(const Diagnostic& diagnostic, std::string_view text,
                             std::string_view source_name) {
  std::string out;
  const bool has_text = !text.empty() && diagnostic.span.begin <= text.size();
  if (has_text) {
    LineColumn lc = LocateOffset(text, diagnostic.span.begin);
    out = std::format("{}:{}:{}: ", source_name, lc.line, lc.column);
  } else {
    out = std::format("{}: ", source_name);
  }
  if (!diagnostic.location.empty()) out += std::format("{}: ", diagnostic.location);
  out += std::format("{}: {}", CategoryName(diagnostic.category), diagnostic.message);
  if (diagnostic.server_code != 0) {
    out += std::format(" [server code {}]", diagnostic.server_code);
  }
  if (!has_text) return out;

  // The offending line, then the caret line. Tabs are copied so that the caret
  // stays aligned.
  const uint32_t begin = diagnostic.span.begin;
  size_t line_start = text.rfind('\n', begin == 0 ? 0 : begin - 1);
  line_start = (line_start == std::string_view::npos || begin == 0) ? 0 : line_start + 1;
  if (begin > 0 && text[begin - 1] == '\n') line_start = begin;
  size_t line_end = text.find('\n', begin);
  if (line_end == std::string_view::npos) line_end = text.size();
  std::string_view line = text.substr(line_start, line_end - line_start);
  out += std::format("\n  {}\n  ", line);
  for (size_t i = line_start; i < begin; ++i) {
    if (IsContinuationByte(text[i])) continue;
    out.push_back(text[i] == '\t' ? '\t' : ' ');
  }
  out.push_back('^');
  const size_t end = std::clamp<size_t>(diagnostic.span.end, begin, line_end);
  if (end > begin) {
    uint32_t width = CountColumns(text.substr(begin, end - begin));
    if (width > 1) out.append(width - 1, '~');
  }
  return out;
}

std::string FormatDiagnostics(const Diagnostics& diagnostics, std::string_view text,
                              std::string_view source_name) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out.push_back('\n');
    out += FormatDiagnostic(d, text, source_name);
  }
  return out;
}

std::string DiagnosticsToJson(const Diagnostics& diagnostics, std::string_view text) {
  BsonDoc doc;
  bson_t errors;
  querysafe::AppendArrayBegin(doc.get(), "errors", -1, &errors);
  uint32_t index = 0;
  for (const Diagnostic& d : diagnostics) {
    char key_buf[16];
    const char* key;
    bson_uint32_to_string(index++, &key, key_buf, sizeof key_buf);
    bson_t item;
    bson_append_document_begin(&errors, key, -1, &item);
    AppendUtf8(&item, "category", CategoryName(d.category));
    AppendUtf8(&item, "code", d.code);
    if (d.server_code != 0) {
      bson_append_int32(&item, "server_code", -1, d.server_code);
    } else {
      bson_append_null(&item, "server_code", -1);
    }
    AppendUtf8(&item, "message", d.message);
    bson_t span;
    bson_append_document_begin(&item, "span", -1, &span);
    bson_append_int32(&span, "begin", -1, static_cast<int32_t>(d.span.begin));
    bson_append_int32(&span, "end", -1, static_cast<int32_t>(d.span.end));
    if (!text.empty()) {
      LineColumn lc = LocateOffset(text, d.span.begin);
      bson_append_int32(&span, "line", -1, static_cast<int32_t>(lc.line));
      bson_append_int32(&span, "column", -1, static_cast<int32_t>(lc.column));
    }
    bson_append_document_end(&item, &span);
    if (!d.location.empty()) AppendUtf8(&item, "location", d.location);
    bson_append_document_end(&errors, &item);
  }
  bson_append_array_end(doc.get(), &errors);
  return ToRelaxedJson(doc.get());
}

}  // namespace querysafe
