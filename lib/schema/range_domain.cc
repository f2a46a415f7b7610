#include "lib/schema/range_domain.h"

#include <bit>
#include <cmath>
#include <format>
#include <limits>

namespace querysafe::schema {
namespace {

// encryption_fields_util.h: the edge count a query may need before its BSON
// outgrows 16 MB.
constexpr uint32_t kMaxTagLimit = 300000;
constexpr uint32_t kMaxTagLimitLog2 = 19;

uint32_t BitWidth(uint128 v) {
  const uint64_t high = static_cast<uint64_t>(v >> 64);
  if (high != 0) return 128 - static_cast<uint32_t>(std::countl_zero(high));
  return 64 - static_cast<uint32_t>(std::countl_zero(static_cast<uint64_t>(v)));
}

// Signed to unsigned with the type's minimum at 0 (mc-range-encoding.c
// encodeInt32/64).
uint32_t Encode32(int32_t v) { return static_cast<uint32_t>(v) ^ 0x80000000u; }
uint64_t Encode64(int64_t v) { return static_cast<uint64_t>(v) ^ 0x8000000000000000ull; }

int64_t AsInt64(const bson_value_t& v) {
  return v.value_type == BSON_TYPE_DATE_TIME ? v.value.v_datetime : v.value.v_int64;
}

std::string DoubleDomainError(std::string_view path) {
  return std::format(
      "The domain of double values specified by the min, max, and precision "
      "for field '{}' "
      "cannot be represented in fewer than 64 bits",
      path);
}

std::string DecimalDomainError(std::string_view path) {
  return std::format(
      "The domain of decimal values specified by the min, max, and precision "
      "for field '{}' "
      "cannot be represented in fewer than 128 bits",
      path);
}

// mc_canUsePrecisionModeDouble (range v2): the scaled bounds must be integers
// below 2^53 and the domain narrower than 53 bits. Every step is the same
// double arithmetic libmongocrypt does.
std::optional<uint32_t> DoublePrecisionBits(double min, double max, int32_t precision) {
  if (precision < 0 || !(min < max)) return std::nullopt;
  const double scaled_prc = std::pow(10.0, precision);
  if (!std::isfinite(scaled_prc)) return std::nullopt;
  const double scaled_max = max * scaled_prc;
  const double scaled_min = min * scaled_prc;
  if (scaled_max != std::trunc(scaled_max) || scaled_min != std::trunc(scaled_min)) {
    return std::nullopt;
  }
  constexpr double kScaledBounds = 9007199254740992.0;  // 2^53
  if (std::fabs(scaled_max) >= kScaledBounds || std::fabs(scaled_min) >= kScaledBounds) {
    return std::nullopt;
  }
  const double t_1 = scaled_max - scaled_min;
  const double t_4 = static_cast<double>(std::numeric_limits<uint64_t>::max()) - t_1;
  const double t_5 = std::floor(std::log10(t_4)) - 1;
  if (static_cast<double>(precision) > t_5) return std::nullopt;
  const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(scaled_max)) -
                         static_cast<uint64_t>(static_cast<int64_t>(scaled_min));
  if (static_cast<uint64_t>(scaled_prc) > std::numeric_limits<uint64_t>::max() - range) {
    return std::nullopt;
  }
  const uint64_t i_3 = range + static_cast<uint64_t>(scaled_prc);
  // ceil(log2(i_3))
  uint32_t bits = 64 - static_cast<uint32_t>(std::countl_zero(i_3));
  if ((i_3 & (i_3 - 1)) == 0) --bits;
  if (bits >= 53) return std::nullopt;
  return bits;
}

// mc_canUsePrecisionModeDecimal, in exact 128-bit integers (libmongocrypt's
// Decimal128 arithmetic rounds to 34 digits; the two agree away from the 2^127
// edge).
std::optional<uint32_t> DecimalPrecisionBits(const Decimal& min, const Decimal& max,
                                             int32_t precision) {
  if (precision < 0 || precision > 255 || !min.finite() || !max.finite() ||
      CompareDecimal(min, max) >= 0) {
    return std::nullopt;
  }
  if (!ScaledIsIntegral(min, precision) || !ScaledIsIntegral(max, precision)) {
    return std::nullopt;
  }
  std::optional<int128> scaled_min = ScaledToInt128(min, precision);
  std::optional<int128> scaled_max = ScaledToInt128(max, precision);
  if (!scaled_min || !scaled_max) return std::nullopt;
  const uint128 range = static_cast<uint128>(*scaled_max) - static_cast<uint128>(*scaled_min);
  const uint128 t_4 = ~static_cast<uint128>(0) - range;
  // t_5 = floor(log10(t_4)) - 1
  int digits = 1;
  for (uint128 v = t_4; v >= 10; v /= 10) ++digits;
  if (precision > digits - 2) return std::nullopt;
  const uint128 i_3 = range + *Pow10(precision);
  uint32_t bits = BitWidth(i_3);
  if ((i_3 & (i_3 - 1)) == 0) --bits;
  if (bits >= 128) return std::nullopt;
  return bits;
}

RangeDomain FromMax(uint128 max) {
  RangeDomain d;
  d.max = max;
  d.bits = BitWidth(max);
  return d;
}

uint128 LowBits(uint32_t bits) {
  return bits >= 128 ? ~static_cast<uint128>(0) : (static_cast<uint128>(1) << bits) - 1;
}

}  // namespace

RangeDomain ComputeRangeDomain(BsonType type, const bson_value_t& min, const bson_value_t& max,
                               std::optional<int32_t> precision, std::string_view path) {
  const bool bounded = min.value_type != BSON_TYPE_EOD && max.value_type != BSON_TYPE_EOD;
  switch (type) {
    case BsonType::kInt: {
      if (!bounded) return FromMax(std::numeric_limits<uint32_t>::max());
      if (min.value.v_int32 >= max.value.v_int32) return {};
      return FromMax(Encode32(max.value.v_int32) - Encode32(min.value.v_int32));
    }
    case BsonType::kLong:
    case BsonType::kDate: {
      if (!bounded) return FromMax(std::numeric_limits<uint64_t>::max());
      if (AsInt64(min) >= AsInt64(max)) return {};
      return FromMax(Encode64(AsInt64(max)) - Encode64(AsInt64(min)));
    }
    case BsonType::kDouble: {
      if (!precision.has_value() || !bounded) {
        return FromMax(std::numeric_limits<uint64_t>::max());
      }
      std::optional<uint32_t> bits =
          DoublePrecisionBits(min.value.v_double, max.value.v_double, *precision);
      if (!bits) return RangeDomain{0, 0, 9157100, DoubleDomainError(path)};
      return FromMax(LowBits(*bits));
    }
    case BsonType::kDecimal: {
      if (!precision.has_value() || !bounded) return FromMax(~static_cast<uint128>(0));
      std::optional<uint32_t> bits = DecimalPrecisionBits(
          DecodeDecimal(min.value.v_decimal128), DecodeDecimal(max.value.v_decimal128), *precision);
      if (!bits) return RangeDomain{0, 0, 9157101, DecimalDomainError(path)};
      return FromMax(LowBits(*bits));
    }
    default:
      return {};
  }
}

int32_t DefaultTrimFactor(uint32_t bits) {
  constexpr int32_t kDefault = 6;  // mc_FLERangeTrimFactorDefault, kFLERangeTrimFactorDefault
  if (bits == 0) return kDefault;
  return static_cast<uint32_t>(kDefault) > bits - 1 ? static_cast<int32_t>(bits - 1) : kDefault;
}

std::optional<RuleFailure> CheckTagLimit(BsonType type, const RangeDomain& domain, int64_t sparsity,
                                         int32_t trim_factor) {
  if (domain.bits == 0 || domain.max < kMaxTagLimit) return std::nullopt;
  // validateRangeBoundsInt / validateRangeBoundsDecimal128: log2 of the number
  // of values.
  double domain_size_log2;
  if (type == BsonType::kDecimal) {
    domain_size_log2 = domain.max == ~static_cast<uint128>(0) ? 128 : BitWidth(domain.max + 1);
  } else {
    const uint32_t type_bits = type == BsonType::kInt ? 32 : 64;
    domain_size_log2 = domain.bits == type_bits && domain.max == LowBits(type_bits)
                           ? type_bits
                           : std::log2(static_cast<double>(domain.max + 1));
  }
  if (static_cast<int64_t>(trim_factor) + sparsity - 1 >= kMaxTagLimitLog2) {
    return RuleFailure{9203504,
                       "Sparsity and trimFactor together are too large and "
                       "could create queries "
                       "that exceed the BSON size limit"};
  }
  const double total = std::ldexp(1.0, static_cast<int>(sparsity)) *
                       (2 * domain_size_log2 - 1 + std::ldexp(1.0, trim_factor));
  if (total >= kMaxTagLimit) {
    return RuleFailure{9203508,
                       "Sparsity, trimFactor, min, and max together are too large and could "
                       "create queries that exceed the BSON size limit"};
  }
  return std::nullopt;
}

bool DoubleFitsPrecision(double d, int32_t precision) {
  const double maybe_integer = d * std::pow(10.0, precision);
  const double trunc_integer = std::trunc(maybe_integer);
  return std::fabs(maybe_integer - trunc_integer) <=
         std::fabs(std::numeric_limits<double>::epsilon() * trunc_integer);
}

}  // namespace querysafe::schema
