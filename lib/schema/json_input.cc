#include "lib/schema/json_input.h"

#include <bson/bson.h>

#include <charconv>
#include <cstdint>
#include <format>
#include <string>
#include <system_error>

#include "lib/common/json_error.h"

namespace querysafe::schema {
namespace {

constexpr std::string_view kSyntaxCode = "schema.json_syntax";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Span At(size_t offset, size_t length = 1) {
  return Span{static_cast<uint32_t>(offset), static_cast<uint32_t>(offset + length)};
}

void SyntaxError(DiagnosticSink& sink, std::string message, Span span) {
  sink.Add(Category::kImproperlyConfigured, std::string(kSyntaxCode), std::move(message), "", 0,
           span);
}

// libbson reads a JSON integer too large for int64 by letting it wrap
// (99999999999999999999 becomes 7766279631452241919) and rejects 1e400 without
// saying where. A wrapped bound or contention would be silently wrong, so every
// number token is checked here first. This is a scan for number tokens outside
// strings, not a JSON parser: libbson still parses everything.
bool CheckNumbers(std::string_view text, DiagnosticSink& sink) {
  bool ok = true;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    size_t start = i;
    bool is_float = false;
    ++i;
    while (i < text.size()) {
      char d = text[i];
      if (d == '.' || d == 'e' || d == 'E') {
        is_float = true;
      } else if (!((d >= '0' && d <= '9') || d == '+' || d == '-')) {
        break;
      }
      ++i;
    }
    std::string_view token = text.substr(start, i - start);
    if (token == "-") continue;  // -Infinity and the like: libbson judges those
    std::errc ec;
    if (is_float) {
      double value;
      ec = std::from_chars(token.data(), token.data() + token.size(), value).ec;
    } else {
      int64_t value;
      ec = std::from_chars(token.data(), token.data() + token.size(), value).ec;
    }
    if (ec == std::errc::result_out_of_range) {
      SyntaxError(sink,
                  std::format("Number {} is out of range ({})", token,
                              is_float ? "larger than a double can hold"
                                       : "an integer must fit in 64 bits"),
                  At(start, token.size()));
      ok = false;
      if (sink.full()) return false;
    }
  }
  return ok;
}

// The offset of the first byte that does not start a valid UTF-8 sequence.
size_t FirstInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > text.size() || !bson_utf8_validate(text.data() + i, len, true)) {
      return i;
    }
    i += len;
  }
  return text.size();
}

// A one-byte span at `offset`, or the empty span at the end when the reader
// points at (or past) the end of the text.
Span AtOrEnd(std::string_view text, size_t offset) {
  return offset < text.size() ? At(offset) : At(text.size(), 0);
}

// Where the first double-quoted value of `message` occurs in `text`, or the
// start of the text when the message quotes nothing found there.
Span QuotedValueIn(std::string_view text, std::string_view message) {
  size_t open = message.find('"');
  size_t close = open == std::string_view::npos ? open : message.find('"', open + 1);
  if (close == std::string_view::npos || close == open + 1) return At(0, 0);
  std::string_view value = message.substr(open + 1, close - open - 1);
  size_t at = text.find(value);
  return at == std::string_view::npos ? At(0, 0) : At(at, value.size());
}

void ReportReaderError(std::string_view text, const bson_error_t& error, DiagnosticSink& sink) {
  std::string_view message = error.message;
  if (std::optional<size_t> position = JsonErrorOffset(message)) {
    SyntaxError(sink, std::format("Invalid JSON: {}", message), AtOrEnd(text, *position));
  } else if (message.find("Incomplete JSON") != std::string_view::npos) {
    SyntaxError(sink, "Invalid JSON: the text ends before the schema object is complete",
                At(text.size(), 0));
  } else if (message.find("UTF8") != std::string_view::npos) {
    SyntaxError(sink, "Invalid JSON: the text is not valid UTF-8",
                AtOrEnd(text, FirstInvalidUtf8(text)));
  } else {
    // libbson's Extended JSON errors (a bad $numberLong string, a $date of
    // the wrong form) carry no position, but most quote the offending value:
    // point at its first occurrence in the text.
    SyntaxError(sink, std::format("Invalid Extended JSON: {}", message),
                QuotedValueIn(text, message));
  }
}

}  // namespace

std::optional<BsonDoc> ParseSchemaJson(std::string_view text, DiagnosticSink& sink) {
  size_t first = 0;
  while (first < text.size() && IsSpace(text[first])) ++first;
  if (first == text.size()) {
    SyntaxError(sink, "The schema is empty: expected a JSON object", At(first, 0));
    return std::nullopt;
  }
  if (text[first] != '{') {
    SyntaxError(sink, "The schema must be a JSON object", At(first));
    return std::nullopt;
  }
  if (!CheckNumbers(text, sink)) return std::nullopt;

  bson_json_reader_t* reader = bson_json_data_reader_new(true, 0);
  bson_json_data_reader_ingest(reader, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  BsonDoc doc;
  bson_error_t error;
  int rc = bson_json_reader_read(reader, doc.get(), &error);
  std::optional<BsonDoc> result;
  if (rc < 0) {
    ReportReaderError(text, error, sink);
  } else if (rc == 0) {
    SyntaxError(sink, "The schema is empty: expected a JSON object", At(first, 0));
  } else {
    BsonDoc rest;
    rc = bson_json_reader_read(reader, rest.get(), &error);
    if (rc < 0) {
      ReportReaderError(text, error, sink);
    } else if (rc > 0) {
      SyntaxError(sink,
                  "Invalid JSON: more than one value; the schema is a single "
                  "JSON object",
                  Span{});
    } else {
      result = std::move(doc);
    }
  }
  bson_json_reader_destroy(reader);
  return result;
}

}  // namespace querysafe::schema
