#include "tests/crypt/plaintext_scan.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <format>
#include <limits>
#include <type_traits>

namespace querysafe::testing {
namespace {

template <typename T>
std::string LittleEndian(T value) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits bits = std::bit_cast<Bits>(value);
  std::string out(sizeof(T), '\0');
  // Explicit shifts: the result does not depend on the host's byte order.
  for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<char>((bits >> (8 * i)) & 0xFF);
  return out;
}

template <typename T>
std::string BigEndian(T value) {
  std::string out = LittleEndian(value);
  std::reverse(out.begin(), out.end());
  return out;
}

class Collector {
 public:
  explicit Collector(size_t min_length) : min_length_(min_length) {}

  void Add(std::string description, std::string bytes) {
    if (bytes.size() < min_length_) return;
    for (const PlaintextEncoding& e : out_) {
      if (e.bytes == bytes) return;
    }
    out_.push_back({std::move(description), std::move(bytes)});
  }

  template <typename T>
  void AddBinary(std::string_view type, std::string_view what, T value) {
    Add(std::format("{} little-endian of {}", type, what), LittleEndian(value));
    Add(std::format("{} big-endian of {}", type, what), BigEndian(value));
  }

  void AddDecimalText(std::string_view text, std::string_view what) {
    Add(std::format("decimal text of {}", what), std::string(text));
    bson_decimal128_t dec;
    if (bson_decimal128_from_string(std::string(text).c_str(), &dec)) {
      Add(std::format("decimal128 of {}", what), LittleEndian(dec.low) + LittleEndian(dec.high));
    }
  }

  // An integer, in every numeric type that holds it exactly.
  void AddInteger(int64_t n, std::string_view what) {
    if (n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max()) {
      AddBinary("int32", what, static_cast<int32_t>(n));
    }
    AddBinary("int64", what, n);
    double d = static_cast<double>(n);
    if (static_cast<int64_t>(d) == n) AddBinary("double", what, d);
    AddDecimalText(std::to_string(n), what);
  }

  void AddDouble(double d, std::string_view what) {
    AddBinary("double", what, d);
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
      AddInteger(static_cast<int64_t>(d), what);
    }
    char shortest[64];
    auto [end, ec] = std::to_chars(shortest, shortest + sizeof(shortest), d);
    if (ec == std::errc()) AddDecimalText(std::string_view(shortest, end - shortest), what);
    AddDecimalText(std::format("{:.17g}", d), what);
  }

  std::vector<PlaintextEncoding> Take() { return std::move(out_); }

 private:
  size_t min_length_;
  std::vector<PlaintextEncoding> out_;
};

// The bytes of {name: value} between the document's length and its final NUL:
// the element as a command carries it.
std::string ElementBytes(const bson_value_t& value, std::string_view name) {
  bson_t doc = BSON_INITIALIZER;
  bson_append_value(&doc, name.data(), static_cast<int>(name.size()), &value);
  std::string out(reinterpret_cast<const char*>(bson_get_data(&doc)) + 4, doc.len - 5);
  bson_destroy(&doc);
  return out;
}

std::string JsonEscaped(std::string_view text) {
  bson_t doc = BSON_INITIALIZER;
  bson_append_utf8(&doc, "s", 1, text.data(), static_cast<int>(text.size()));
  char* json = bson_as_relaxed_extended_json(&doc, nullptr);
  std::string rendered = json == nullptr ? "" : json;
  bson_free(json);
  bson_destroy(&doc);
  // { "s" : "<escaped>" }
  size_t start = rendered.find(": \"");
  size_t end = rendered.rfind('"');
  if (start == std::string::npos || end == std::string::npos || end <= start + 3) return "";
  return rendered.substr(start + 3, end - start - 3);
}

void Collect(const bson_value_t& value, std::string_view field_name, Collector* c);

void CollectDocument(const uint8_t* data, uint32_t len, std::string_view what, Collector* c) {
  c->Add(std::format("BSON bytes of {}", what),
         std::string(reinterpret_cast<const char*>(data), len));
  bson_t doc;
  bson_iter_t iter;
  if (!bson_init_static(&doc, data, len) || !bson_iter_init(&iter, &doc)) return;
  while (bson_iter_next(&iter)) Collect(*bson_iter_value(&iter), bson_iter_key(&iter), c);
}

void Collect(const bson_value_t& value, std::string_view field_name, Collector* c) {
  switch (value.value_type) {
    case BSON_TYPE_UTF8: {
      std::string_view text(value.value.v_utf8.str, value.value.v_utf8.len);
      std::string what = std::format("string \"{}\"", text);
      c->Add("UTF-8 bytes of " + what, std::string(text));
      c->Add("BSON string encoding of " + what,
             LittleEndian(static_cast<int32_t>(text.size() + 1)) + std::string(text) + '\0');
      c->Add("JSON-escaped " + what, JsonEscaped(text));
      break;
    }
    case BSON_TYPE_INT32:
      c->AddInteger(value.value.v_int32, std::format("int {}", value.value.v_int32));
      break;
    case BSON_TYPE_INT64:
      c->AddInteger(value.value.v_int64, std::format("long {}", value.value.v_int64));
      break;
    case BSON_TYPE_DOUBLE:
      c->AddDouble(value.value.v_double, std::format("double {}", value.value.v_double));
      break;
    case BSON_TYPE_DECIMAL128: {
      char text[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&value.value.v_decimal128, text);
      std::string what = std::format("decimal {}", text);
      c->Add("decimal128 bytes of " + what, LittleEndian(value.value.v_decimal128.low) +
                                                LittleEndian(value.value.v_decimal128.high));
      c->AddDecimalText(text, what);
      // A decimal coerced to double by mistake.
      char* end = nullptr;
      double d = std::strtod(text, &end);
      if (end != nullptr && *end == '\0') c->AddDouble(d, what);
      break;
    }
    case BSON_TYPE_DATE_TIME: {
      int64_t millis = value.value.v_datetime;
      std::string what = std::format("date {} ms", millis);
      c->AddInteger(millis, what);
      std::time_t seconds = static_cast<std::time_t>(millis / 1000);
      std::tm tm{};
      if (gmtime_r(&seconds, &tm) != nullptr) {
        char iso[32];
        std::strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
        c->Add("ISO-8601 text of " + what, iso);
      }
      break;
    }
    case BSON_TYPE_OID: {
      std::string what = "ObjectId";
      c->Add("bytes of " + what,
             std::string(reinterpret_cast<const char*>(value.value.v_oid.bytes), 12));
      char hex[25];
      bson_oid_to_string(&value.value.v_oid, hex);
      c->Add("hex of " + what, hex);
      break;
    }
    case BSON_TYPE_BINARY:
      c->Add("bytes of binary",
             std::string(reinterpret_cast<const char*>(value.value.v_binary.data),
                         value.value.v_binary.data_len));
      break;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      CollectDocument(value.value.v_doc.data, value.value.v_doc.data_len,
                      value.value_type == BSON_TYPE_ARRAY ? "array" : "document", c);
      break;
    default:
      break;
  }
  if (!field_name.empty()) {
    c->Add(std::format("BSON element '{}'", field_name), ElementBytes(value, field_name));
  }
}

std::vector<std::string> Search(std::string_view haystack,
                                const std::vector<PlaintextEncoding>& encodings) {
  std::vector<std::string> found;
  for (const PlaintextEncoding& e : encodings) {
    size_t at = haystack.find(e.bytes);
    if (at != std::string_view::npos)
      found.push_back(std::format("{} at offset {}", e.description, at));
  }
  return found;
}

}  // namespace

std::vector<PlaintextEncoding> PlaintextEncodings(const bson_value_t& value,
                                                  std::string_view field_name, size_t min_length) {
  Collector collector(min_length);
  Collect(value, field_name, &collector);
  return collector.Take();
}

std::vector<std::string> FindPlaintext(std::span<const uint8_t> haystack, const bson_value_t& value,
                                       std::string_view field_name, size_t min_length) {
  return FindPlaintext(
      std::string_view(reinterpret_cast<const char*>(haystack.data()), haystack.size()), value,
      field_name, min_length);
}

std::vector<std::string> FindPlaintext(std::string_view haystack, const bson_value_t& value,
                                       std::string_view field_name, size_t min_length) {
  return Search(haystack, PlaintextEncodings(value, field_name, min_length));
}

}  // namespace querysafe::testing
