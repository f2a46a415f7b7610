// The value rules of Python's constructors, without any syntax: Decimal's
// string grammar and its str(), timedelta's normalization and rounding,
// uuid.UUID(hex) and the calendar. Errors are Python's ValueError/OverflowError
// messages.
#ifndef QUERYSAFE_LIB_PARSE_VALUES_H_
#define QUERYSAFE_LIB_PARSE_VALUES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace querysafe::parse_internal {

// Decimal(s) for a str `s`, as str(Decimal(s)) prints it ("1.50", "1E+1", "-0",
// "NaN",
// "-Infinity"); nullopt when Python raises.
std::optional<std::string> DecimalFromString(std::string_view s);

// Decimal(n) for an int whose decimal digits (no sign, no underscores) are
// `digits`.
std::string DecimalFromInt(bool negative, std::string_view digits);

// One timedelta argument: an int or a float.
using TimedeltaArg = std::variant<int64_t, double>;

// timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks)
// in microseconds, with Python's exact integer arithmetic and round-half-even
// of the fractional microseconds. Fails with Python's message when |days| >
// 999999999, or ours when the result does not fit in 64-bit microseconds (about
// 292,000 years; BSON stores a Duration in that).
struct TimedeltaResult {
  std::optional<int64_t> microseconds;
  std::string error;
};
TimedeltaResult TimedeltaMicroseconds(const std::array<std::optional<TimedeltaArg>, 7>& args);

// uuid.UUID(hex): the 16 bytes, or Python's error message.
struct UuidResult {
  std::optional<std::array<uint8_t, 16>> bytes;
  std::string error;
};
UuidResult UuidFromHex(std::string_view hex);

}  // namespace querysafe::parse_internal

#endif  // QUERYSAFE_LIB_PARSE_VALUES_H_
