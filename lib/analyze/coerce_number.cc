// Numbers: Python's int() and float() as Django's IntegerField and FloatField apply them, and
// DecimalField's Decimal construction (with create_decimal_from_float for floats).

#include <charconv>
#include <cmath>
#include <cstring>
#include <format>
#include <limits>
#include <string>

#include "lib/analyze/coerce.h"
#include "lib/analyze/coerce_internal.h"

namespace querysafe::analyze {
namespace {

std::string_view StripSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// PEP 515: single underscores between digits only. Returns the text without them, or false.
bool DropUnderscores(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      out->push_back(s[i]);
      continue;
    }
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (i == 0 || i + 1 == s.size() || !digit(s[i - 1]) || !digit(s[i + 1])) return false;
  }
  return true;
}

bool ParsePyIntText(std::string_view text, int64_t* out) {
  std::string clean;
  text = StripSpace(text);
  if (!DropUnderscores(text, &clean) || clean.empty()) return false;
  std::string_view s = clean;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') negative = s[0] == '-', s.remove_prefix(1);
  if (s.empty()) return false;
  uint64_t magnitude = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), magnitude);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return false;
  if (negative) {
    if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    *out = static_cast<int64_t>(0 - magnitude);
  } else {
    if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(magnitude);
  }
  return true;
}

bool ParsePyFloatText(std::string_view text, double* out) {
  std::string clean;
  text = StripSpace(text);
  if (!DropUnderscores(text, &clean) || clean.empty()) return false;
  std::string_view s = clean;
  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') negative = body[0] == '-', body.remove_prefix(1);
  std::string lower;
  for (char c : body)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "nan") {
    *out = negative ? -std::numeric_limits<double>::quiet_NaN()
                    : std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (lower == "inf" || lower == "infinity") {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return true;
  }
  // from_chars rejects a leading '+', and Python rejects hex floats here: check the charset.
  for (char c : body) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return false;
    }
  }
  double v = 0;
  auto res = std::from_chars(body.data(), body.data() + body.size(), v);
  if (res.ptr != body.data() + body.size()) return false;
  if (res.ec == std::errc::result_out_of_range) {
    // Python overflows to inf and underflows to 0 rather than failing.
    bool huge = body.find_first_of("eE") != std::string_view::npos &&
                body[body.find_first_of("eE") + 1] != '-';
    v = huge ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (res.ec != std::errc()) {
    return false;
  }
  *out = negative ? -v : v;
  return true;
}

// Decimal text as Python's Decimal(str) accepts it, finite only (DecimalField rejects NaN and
// infinities); returns the digits and exponent in a form bson_decimal128_from_string reads.
bool NormalizeDecimalText(std::string_view text, std::string* out) {
  std::string clean;
  text = StripSpace(text);
  if (!DropUnderscores(text, &clean) || clean.empty()) return false;
  size_t i = 0;
  std::string digits_part;
  if (clean[i] == '+' || clean[i] == '-') ++i;
  bool seen_digit = false, seen_dot = false;
  for (; i < clean.size(); ++i) {
    char c = clean[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return false;
  if (i < clean.size()) {
    if (clean[i] != 'e' && clean[i] != 'E') return false;
    size_t j = i + 1;
    if (j < clean.size() && (clean[j] == '+' || clean[j] == '-')) ++j;
    if (j == clean.size()) return false;
    for (; j < clean.size(); ++j) {
      if (clean[j] < '0' || clean[j] > '9') return false;
    }
  }
  *out = clean;
  return true;
}

// The integer part of decimal text ("-12.5E1" -> -125), exactly: the decimal point is moved by
// the exponent in the digit string, never through a binary float.
bool TruncateDecimalText(std::string_view text, int64_t* out) {
  bool negative = false;
  size_t i = 0;
  if (text[i] == '+' || text[i] == '-') negative = text[i] == '-', ++i;
  std::string digits;
  int64_t point = -1;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    if (text[i] == '.') {
      point = static_cast<int64_t>(digits.size());
    } else {
      digits.push_back(text[i]);
    }
  }
  if (point < 0) point = static_cast<int64_t>(digits.size());
  if (i < text.size()) {
    int64_t exp = 0;
    std::string_view e = text.substr(i + 1);
    if (!e.empty() && e[0] == '+') e.remove_prefix(1);
    auto res = std::from_chars(e.data(), e.data() + e.size(), exp);
    if (res.ec != std::errc() || res.ptr != e.data() + e.size()) return false;
    if (exp > 40) return false;  // beyond 64 bits whatever the digits
    if (exp < -100000) exp = -100000;
    point += exp;
  }
  std::string integer = point <= 0 ? "0"
                        : point >= static_cast<int64_t>(digits.size())
                            ? digits + std::string(point - digits.size(), '0')
                            : digits.substr(0, point);
  std::string signed_text = (negative ? "-" : "") + integer;
  return ParsePyIntText(signed_text, out);
}

}  // namespace

bool PyInt(const PyValue& v, int64_t* out) {
  switch (v.type) {
    case PyValue::Type::kBool:
      *out = v.b ? 1 : 0;
      return true;
    case PyValue::Type::kInt:
      *out = v.i;
      return true;
    case PyValue::Type::kFloat: {
      // int(float) truncates toward zero; NaN and infinities raise.
      if (!std::isfinite(v.f)) return false;
      double t = std::trunc(v.f);
      if (t < -9223372036854775808.0 || t >= 9223372036854775808.0) return false;
      *out = static_cast<int64_t>(t);
      return true;
    }
    case PyValue::Type::kStr:
      return ParsePyIntText(v.s, out);
    case PyValue::Type::kDecimal: {
      // int(Decimal) truncates toward zero.
      std::string text;
      return NormalizeDecimalText(v.s, &text) && TruncateDecimalText(text, out);
    }
    default:
      return false;
  }
}

bool PyFloat(const PyValue& v, double* out) {
  switch (v.type) {
    case PyValue::Type::kBool:
      *out = v.b ? 1.0 : 0.0;
      return true;
    case PyValue::Type::kInt:
      *out = static_cast<double>(v.i);
      return true;
    case PyValue::Type::kFloat:
      *out = v.f;
      return true;
    case PyValue::Type::kStr:
      return ParsePyFloatText(v.s, out);
    case PyValue::Type::kDecimal:
      return ParsePyFloatText(v.s, out);
    default:
      return false;
  }
}

namespace coerce_internal {

std::string ExpectedNumber(const schema::Field& field, const PyValue& value) {
  return std::format("Field '{}' expected a number but got {}.", field.name, Repr(value));
}

bool CoerceInteger(const PyValue& value, const schema::Field& field, const CoerceOptions& options,
                   bson_value_t* out, CoerceError* error) {
  PyValue v = value;
  // Django's IntegerFieldFloatRounding: `gte 1.5` means `gte 2` and `lt 1.5` means `lt 2`.
  if (v.type == PyValue::Type::kFloat && std::isfinite(v.f) &&
      (options.lookup == bound::LookupKind::kGte || options.lookup == bound::LookupKind::kLt)) {
    v.f = std::ceil(v.f);
  }
  int64_t n = 0;
  if (!PyInt(v, &n)) {
    *error = {Category::kValidationError, "value.expected_number", ExpectedNumber(field, value)};
    return false;
  }
  // django-mongodb-backend stores every integer field but the "Small" ones as Int64; PyMongo
  // encodes a Python int as int32 when it fits.
  if (field.bson_type == schema::BsonType::kLong) {
    out->value_type = BSON_TYPE_INT64;
    out->value.v_int64 = n;
  } else if (n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max()) {
    out->value_type = BSON_TYPE_INT32;
    out->value.v_int32 = static_cast<int32_t>(n);
  } else {
    out->value_type = BSON_TYPE_INT64;
    out->value.v_int64 = n;
  }
  return true;
}

bool CoerceFloat(const PyValue& value, const schema::Field& field, bson_value_t* out,
                 CoerceError* error) {
  double d = 0;
  if (!PyFloat(value, &d)) {
    *error = {Category::kValidationError, "value.expected_number", ExpectedNumber(field, value)};
    return false;
  }
  out->value_type = BSON_TYPE_DOUBLE;
  out->value.v_double = d;
  return true;
}

namespace {

// Context(prec=max_digits).create_decimal_from_float(f): the float's exact decimal value,
// rounded half-even to `prec` significant digits only if it has more.
std::string DecimalFromFloat(double f, int prec) {
  char exact[1100];
  auto r = std::to_chars(exact, exact + sizeof exact, f, std::chars_format::scientific, 800);
  std::string s(exact, r.ptr);
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e), exponent = s.substr(e);
  while (!mantissa.empty() && mantissa.back() == '0') mantissa.pop_back();
  if (!mantissa.empty() && mantissa.back() == '.') mantissa.pop_back();
  size_t digits = 0;
  for (char c : mantissa) digits += c >= '0' && c <= '9';
  if (static_cast<int>(digits) <= prec) return mantissa + exponent;
  char rounded[128];
  r = std::to_chars(rounded, rounded + sizeof rounded, f, std::chars_format::scientific, prec - 1);
  return std::string(rounded, r.ptr);
}

}  // namespace

bool CoerceDecimal(const PyValue& value, const schema::Field& field, Arena* arena,
                   bson_value_t* out, CoerceError* error) {
  (void)arena;
  std::string text;
  bool ok = false;
  switch (value.type) {
    case PyValue::Type::kFloat:
      if (std::isfinite(value.f)) {
        int prec = field.max_digits ? static_cast<int>(*field.max_digits) : 28;
        text = DecimalFromFloat(value.f, prec);
        ok = true;
      }
      break;
    case PyValue::Type::kInt:
      text = std::to_string(value.i);
      ok = true;
      break;
    case PyValue::Type::kBool:
      text = value.b ? "1" : "0";
      ok = true;
      break;
    case PyValue::Type::kDecimal:
    case PyValue::Type::kStr:
      ok = NormalizeDecimalText(value.s, &text);
      break;
    default:
      break;
  }
  bson_decimal128_t dec;
  if (!ok || !bson_decimal128_from_string(text.c_str(), &dec)) {
    *error = {Category::kValidationError, "value.invalid_decimal",
              std::format("\u201c{}\u201d value must be a decimal number.", Str(value))};
    return false;
  }
  out->value_type = BSON_TYPE_DECIMAL128;
  out->value.v_decimal128 = dec;
  return true;
}

}  // namespace coerce_internal
}  // namespace querysafe::analyze
