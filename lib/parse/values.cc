#include "lib/parse/values.h"

#include <cmath>
#include <format>

namespace querysafe::parse_internal {

namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != b[i]) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view StripLeadingZeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  return digits;
}

// Decimal.__str__ for a finite number (context.capitals = 1, no engineering
// notation).
std::string DecimalToString(bool negative, std::string_view coefficient, int64_t exponent) {
  const int64_t leftdigits = exponent + static_cast<int64_t>(coefficient.size());
  const int64_t dotplace = (exponent <= 0 && leftdigits > -6) ? leftdigits : 1;
  std::string out = negative ? "-" : "";
  if (dotplace <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-dotplace), '0');
    out += coefficient;
  } else if (dotplace >= static_cast<int64_t>(coefficient.size())) {
    out += coefficient;
    out.append(static_cast<size_t>(dotplace) - coefficient.size(), '0');
  } else {
    out += coefficient.substr(0, static_cast<size_t>(dotplace));
    out += '.';
    out += coefficient.substr(static_cast<size_t>(dotplace));
  }
  if (leftdigits != dotplace) out += std::format("E{:+}", leftdigits - dotplace);
  return out;
}

}  // namespace

std::optional<std::string> DecimalFromString(std::string_view input) {
  // Python strips whitespace, then drops every underscore.
  std::string s;
  for (char c : Strip(input)) {
    if (c != '_') s.push_back(c);
  }
  std::string_view v = s;
  bool negative = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    negative = v[0] == '-';
    v.remove_prefix(1);
  }
  if (IEquals(v, "inf") || IEquals(v, "infinity")) {
    return std::string(negative ? "-" : "") + "Infinity";
  }
  const bool signaling = !v.empty() && (v[0] | 0x20) == 's';
  if (std::string_view nan = signaling ? v.substr(1) : v;
      nan.size() >= 3 && IEquals(nan.substr(0, 3), "nan")) {
    const std::string_view diag = nan.substr(3);
    for (char c : diag) {
      if (!IsDigit(c)) return std::nullopt;
    }
    std::string out = negative ? "-" : "";
    out += signaling ? "sNaN" : "NaN";
    const std::string_view payload = StripLeadingZeros(diag);
    if (!payload.empty() && payload != "0") out += payload;
    return out;
  }
  // digits [. digits] [E [sign] digits], starting with a digit or ".digit".
  size_t i = 0;
  std::string coefficient;
  while (i < v.size() && IsDigit(v[i])) coefficient.push_back(v[i++]);
  size_t frac_digits = 0;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && IsDigit(v[i])) {
      coefficient.push_back(v[i++]);
      ++frac_digits;
    }
  }
  if (coefficient.empty()) return std::nullopt;
  int64_t exponent = 0;
  if (i < v.size() && (v[i] | 0x20) == 'e') {
    ++i;
    bool exp_negative = false;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) exp_negative = v[i++] == '-';
    const size_t start = i;
    while (i < v.size() && IsDigit(v[i])) {
      // Beyond 18 digits the exponent is out of any Decimal context's range
      // anyway.
      if (i - start >= 18) return std::nullopt;
      exponent = exponent * 10 + (v[i++] - '0');
    }
    if (i == start) return std::nullopt;
    if (exp_negative) exponent = -exponent;
  }
  if (i != v.size()) return std::nullopt;
  return DecimalToString(negative, StripLeadingZeros(coefficient),
                         exponent - static_cast<int64_t>(frac_digits));
}

std::string DecimalFromInt(bool negative, std::string_view digits) {
  const std::string_view d = StripLeadingZeros(digits);
  return std::string(negative && d != "0" ? "-" : "") + std::string(d);
}

TimedeltaResult TimedeltaMicroseconds(const std::array<std::optional<TimedeltaArg>, 7>& args) {
  // Python accumulates in this order: microseconds, milliseconds, seconds,
  // minutes, hours, days, weeks (positional order is days, seconds,
  // microseconds, milliseconds, minutes, hours, weeks).
  static constexpr std::array<std::pair<int, int64_t>, 7> kOrder = {{
      {2, 1},
      {3, 1000},
      {1, 1000000},
      {4, 60000000},
      {5, 3600000000},
      {0, 86400000000},
      {6, 604800000000},
  }};
  static constexpr std::array<const char*, 7> kNames = {
      "days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"};
  __int128 total = 0;
  double leftover = 0;
  const __int128 limit = static_cast<__int128>(1) << 100;
  for (const auto& [index, factor] : kOrder) {
    if (!args[index]) continue;
    if (const auto* i = std::get_if<int64_t>(&*args[index])) {
      total += static_cast<__int128>(*i) * factor;
      continue;
    }
    const double value = std::get<double>(*args[index]);
    if (std::isnan(value)) return {std::nullopt, "cannot convert float NaN to integer"};
    if (std::isinf(value)) return {std::nullopt, "cannot convert float infinity to integer"};
    double intpart;
    double fracpart = std::modf(value, &intpart);
    if (std::fabs(intpart) >= 0x1p80) {
      return {std::nullopt, std::format("timedelta {} is out of range", kNames[index])};
    }
    total += static_cast<__int128>(intpart) * factor;
    if (fracpart == 0.0) continue;
    // So far exact; the fraction is scaled in floating point, as Python does.
    const double scaled = static_cast<double>(factor) * fracpart;
    fracpart = std::modf(scaled, &intpart);
    total += static_cast<__int128>(intpart);
    leftover += fracpart;
    if (total > limit || total < -limit) break;
  }
  if (leftover != 0) {
    double whole = std::round(leftover);
    if (std::fabs(whole - leftover) == 0.5) {
      // Exactly halfway: round half to even, counting the total's parity.
      const int odd = static_cast<int>(total & 1);
      whole = 2.0 * std::round((leftover + odd) * 0.5) - odd;
    }
    total += static_cast<__int128>(whole);
  }
  constexpr int64_t kMicrosPerDay = 86400000000;
  __int128 days = total / kMicrosPerDay;
  if (total % kMicrosPerDay < 0) --days;  // floor, as divmod()
  if (days > 999999999 || days < -999999999) {
    return {
        std::nullopt,
        days > (static_cast<__int128>(1) << 62) || days < -(static_cast<__int128>(1) << 62)
            ? std::string("timedelta is out of range")
            : std::format("days={}; must have magnitude <= 999999999", static_cast<int64_t>(days))};
  }
  if (total > INT64_MAX || total < INT64_MIN) {
    return {std::nullopt,
            "timedelta is out of the supported range: it must fit in 64-bit "
            "microseconds "
            "(about 106751991 days either way)"};
  }
  return {static_cast<int64_t>(total), {}};
}

UuidResult UuidFromHex(std::string_view input) {
  const auto remove_all = [](std::string s, std::string_view what) {
    for (size_t at; (at = s.find(what)) != std::string::npos;) s.erase(at, what.size());
    return s;
  };
  std::string hex = remove_all(remove_all(std::string(input), "urn:"), "uuid:");
  const size_t first = hex.find_first_not_of("{}");
  const size_t last = hex.find_last_not_of("{}");
  hex = first == std::string::npos ? "" : hex.substr(first, last - first + 1);
  hex = remove_all(hex, "-");
  // Python counts characters, not bytes.
  size_t length = 0;
  for (char c : hex) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (length != 32) return {std::nullopt, "badly formed hexadecimal UUID string"};
  // int(hex, 16): surrounding whitespace, a '+', a 0x prefix, underscores
  // between digits.
  const std::string invalid = std::format("invalid literal for int() with base 16: '{}'", hex);
  std::string_view v = Strip(hex);
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  bool after_prefix = false;
  if (v.size() >= 2 && v[0] == '0' && (v[1] | 0x20) == 'x') {
    v.remove_prefix(2);
    after_prefix = true;
  }
  __uint128_t value = 0;
  bool digit_before = after_prefix;  // "0x_1f" is valid
  size_t digits = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '_') {
      if (!digit_before || i + 1 == v.size() || v[i + 1] == '_') return {std::nullopt, invalid};
      digit_before = false;
      continue;
    }
    int d;
    if (IsDigit(c)) {
      d = c - '0';
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
      d = (c | 0x20) - 'a' + 10;
    } else {
      return {std::nullopt, invalid};
    }
    value = value * 16 + static_cast<unsigned>(d);
    digit_before = true;
    ++digits;
  }
  if (digits == 0) return {std::nullopt, invalid};
  std::array<uint8_t, 16> bytes;
  for (int i = 15; i >= 0; --i) {
    bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(value & 0xFF);
    value >>= 8;
  }
  return {bytes, {}};
}

}  // namespace querysafe::parse_internal
