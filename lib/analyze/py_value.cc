#include "lib/analyze/py_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <format>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "lib/common/bson_util.h"
#include "lib/common/civil_time.h"

namespace querysafe::analyze {

std::string_view PyTypeName(PyValue::Type type) {
  switch (type) {
    case PyValue::Type::kNone:
      return "NoneType";
    case PyValue::Type::kBool:
      return "bool";
    case PyValue::Type::kInt:
      return "int";
    case PyValue::Type::kFloat:
      return "float";
    case PyValue::Type::kStr:
      return "str";
    case PyValue::Type::kBytes:
      return "bytes";
    case PyValue::Type::kDecimal:
      return "Decimal";
    case PyValue::Type::kDate:
      return "date";
    case PyValue::Type::kDateTime:
      return "datetime";
    case PyValue::Type::kTime:
      return "time";
    case PyValue::Type::kTimedelta:
      return "timedelta";
    case PyValue::Type::kUuid:
      return "UUID";
    case PyValue::Type::kObjectId:
      return "ObjectId";
    case PyValue::Type::kList:
      return "list";
    case PyValue::Type::kTuple:
      return "tuple";
    case PyValue::Type::kDict:
      return "dict";
  }
  return "object";
}

// ---------------------------------------------------------------------------------------------
// From the AST

namespace {

bool ItemsFromAst(ast::List<const ast::Expr*> items, Arena* arena, PyValue* out) {
  std::span<PyValue> values = arena->NewArray<PyValue>(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!PyValueFromAst(*items[i], arena, &values[i])) return false;
  }
  out->items = values;
  return true;
}

}  // namespace

bool PyValueFromAst(const ast::Expr& expr, Arena* arena, PyValue* out) {
  std::construct_at(out);  // a fresh value, built in place (PyValue is trivially destructible)
  out->span = expr.span;
  using K = ast::ExprKind;
  switch (expr.kind) {
    case K::kNone:
      out->type = PyValue::Type::kNone;
      return true;
    case K::kBool:
      out->type = PyValue::Type::kBool;
      out->b = expr.Cast<ast::BoolLit>().value;
      return true;
    case K::kInt:
      out->type = PyValue::Type::kInt;
      out->i = expr.Cast<ast::IntLit>().value;
      return true;
    case K::kFloat:
      out->type = PyValue::Type::kFloat;
      out->f = expr.Cast<ast::FloatLit>().value;
      return true;
    case K::kString:
      out->type = PyValue::Type::kStr;
      out->s = expr.Cast<ast::StringLit>().value;
      return true;
    case K::kBytes:
      out->type = PyValue::Type::kBytes;
      out->s = expr.Cast<ast::BytesLit>().value;
      return true;
    case K::kDecimal:
      out->type = PyValue::Type::kDecimal;
      out->s = expr.Cast<ast::DecimalLit>().text;
      return true;
    case K::kDate: {
      const auto& d = expr.Cast<ast::DateLit>();
      out->type = PyValue::Type::kDate;
      out->year = d.year, out->month = d.month, out->day = d.day;
      return true;
    }
    case K::kDateTime: {
      const auto& d = expr.Cast<ast::DateTimeLit>();
      out->type = PyValue::Type::kDateTime;
      out->year = d.year, out->month = d.month, out->day = d.day;
      out->hour = d.hour, out->minute = d.minute, out->second = d.second;
      out->microsecond = d.microsecond;
      out->aware = d.tz == ast::DateTimeLit::Tz::kAware;
      out->utc_offset_minutes = d.utc_offset_minutes;
      return true;
    }
    case K::kTime: {
      const auto& t = expr.Cast<ast::TimeLit>();
      out->type = PyValue::Type::kTime;
      out->hour = t.hour, out->minute = t.minute, out->second = t.second;
      out->microsecond = t.microsecond;
      return true;
    }
    case K::kTimedelta:
      out->type = PyValue::Type::kTimedelta;
      out->i = expr.Cast<ast::TimedeltaLit>().microseconds;
      return true;
    case K::kUuid:
      out->type = PyValue::Type::kUuid;
      std::memcpy(out->bytes, expr.Cast<ast::UuidLit>().bytes, 16);
      return true;
    case K::kObjectId:
      out->type = PyValue::Type::kObjectId;
      std::memcpy(out->bytes, expr.Cast<ast::ObjectIdLit>().bytes, 12);
      return true;
    case K::kList:
      out->type = PyValue::Type::kList;
      return ItemsFromAst(expr.Cast<ast::ListLit>().items, arena, out);
    case K::kTuple:
      out->type = PyValue::Type::kTuple;
      return ItemsFromAst(expr.Cast<ast::TupleLit>().items, arena, out);
    case K::kDict:
      out->type = PyValue::Type::kDict;
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// From BSON

namespace {

bool FromBson(const bson_value_t& value, int depth, Arena* arena, PyValue* out);

}  // namespace

bool PyValueFromBson(const bson_value_t& value, Arena* arena, PyValue* out) {
  return FromBson(value, 0, arena, out);
}

namespace {

bool FromBson(const bson_value_t& value, int depth, Arena* arena, PyValue* out) {
  std::construct_at(out);  // a fresh value, built in place (PyValue is trivially destructible)
  switch (value.value_type) {
    case BSON_TYPE_NULL:
      out->type = PyValue::Type::kNone;
      return true;
    case BSON_TYPE_BOOL:
      out->type = PyValue::Type::kBool;
      out->b = value.value.v_bool;
      return true;
    case BSON_TYPE_INT32:
      out->type = PyValue::Type::kInt;
      out->i = value.value.v_int32;
      return true;
    case BSON_TYPE_INT64:
      out->type = PyValue::Type::kInt;
      out->i = value.value.v_int64;
      return true;
    case BSON_TYPE_DOUBLE:
      out->type = PyValue::Type::kFloat;
      out->f = value.value.v_double;
      return true;
    case BSON_TYPE_UTF8: {
      // PyMongo refuses to decode a string that is not UTF-8; a str may hold NUL.
      const std::string_view text(value.value.v_utf8.str, value.value.v_utf8.len);
      if (!IsValidUtf8(text, /*allow_nul=*/true)) return false;
      out->type = PyValue::Type::kStr;
      out->s = arena->CopyString(text);
      return true;
    }
    case BSON_TYPE_DECIMAL128: {
      char text[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&value.value.v_decimal128, text);
      out->type = PyValue::Type::kDecimal;
      out->s = arena->CopyString(text);
      return true;
    }
    case BSON_TYPE_DATE_TIME: {
      // PyMongo decodes BSON dates as UTC datetimes with millisecond precision; only years
      // 1..9999 exist in Python.
      const int64_t ms = value.value.v_datetime;
      int64_t days = ms / civil::kMillisPerDay;
      int64_t rem = ms % civil::kMillisPerDay;
      if (rem < 0) rem += civil::kMillisPerDay, --days;
      civil::Date d = civil::CivilFromDays(days);
      if (d.year < 1 || d.year > 9999) return false;
      out->type = PyValue::Type::kDateTime;
      out->year = static_cast<int32_t>(d.year), out->month = d.month, out->day = d.day;
      out->hour = static_cast<int32_t>(rem / 3'600'000);
      out->minute = static_cast<int32_t>(rem / 60'000 % 60);
      out->second = static_cast<int32_t>(rem / 1000 % 60);
      out->microsecond = static_cast<int32_t>(rem % 1000 * 1000);
      out->aware = true;
      out->bson_date = true;
      return true;
    }
    case BSON_TYPE_OID:
      out->type = PyValue::Type::kObjectId;
      std::memcpy(out->bytes, value.value.v_oid.bytes, 12);
      return true;
    case BSON_TYPE_BINARY:
      if (value.value.v_binary.subtype == BSON_SUBTYPE_UUID &&
          value.value.v_binary.data_len == 16) {
        out->type = PyValue::Type::kUuid;
        std::memcpy(out->bytes, value.value.v_binary.data, 16);
        return true;
      }
      out->type = PyValue::Type::kBytes;
      out->s = arena->CopyString({reinterpret_cast<const char*>(value.value.v_binary.data),
                                  value.value.v_binary.data_len});
      return true;
    case BSON_TYPE_ARRAY: {
      if (depth >= kMaxBsonValueDepth) return false;
      bson_t array;
      if (!bson_init_static(&array, value.value.v_doc.data, value.value.v_doc.data_len)) {
        return false;
      }
      size_t count = bson_count_keys(&array);
      std::span<PyValue> items = arena->NewArray<PyValue>(count);
      bson_iter_t it;
      size_t i = 0;
      if (!bson_iter_init(&it, &array)) return false;
      while (bson_iter_next(&it) && i < count) {
        if (!FromBson(*bson_iter_value(&it), depth + 1, arena, &items[i++])) return false;
      }
      out->type = PyValue::Type::kList;
      out->items = items.first(i);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// repr() and str()

namespace {

std::string StrRepr(std::string_view s, bool bytes) {
  // Python prefers single quotes, and uses double quotes when the text has a single quote but
  // no double quote.
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out;
  if (bytes) out.push_back('b');
  out.push_back(quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out.push_back('\\');
          out.push_back(quote);
        } else if (c < 0x20 || c == 0x7F || (bytes && c >= 0x80)) {
          out += std::format("\\x{:02x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back(quote);
  return out;
}

std::string Hex(const uint8_t* bytes, size_t n) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), n));
}

std::string UuidStr(const uint8_t* b) {
  std::string hex = Hex(b, 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string DateStr(const PyValue& v) {
  return std::format("{:04d}-{:02d}-{:02d}", v.year, v.month, v.day);
}

std::string TimeStr(const PyValue& v) {
  std::string out = std::format("{:02d}:{:02d}:{:02d}", v.hour, v.minute, v.second);
  if (v.microsecond != 0) out += std::format(".{:06d}", v.microsecond);
  return out;
}

std::string OffsetStr(int32_t minutes) {
  char sign = minutes < 0 ? '-' : '+';
  int32_t m = minutes < 0 ? -minutes : minutes;
  return std::format("{}{:02d}:{:02d}", sign, m / 60, m % 60);
}

// str(timedelta): "[-]D day[s], H:MM:SS[.ffffff]" with Python's floor normalization (the days
// carry the sign, seconds and microseconds are never negative).
std::string TimedeltaStr(int64_t us) {
  int64_t days = us / 86'400'000'000LL;
  int64_t rem = us % 86'400'000'000LL;
  if (rem < 0) rem += 86'400'000'000LL, --days;
  int64_t secs = rem / 1'000'000, micros = rem % 1'000'000;
  std::string out;
  if (days != 0) out = std::format("{} day{}, ", days, days == 1 || days == -1 ? "" : "s");
  out += std::format("{}:{:02d}:{:02d}", secs / 3600, secs / 60 % 60, secs % 60);
  if (micros != 0) out += std::format(".{:06d}", micros);
  return out;
}

std::string TimedeltaRepr(int64_t us) {
  int64_t days = us / 86'400'000'000LL;
  int64_t rem = us % 86'400'000'000LL;
  if (rem < 0) rem += 86'400'000'000LL, --days;
  int64_t secs = rem / 1'000'000, micros = rem % 1'000'000;
  std::string args;
  auto add = [&args](std::string_view name, int64_t v) {
    if (v == 0) return;
    if (!args.empty()) args += ", ";
    args += std::format("{}={}", name, v);
  };
  add("days", days);
  add("seconds", secs);
  add("microseconds", micros);
  return "datetime.timedelta(" + (args.empty() ? std::string("0") : args) + ")";
}

std::string SequenceText(const PyValue& v) {
  std::string out = v.type == PyValue::Type::kList ? "[" : "(";
  for (size_t i = 0; i < v.items.size(); ++i) {
    if (i > 0) out += ", ";
    out += Repr(v.items[i]);
  }
  if (v.type == PyValue::Type::kTuple && v.items.size() == 1) out += ",";
  out += v.type == PyValue::Type::kList ? "]" : ")";
  return out;
}

}  // namespace

std::string Repr(const PyValue& v) {
  switch (v.type) {
    case PyValue::Type::kStr:
      return StrRepr(v.s, false);
    case PyValue::Type::kBytes:
      return StrRepr(v.s, true);
    case PyValue::Type::kDecimal:
      return std::format("Decimal('{}')", v.s);
    case PyValue::Type::kDate:
      return std::format("datetime.date({}, {}, {})", v.year, v.month, v.day);
    case PyValue::Type::kDateTime: {
      std::string out = std::format("datetime.datetime({}, {}, {}, {}, {}", v.year, v.month, v.day,
                                    v.hour, v.minute);
      if (v.second != 0 || v.microsecond != 0) out += std::format(", {}", v.second);
      if (v.microsecond != 0) out += std::format(", {}", v.microsecond);
      if (v.aware) {
        out += v.utc_offset_minutes == 0
                   ? ", tzinfo=datetime.timezone.utc"
                   : std::format(
                         ", tzinfo=datetime.timezone(datetime.timedelta({}))",
                         v.utc_offset_minutes < 0
                             ? std::format("days=-1, seconds={}", 86400 + v.utc_offset_minutes * 60)
                             : std::format("seconds={}", v.utc_offset_minutes * 60));
      }
      return out + ")";
    }
    case PyValue::Type::kTime: {
      std::string out = std::format("datetime.time({}, {}", v.hour, v.minute);
      if (v.second != 0 || v.microsecond != 0) out += std::format(", {}", v.second);
      if (v.microsecond != 0) out += std::format(", {}", v.microsecond);
      return out + ")";
    }
    case PyValue::Type::kTimedelta:
      return TimedeltaRepr(v.i);
    case PyValue::Type::kUuid:
      return "UUID('" + UuidStr(v.bytes) + "')";
    case PyValue::Type::kObjectId:
      return "ObjectId('" + Hex(v.bytes, 12) + "')";
    case PyValue::Type::kList:
    case PyValue::Type::kTuple:
      return SequenceText(v);
    default:
      return Str(v);
  }
}

std::string Str(const PyValue& v) {
  switch (v.type) {
    case PyValue::Type::kNone:
      return "None";
    case PyValue::Type::kBool:
      return v.b ? "True" : "False";
    case PyValue::Type::kInt:
      return std::to_string(v.i);
    case PyValue::Type::kFloat:
      return FloatRepr(v.f);
    case PyValue::Type::kStr:
      return std::string(v.s);
    case PyValue::Type::kBytes:
      return StrRepr(v.s, true);
    case PyValue::Type::kDecimal:
      return std::string(v.s);
    case PyValue::Type::kDate:
      return DateStr(v);
    case PyValue::Type::kDateTime: {
      std::string out = DateStr(v) + " " + TimeStr(v);
      if (v.aware) out += OffsetStr(v.utc_offset_minutes);
      return out;
    }
    case PyValue::Type::kTime:
      return TimeStr(v);
    case PyValue::Type::kTimedelta:
      return TimedeltaStr(v.i);
    case PyValue::Type::kUuid:
      return UuidStr(v.bytes);
    case PyValue::Type::kObjectId:
      return Hex(v.bytes, 12);
    case PyValue::Type::kList:
    case PyValue::Type::kTuple:
      return SequenceText(v);
    case PyValue::Type::kDict:
      return "{...}";
  }
  return "";
}

}  // namespace querysafe::analyze
