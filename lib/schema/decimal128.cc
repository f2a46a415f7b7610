#include "lib/schema/decimal128.h"

namespace querysafe::schema {
namespace {

constexpr int32_t kExponentBias = 6176;

uint128 MaxCoefficient() {  // 10^34 - 1
  return *Pow10(34) - 1;
}

int DigitCount(uint128 v) {
  int digits = 1;
  while (v >= 10) {
    v /= 10;
    ++digits;
  }
  return digits;
}

int CompareMagnitude(const Decimal& a, const Decimal& b) {
  if (a.coefficient == 0 || b.coefficient == 0) {
    return (a.coefficient != 0) - (b.coefficient != 0);
  }
  // Compare the position of the leading digit first; with equal positions,
  // padding the shorter coefficient with zeros keeps both below 10^34, so the
  // comparison stays exact.
  int da = DigitCount(a.coefficient);
  int db = DigitCount(b.coefficient);
  int64_t lead_a = int64_t{a.exponent} + da;
  int64_t lead_b = int64_t{b.exponent} + db;
  if (lead_a != lead_b) return lead_a < lead_b ? -1 : 1;
  uint128 ca = a.coefficient;
  uint128 cb = b.coefficient;
  if (da < db) ca *= *Pow10(db - da);
  if (db < da) cb *= *Pow10(da - db);
  return ca < cb ? -1 : (ca > cb ? 1 : 0);
}

}  // namespace

std::optional<uint128> Pow10(int n) {
  if (n < 0 || n > 38) return std::nullopt;
  uint128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

Decimal DecodeDecimal(const bson_decimal128_t& value) {
  Decimal d;
  const uint64_t high = value.high;
  d.negative = (high >> 63) != 0;
  const uint64_t combination = (high >> 58) & 0x1F;
  if (combination == 0x1F) {
    d.nan = true;
    return d;
  }
  if (combination == 0x1E) {
    d.infinity = true;
    return d;
  }
  if (((high >> 61) & 3) == 3) {
    // The "11" form encodes coefficients of 2^113 and more, all above 10^34 -
    // 1: non-canonical, and read as zero.
    d.exponent = static_cast<int32_t>((high >> 47) & 0x3FFF) - kExponentBias;
    return d;
  }
  d.exponent = static_cast<int32_t>((high >> 49) & 0x3FFF) - kExponentBias;
  d.coefficient = (static_cast<uint128>(high & 0x1FFFFFFFFFFFFull) << 64) | value.low;
  if (d.coefficient > MaxCoefficient()) d.coefficient = 0;
  return d;
}

int CompareDecimal(const Decimal& a, const Decimal& b) {
  const bool a_zero = a.zero();
  const bool b_zero = b.zero();
  const int sign_a = a_zero ? 0 : (a.negative ? -1 : 1);
  const int sign_b = b_zero ? 0 : (b.negative ? -1 : 1);
  if (sign_a != sign_b) return sign_a < sign_b ? -1 : 1;
  if (sign_a == 0) return 0;
  int magnitude;
  if (a.infinity || b.infinity) {
    magnitude = a.infinity == b.infinity ? 0 : (a.infinity ? 1 : -1);
  } else {
    magnitude = CompareMagnitude(a, b);
  }
  return sign_a < 0 ? -magnitude : magnitude;
}

bool ScaledIsIntegral(const Decimal& value, int32_t precision) {
  if (!value.finite()) return false;
  if (value.coefficient == 0) return true;
  int64_t exponent = int64_t{value.exponent} + precision;
  if (exponent >= 0) return true;
  // The fractional digits are the last -exponent digits of the coefficient.
  std::optional<uint128> divisor = Pow10(static_cast<int>(-exponent));
  if (!divisor) return false;  // more fractional digits than the coefficient has: not zero
  return value.coefficient % *divisor == 0;
}

std::optional<int128> ScaledToInt128(const Decimal& value, int32_t precision) {
  if (!value.finite()) return std::nullopt;
  const uint128 kMax = (static_cast<uint128>(1) << 127) - 1;
  uint128 magnitude = value.coefficient;
  int64_t exponent = int64_t{value.exponent} + precision;
  if (magnitude != 0 && exponent > 0) {
    for (int64_t i = 0; i < exponent; ++i) {
      if (magnitude > kMax / 10) return std::nullopt;
      magnitude *= 10;
    }
  } else if (exponent < 0) {
    std::optional<uint128> divisor = Pow10(static_cast<int>(-exponent));
    magnitude = divisor ? magnitude / *divisor : 0;
  }
  if (magnitude > kMax) return std::nullopt;
  int128 result = static_cast<int128>(magnitude);
  return value.negative ? -result : result;
}

}  // namespace querysafe::schema
