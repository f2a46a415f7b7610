// The value rules behind the literals, against values computed with
// CPython 3.13 (noted next to each expectation): Decimal's str(), timedelta's
// rounding, uuid.UUID(hex), float() and repr().
#include "lib/parse/values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <format>

#include "lib/parse/literals.h"

namespace querysafe::parse_internal {
namespace {

TEST(DecimalFromString, PrintsAsPythonStr) {
  const std::pair<const char*, const char*> cases[] = {
      {"1.50", "1.50"},
      {"  -0 ", "-0"},
      {".5", "0.5"},
      {"5.", "5"},
      {"+007", "7"},
      {"1e10", "1E+10"},
      {"1.0E2", "1.0E+2"},
      {"0.0000001", "1E-7"},
      {"0.000001", "0.000001"},
      {"0E5", "0E+5"},
      {"0.00", "0.00"},
      {"NaN", "NaN"},
      {"-Infinity", "-Infinity"},
      {"inf", "Infinity"},
      {"sNaN12", "sNaN12"},
      {"nan0", "NaN"},
      {"1_000.000_1", "1000.0001"},
      {"-0E-3", "-0.000"},
      {"123e-12", "1.23E-10"},
      {"1e-6", "0.000001"},
      {"12.3e5", "1.23E+6"},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(DecimalFromString(input), expected) << input;
  }
}

TEST(DecimalFromString, RejectsWhatPythonRejects) {
  for (const char* input :
       {"", " ", ".", "e5", "1e", "1.2.3", "1 2", "abc", "--1", "NaNx", "0x10", "1e+", "Infinit"}) {
    EXPECT_EQ(DecimalFromString(input), std::nullopt) << input;
  }
}

TEST(DecimalFromInt, KeepsEveryDigit) {
  EXPECT_EQ(DecimalFromInt(false, "123456789012345678901234567890"),
            "123456789012345678901234567890");
  EXPECT_EQ(DecimalFromInt(true, "0"), "0");  // Decimal(-0) is Decimal('0')
  EXPECT_EQ(DecimalFromInt(true, "007"), "-7");
}

using TimedeltaArgs = std::array<std::optional<TimedeltaArg>, 7>;
enum { kDays, kSeconds, kMicroseconds, kMilliseconds, kMinutes, kHours, kWeeks };

TimedeltaArgs At(std::initializer_list<std::pair<int, TimedeltaArg>> values) {
  TimedeltaArgs args;
  for (const auto& [index, value] : values) args[static_cast<size_t>(index)] = value;
  return args;
}

int64_t Micros(std::initializer_list<std::pair<int, TimedeltaArg>> values) {
  const TimedeltaResult r = TimedeltaMicroseconds(At(values));
  EXPECT_TRUE(r.microseconds.has_value()) << r.error;
  return r.microseconds.value_or(0);
}

TEST(TimedeltaMicroseconds, MatchesPython) {
  const auto i = [](int64_t v) { return TimedeltaArg(v); };
  EXPECT_EQ(Micros({{kDays, i(1)},
                    {kSeconds, i(4)},
                    {kMicroseconds, i(6)},
                    {kMilliseconds, i(5)},
                    {kMinutes, i(3)},
                    {kHours, i(2)},
                    {kWeeks, i(1)}}),
            698584005006);
  EXPECT_EQ(Micros({{kDays, 0.5}}), 43200000000);
  EXPECT_EQ(Micros({{kSeconds, 1e-6}}), 1);
  // Round half to even, counting the integer part's parity.
  EXPECT_EQ(Micros({{kMicroseconds, 0.5}}), 0);
  EXPECT_EQ(Micros({{kMicroseconds, 1.5}}), 2);
  EXPECT_EQ(Micros({{kMicroseconds, 2.5}}), 2);
  EXPECT_EQ(Micros({{kMicroseconds, -0.5}}), 0);
  EXPECT_EQ(Micros({{kMicroseconds, -1.5}}), -2);
  EXPECT_EQ(Micros({{kMicroseconds, -2.5}}), -2);
  // Fractions of several arguments accumulate before rounding.
  EXPECT_EQ(Micros({{kSeconds, 0.0000004}, {kMicroseconds, 0.2}}), 1);
  EXPECT_EQ(Micros({{kDays, 0.1},
                    {kSeconds, 0.1},
                    {kMicroseconds, 0.1},
                    {kMilliseconds, 0.1},
                    {kMinutes, 0.1},
                    {kHours, 0.1},
                    {kWeeks, 0.1}}),
            69486100100);
  EXPECT_EQ(Micros({{kDays, -0.5}, {kMicroseconds, 0.5}}), -43200000000);
  EXPECT_EQ(Micros({{kSeconds, 1.0000005}}), 1000001);
  EXPECT_EQ(Micros({{kMilliseconds, 0.0015}}), 2);
  EXPECT_EQ(Micros({{kDays, 1.0 / 3}}), 28800000000);
  EXPECT_EQ(Micros({{kDays, i(106751991)}, {kMicroseconds, i(14454775807)}}), INT64_MAX);
}

TEST(TimedeltaMicroseconds, ReportsOverflow) {
  const auto i = [](int64_t v) { return TimedeltaArg(v); };
  EXPECT_EQ(TimedeltaMicroseconds(At({{kDays, i(1000000000)}})).error,
            "days=1000000000; must have magnitude <= 999999999");
  EXPECT_EQ(TimedeltaMicroseconds(At({{kDays, i(-1000000000)}})).error,
            "days=-1000000000; must have magnitude <= 999999999");
  EXPECT_THAT(
      TimedeltaMicroseconds(At({{kDays, i(106751991)}, {kMicroseconds, i(14454775808)}})).error,
      ::testing::HasSubstr("64-bit microseconds"));
  EXPECT_EQ(TimedeltaMicroseconds(At({{kDays, std::nan("")}})).error,
            "cannot convert float NaN to integer");
  EXPECT_EQ(TimedeltaMicroseconds(At({{kDays, HUGE_VAL}})).error,
            "cannot convert float infinity to integer");
  EXPECT_FALSE(TimedeltaMicroseconds(At({{kDays, 1e300}})).microseconds);
}

std::string Hex(const std::array<uint8_t, 16>& bytes) {
  std::string out;
  for (uint8_t b : bytes) out += std::format("{:02x}", b);
  return out;
}

TEST(UuidFromHex, AcceptsWhatPythonAccepts) {
  const std::pair<const char*, const char*> cases[] = {
      {"12345678-1234-5678-1234-567812345678", "12345678123456781234567812345678"},
      {"{12345678-1234-5678-1234-567812345678}", "12345678123456781234567812345678"},
      {"{{12345678-1234-5678-1234-567812345678}}", "12345678123456781234567812345678"},
      {"urn:uuid:12345678-1234-5678-1234-567812345678", "12345678123456781234567812345678"},
      {"urn:urn:12345678123456781234567812345678", "12345678123456781234567812345678"},
      {"ABCDEF01ABCDEF01ABCDEF01ABCDEF01", "abcdef01abcdef01abcdef01abcdef01"},
      {"0x345678123456781234567812345678", "00345678123456781234567812345678"},
      {"+2345678123456781234567812345678", "02345678123456781234567812345678"},
      {" 2345678123456781234567812345678", "02345678123456781234567812345678"},
      {"1234_678123456781234567812345678", "01234678123456781234567812345678"},
      {"0x_45678123456781234567812345678", "00045678123456781234567812345678"},
  };
  for (const auto& [input, hex] : cases) {
    const UuidResult r = UuidFromHex(input);
    ASSERT_TRUE(r.bytes) << input << ": " << r.error;
    EXPECT_EQ(Hex(*r.bytes), hex) << input;
  }
}

TEST(UuidFromHex, RejectsWhatPythonRejects) {
  EXPECT_EQ(UuidFromHex("1234").error, "badly formed hexadecimal UUID string");
  EXPECT_EQ(UuidFromHex("12345678-1234-5678-1234-56781234567").error,
            "badly formed hexadecimal UUID string");
  EXPECT_EQ(UuidFromHex("g2345678123456781234567812345678").error,
            "invalid literal for int() with base 16: "
            "'g2345678123456781234567812345678'");
  for (const char* bad : {"_2345678123456781234567812345678", "1234__78123456781234567812345678",
                          "2345678123456781234567812345678_", "++345678123456781234567812345678",
                          "                                "}) {
    EXPECT_THAT(UuidFromHex(bad).error, ::testing::StartsWith("invalid literal for int()")) << bad;
  }
  // Characters are counted, not bytes: 31 ASCII digits and an é are 32
  // characters.
  EXPECT_THAT(UuidFromHex("234567812345678123456781234567\xC3\xA9"
                          "8")
                  .error,
              ::testing::StartsWith("invalid literal for int()"));
}

TEST(FloatFromString, FollowsPythonFloat) {
  EXPECT_EQ(FloatFromString(" 1_0.5 "), 10.5);
  EXPECT_EQ(FloatFromString("1_0"), 10.0);
  EXPECT_EQ(FloatFromString("1."), 1.0);
  EXPECT_EQ(FloatFromString(" .5e-3 "), 0.0005);
  EXPECT_EQ(FloatFromString("-Infinity"), -HUGE_VAL);
  EXPECT_EQ(FloatFromString("infinity"), HUGE_VAL);
  EXPECT_TRUE(std::isnan(*FloatFromString("+nan")));
  for (const char* bad : {"_1", "1__0", ".", "", "abc", "0x10", "1e", "1_", "in f", "1.5f"}) {
    EXPECT_EQ(FloatFromString(bad), std::nullopt) << bad;
  }
}

TEST(FloatRepr, MatchesPythonRepr) {
  EXPECT_EQ(FloatRepr(1.0), "1.0");
  EXPECT_EQ(FloatRepr(-0.0), "-0.0");
  EXPECT_EQ(FloatRepr(1e16), "1e+16");
  EXPECT_EQ(FloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(FloatRepr(0.0001), "0.0001");
  EXPECT_EQ(FloatRepr(0.00001), "1e-05");
  EXPECT_EQ(FloatRepr(123456789.123456789), "123456789.12345679");
  EXPECT_EQ(FloatRepr(1.5e300), "1.5e+300");
  EXPECT_EQ(FloatRepr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FloatRepr(HUGE_VAL), "inf");
  EXPECT_EQ(FloatRepr(std::nan("")), "nan");
}

TEST(IntTokenValue, ReadsEveryBase) {
  EXPECT_EQ(IntTokenValue("1_000", 10), 1000u);
  EXPECT_EQ(IntTokenValue("0x_Ff", 16), 255u);
  EXPECT_EQ(IntTokenValue("0o17", 8), 15u);
  EXPECT_EQ(IntTokenValue("0b101", 2), 5u);
  EXPECT_EQ(IntTokenValue("18446744073709551615", 10), UINT64_MAX);
  EXPECT_EQ(IntTokenValue("18446744073709551616", 10), std::nullopt);
  EXPECT_EQ(IntTokenValue("0x1_0000_0000_0000_0000", 16), std::nullopt);
}

TEST(FloatTokenValue, OverflowsAndUnderflowsAsPython) {
  EXPECT_EQ(FloatTokenValue("1_0.5_0"), 10.5);
  EXPECT_EQ(FloatTokenValue("1e400"), HUGE_VAL);
  EXPECT_EQ(FloatTokenValue("0.000001e-400"), 0.0);
  EXPECT_EQ(FloatTokenValue("123456e-400"), 0.0);
  EXPECT_EQ(FloatTokenValue("0.0001e309"), 1e305);
}

}  // namespace
}  // namespace querysafe::parse_internal
