#include "tests/crypt/range_oracle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace querysafe::crypt::testing {
namespace {

using int128 = __int128;

constexpr uint128 kOne = 1;
constexpr uint128 kUint128Max = ~uint128{0};

uint128 Pow10(int n) {
  uint128 out = 1;
  for (int i = 0; i < n; ++i) out *= 10;
  return out;
}

// Bits needed for a domain of `count` values: ceil(log2(count)).
int CeilLog2(uint128 count) {
  int floor_log2 = DomainBits(count) - 1;
  bool power_of_two = (count & (count - 1)) == 0;
  return power_of_two ? floor_log2 : floor_log2 + 1;
}

// IEEE 754-2008 decimal128, binary integer decimal encoding (what BSON stores).
struct Bid {
  bool negative = false;
  uint128 coefficient = 0;
  int biased_exponent = 0;  // bias 6176
};

Bid DecodeBid(const bson_decimal128_t& value) {
  Bid bid;
  bid.negative = (value.high >> 63) != 0;
  if (((value.high >> 61) & 3) == 3) {
    // The "11" combination form: infinity, NaN, or a coefficient above 10^34 -
    // 1, which is not canonical and reads as zero.
    EXPECT_NE((value.high >> 59) & 0xF, 0xFu) << "infinity or NaN has no encoding";
    bid.biased_exponent = static_cast<int>((value.high >> 47) & 0x3FFF);
    return bid;
  }
  bid.biased_exponent = static_cast<int>((value.high >> 49) & 0x3FFF);
  bid.coefficient = (uint128(value.high & 0x1FFFFFFFFFFFFull) << 64) | value.low;
  if (bid.coefficient > Pow10(34) - 1) bid.coefficient = 0;
  return bid;
}

// value * 10^precision, truncated toward zero; exact for the tests' small
// values.
int128 ScaledTruncated(const bson_decimal128_t& value, int32_t precision) {
  Bid bid = DecodeBid(value);
  int exponent = bid.biased_exponent - 6176 + precision;
  int128 magnitude;
  if (exponent >= 0) {
    EXPECT_LE(exponent, 38) << "value too large for the oracle";
    magnitude = static_cast<int128>(bid.coefficient * Pow10(exponent));
  } else {
    magnitude = -exponent > 38 ? 0 : static_cast<int128>(bid.coefficient / Pow10(-exponent));
  }
  return bid.negative ? -magnitude : magnitude;
}

}  // namespace

int DomainBits(uint128 max) {
  uint64_t high = static_cast<uint64_t>(max >> 64);
  uint64_t low = static_cast<uint64_t>(max);
  return high != 0 ? 128 - std::countl_zero(high) : 64 - std::countl_zero(low);
}

Encoded EncodeInt64(int64_t value, int64_t min, int64_t max) {
  // Shifting by min keeps the order; the domain is [0, max - min].
  return {static_cast<uint128>(static_cast<int128>(value) - min),
          static_cast<uint128>(static_cast<int128>(max) - min)};
}

Encoded EncodeDouble(double value) {
  bool negative = value < 0;
  if (value == 0) value = 0;  // -0 encodes as +0
  double flipped = -value;
  uint64_t bits = std::bit_cast<uint64_t>(flipped);
  if (negative) bits = (uint64_t{1} << 63) - bits;
  return {bits, std::numeric_limits<uint64_t>::max()};
}

Encoded EncodeDoublePrecision(double value, double min, double max, int32_t precision) {
  double scale = std::pow(10.0, precision);
  int64_t scaled_max = static_cast<int64_t>(max * scale);
  int64_t scaled_min = static_cast<int64_t>(min * scale);
  uint128 count = static_cast<uint128>(scaled_max - scaled_min) + static_cast<uint128>(scale);
  int bits = CeilLog2(count);
  int64_t scaled = static_cast<int64_t>(std::trunc(value * scale));
  return {static_cast<uint128>(scaled - scaled_min), (kOne << bits) - 1};
}

Encoded EncodeDecimal(const bson_decimal128_t& value) {
  Bid bid = DecodeBid(value);
  const uint128 midpoint = kOne << 127;
  if (bid.coefficient == 0) return {midpoint, kUint128Max};
  // The largest integer a decimal128 coefficient holds, and the
  // order-preserving mapping of (coefficient, exponent) built on it.
  const uint128 c_max = Pow10(34) - 1;
  uint128 scaled = bid.coefficient;
  int rho = 0;
  while (scaled < c_max / 10) {
    ++rho;
    scaled *= 10;
  }
  uint128 result = rho <= bid.biased_exponent
                       ? scaled + c_max * static_cast<uint128>(bid.biased_exponent - rho)
                       : Pow10(bid.biased_exponent) * bid.coefficient;
  result += midpoint;
  if (bid.negative) result = ~result + 1;
  return {result, kUint128Max};
}

Encoded EncodeDecimalPrecision(const bson_decimal128_t& value, const bson_decimal128_t& min,
                               const bson_decimal128_t& max, int32_t precision) {
  int128 scaled_min = ScaledTruncated(min, precision);
  int128 scaled_max = ScaledTruncated(max, precision);
  uint128 count = static_cast<uint128>(scaled_max - scaled_min) + Pow10(precision);
  int bits = CeilLog2(count);
  int128 scaled = ScaledTruncated(value, precision);
  return {static_cast<uint128>(scaled - scaled_min), (kOne << bits) - 1};
}

size_t MinCoverSize(uint128 lower, uint128 upper, uint128 max, int sparsity, int trim_factor) {
  const int bits = DomainBits(max);
  size_t count = 0;
  // Walks the binary tree of prefixes from the root; a block [start, start +
  // 2^masked - 1] that lies inside [lower, upper] is one edge when its level
  // (prefix length) is stored.
  auto walk = [&](auto& self, uint128 start, int masked) -> void {
    uint128 end = masked == 128 ? kUint128Max : start | ((kOne << masked) - 1);
    if (end < lower || start > upper) return;
    int level = bits - masked;
    bool stored = masked == 0 || (level >= trim_factor && level % sparsity == 0);
    if (start >= lower && end <= upper && stored) {
      ++count;
      return;
    }
    self(self, start, masked - 1);
    self(self, start | (kOne << (masked - 1)), masked - 1);
  };
  walk(walk, 0, bits);
  return count;
}

size_t EdgeCount(int bits, int sparsity, int trim_factor) {
  size_t count = 1;  // the leaf
  for (int level = trim_factor; level < bits; ++level) {
    if (level % sparsity == 0) ++count;
  }
  return count;
}

int DefaultTrimFactor(int bits) { return std::min(6, bits - 1); }

}  // namespace querysafe::crypt::testing
