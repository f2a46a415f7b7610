#include "lib/schema/python_json.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <format>
#include <string>
#include <string_view>

#include "absl/strings/escaping.h"
#include "lib/common/bson_util.h"
#include "lib/common/json_text.h"
#include "lib/common/python_repr.h"

namespace querysafe::schema {
namespace {

// The strings as json.dumps(ensure_ascii=True) escapes them, the numbers as Python's repr: the
// two things libbson's JSON writer does differently (lib/common/json_text.h has the
// comparison).
void AppendString(std::string_view s, std::string& out) {
  AppendJsonString(s, JsonEscapes::kPythonAscii, &out);
}

class Printer {
 public:
  explicit Printer(int indent) : indent_(indent) {}

  void Document(const bson_t* doc, bool array, int level) {
    bson_iter_t it;
    bson_iter_init(&it, doc);
    if (!bson_iter_next(&it)) {
      out_ += array ? "[]" : "{}";
      return;
    }
    out_.push_back(array ? '[' : '{');
    bool first = true;
    do {
      out_ += first ? "\n" : ",\n";
      first = false;
      Indent(level + 1);
      if (!array) {
        AppendString(std::string_view(bson_iter_key(&it), bson_iter_key_len(&it)), out_);
        out_ += ": ";
      }
      Value(it, level + 1);
    } while (bson_iter_next(&it));
    out_.push_back('\n');
    Indent(level);
    out_.push_back(array ? ']' : '}');
  }

  std::string Take() { return std::move(out_); }

 private:
  void Indent(int level) { out_.append(static_cast<size_t>(level * indent_), ' '); }

  // {"<key>": <nested>} printed the way json.dumps prints the dicts json_util
  // builds.
  void Wrapper(std::string_view key, const std::string& inner_json, int level) {
    out_ += "{\n";
    Indent(level + 1);
    AppendString(key, out_);
    out_ += ": " + inner_json + "\n";
    Indent(level);
    out_ += "}";
  }

  std::string Nested(std::initializer_list<std::pair<std::string_view, std::string>> items,
                     int level) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, v] : items) {
      s += first ? "\n" : ",\n";
      first = false;
      s.append(static_cast<size_t>((level + 1) * indent_), ' ');
      AppendString(k, s);
      s += ": " + v;
    }
    s += "\n" + std::string(static_cast<size_t>(level * indent_), ' ') + "}";
    return s;
  }

  static std::string Quoted(std::string_view s) {
    std::string out;
    AppendString(s, out);
    return out;
  }

  void Value(const bson_iter_t& it, int level) {
    switch (bson_iter_type(&it)) {
      case BSON_TYPE_DOCUMENT:
      case BSON_TYPE_ARRAY: {
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bool array = BSON_ITER_HOLDS_ARRAY(&it);
        if (array) {
          bson_iter_array(&it, &len, &data);
        } else {
          bson_iter_document(&it, &len, &data);
        }
        bson_t child;
        if (bson_init_static(&child, data, len)) Document(&child, array, level);
        return;
      }
      case BSON_TYPE_UTF8: {
        uint32_t len = 0;
        const char* s = bson_iter_utf8(&it, &len);
        AppendString(std::string_view(s, len), out_);
        return;
      }
      case BSON_TYPE_INT32:
        out_ += std::to_string(bson_iter_int32(&it));
        return;
      case BSON_TYPE_INT64:
        out_ += std::to_string(bson_iter_int64(&it));
        return;
      case BSON_TYPE_BOOL:
        out_ += bson_iter_bool(&it) ? "true" : "false";
        return;
      case BSON_TYPE_NULL:
        out_ += "null";
        return;
      case BSON_TYPE_DOUBLE: {
        double d = bson_iter_double(&it);
        if (std::isfinite(d)) {
          out_ += FloatRepr(d);
        } else {
          Wrapper("$numberDouble",
                  Quoted(std::isnan(d) ? "NaN"
                         : d > 0       ? "Infinity"
                                       : "-Infinity"),
                  level);
        }
        return;
      }
      case BSON_TYPE_DECIMAL128: {
        bson_decimal128_t dec;
        bson_iter_decimal128(&it, &dec);
        char buf[BSON_DECIMAL128_STRING];
        bson_decimal128_to_string(&dec, buf);
        Wrapper("$numberDecimal", Quoted(buf), level);
        return;
      }
      case BSON_TYPE_BINARY: {
        bson_subtype_t subtype;
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_binary(&it, &subtype, &len, &data);
        Wrapper("$binary",
                Nested({{"base64", Quoted(absl::Base64Escape(absl::string_view(
                                       reinterpret_cast<const char*>(data), len)))},
                        {"subType", Quoted(std::format("{:02x}", static_cast<int>(subtype)))}},
                       level + 1),
                level);
        return;
      }
      case BSON_TYPE_OID: {
        char hex[25];
        bson_oid_to_string(bson_iter_oid(&it), hex);
        Wrapper("$oid", Quoted(hex), level);
        return;
      }
      case BSON_TYPE_DATE_TIME: {
        // json_util relaxed mode: ISO-8601 in UTC for 1970..9999, else the
        // millisecond count.
        int64_t ms = bson_iter_date_time(&it);
        constexpr int64_t kYear10000 = 253402300800000;
        if (ms < 0 || ms >= kYear10000) {
          Wrapper("$date", Nested({{"$numberLong", Quoted(std::to_string(ms))}}, level + 1), level);
          return;
        }
        using namespace std::chrono;
        sys_time<milliseconds> t{milliseconds{ms}};
        auto days = floor<std::chrono::days>(t);
        year_month_day ymd{days};
        hh_mm_ss hms{t - days};
        std::string iso = std::format(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", int(ymd.year()), unsigned(ymd.month()),
            unsigned(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
        if (int64_t millis = hms.subseconds().count()) iso += std::format(".{:03}", millis);
        Wrapper("$date", Quoted(iso + "Z"), level);
        return;
      }
      default: {
        // Types a schema does not produce (regex, timestamp...): libbson's
        // relaxed form.
        BsonDoc single;
        bson_append_iter(single.get(), "v", 1, &it);
        std::string json = ToRelaxedJson(single.get());
        size_t colon = json.find(':');
        out_ += json.substr(colon + 2, json.size() - colon - 4);
      }
    }
  }

  int indent_;
  std::string out_;
};

}  // namespace

std::string PythonJsonDumps(const bson_t* doc, int indent) {
  Printer printer(indent);
  printer.Document(doc, false, 0);
  return printer.Take();
}

}  // namespace querysafe::schema
