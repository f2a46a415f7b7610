// An independent model of QE range v2's documented rules, to check
// libmongocrypt's range payloads without taking its output as the expected
// value:
//   - the OST encoding of each range type into an unsigned domain [0, max]
//     ("OSTType", fle_range.md; getTypeInfo32/64/Double/Decimal128 in
//     mc-range-encoding.c, range v2);
//   - the minimal cover of a query range (mincover, SERVER-68600): the number
//     of edge token sets a find payload carries;
//   - the edges of a stored value: the number of edge token sets an insert
//     payload carries.
// The model is validated against MongoDB's own find payloads (spec vectors Int,
// Long, Date), then applied to double and decimal, where no byte oracle exists
// offline.
#ifndef QUERYSAFE_TESTS_CRYPT_RANGE_ORACLE_H_
#define QUERYSAFE_TESTS_CRYPT_RANGE_ORACLE_H_

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace querysafe::crypt::testing {

using uint128 = unsigned __int128;

// A value encoded into its domain [0, max].
struct Encoded {
  uint128 value = 0;
  uint128 max = 0;
};

Encoded EncodeInt64(int64_t value, int64_t min,
                    int64_t max);    // int, long and date
Encoded EncodeDouble(double value);  // no precision: 64-bit domain
// With precision: requires min, max and precision that libmongocrypt accepts
// (bits < 53).
Encoded EncodeDoublePrecision(double value, double min, double max, int32_t precision);
Encoded EncodeDecimal(const bson_decimal128_t& value);  // no precision: 128-bit domain
// With precision, for values, min and max that are integers times 10^-precision
// at most (enough for the tests' bounds); the arithmetic is exact.
Encoded EncodeDecimalPrecision(const bson_decimal128_t& value, const bson_decimal128_t& min,
                               const bson_decimal128_t& max, int32_t precision);

// Number of bits of the domain: the bit length of `max`.
int DomainBits(uint128 max);

// The number of edges in the minimal cover of [lower, upper] (already adjusted
// for exclusive bounds) in a domain whose largest value is `max`.
size_t MinCoverSize(uint128 lower, uint128 upper, uint128 max, int sparsity, int trim_factor);

// The number of edges stored for one value: levels (prefix lengths) L in
// [trim_factor, bits) with L % sparsity == 0, plus the leaf (fle_range.md,
// "Sparsity" and "Trim factor").
size_t EdgeCount(int bits, int sparsity, int trim_factor);

// libmongocrypt's default trim factor when none is given: min(6, bits - 1)
// (mc-range-encoding.c).
int DefaultTrimFactor(int bits);

}  // namespace querysafe::crypt::testing

#endif  // QUERYSAFE_TESTS_CRYPT_RANGE_ORACLE_H_
