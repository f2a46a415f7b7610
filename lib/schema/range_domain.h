// The size of a range index's domain, computed as libmongocrypt 1.13 does
// before it encrypts (mc-rangeopts.c mc_getNumberOfBits, mc-range-encoding.c
// mc_getTypeInfo*): the default trimFactor, the trimFactor bound and the
// BSON-size limit of the server all derive from it.
#ifndef QUERYSAFE_LIB_SCHEMA_RANGE_DOMAIN_H_
#define QUERYSAFE_LIB_SCHEMA_RANGE_DOMAIN_H_

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/schema/decimal128.h"
#include "lib/schema/model.h"

namespace querysafe::schema {

struct RangeDomain {
  // The largest encoded value: the domain holds max + 1 values, bits is its bit
  // width (32 for an unbounded int, 64 for long/date/double, 128 for decimal;
  // the precision-mode width for a bounded double/decimal with precision). 0
  // when the bounds are unusable.
  uint128 max = 0;
  uint32_t bits = 0;
  // Set when the bounds and precision cannot be used in precision mode (range
  // v2 requires it): the server's code and message.
  int32_t server_code = 0;
  std::string error;
};

// `min` and `max` are of the field's type, or both BSON_TYPE_EOD for an
// unbounded double or decimal; int, long and date get their type's full range
// when unbounded. `path` names the field in the server's messages.
RangeDomain ComputeRangeDomain(BsonType type, const bson_value_t& min, const bson_value_t& max,
                               std::optional<int32_t> precision, std::string_view path);

// libmongocrypt's trimFactorDefault: min(6, bits - 1).
int32_t DefaultTrimFactor(uint32_t bits);

// The server's validateRangeBounds (encryption_fields_validation.cpp), applied
// when trimFactor is set: queries made of 2^sparsity * (2 log2(n) - 1 +
// 2^trimFactor) tags must fit in a BSON document. Returns the failed rule's
// code and message.
struct RuleFailure {
  int32_t server_code = 0;
  std::string message;
};
std::optional<RuleFailure> CheckTagLimit(BsonType type, const RangeDomain& domain, int64_t sparsity,
                                         int32_t trim_factor);

// The server's validateDoublePrecisionRange: d has at most `precision` decimal
// digits, within the floating-point tolerance the server allows.
bool DoubleFitsPrecision(double d, int32_t precision);

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_RANGE_DOMAIN_H_
