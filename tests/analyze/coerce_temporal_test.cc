// Dates, times and durations given as text, at the edges of Django's formats
// (django.utils.dateparse and Python's fromisoformat()): leap days, years 1 and 9999, every
// optional part, and the values just outside them. Expected milliseconds are CPython's
// (calendar.timegm(dt.utctimetuple()) * 1000 + dt.microsecond // 1000) and Django's
// (parse_duration(s) // timedelta(microseconds=1) // 1000).

#include <gtest/gtest.h>

#include <string>

#include "lib/analyze/coerce.h"
#include "lib/analyze/py_value.h"
#include "lib/common/arena.h"
#include "lib/schema/model.h"

namespace querysafe::analyze {
namespace {

using schema::BsonType;
using schema::FieldClass;

class CoerceTemporalTest : public ::testing::Test {
 protected:
  bool Coerce(std::string_view text, FieldClass cls) {
    schema::Field f;
    f.name = "value";
    f.cls = cls;
    f.bson_type = cls == FieldClass::kDuration ? BsonType::kLong : BsonType::kDate;
    PyValue v;
    v.type = PyValue::Type::kStr;
    v.s = text;
    error_ = {};
    return CoerceToField(v, f, {bound::LookupKind::kExact}, &arena_, &out_, &error_);
  }
  int64_t Millis() const {
    return out_.value_type == BSON_TYPE_INT64 ? out_.value.v_int64 : out_.value.v_datetime;
  }

  Arena arena_;
  bson_value_t out_{};
  CoerceError error_;
};

TEST_F(CoerceTemporalTest, DatesFromLeapDaysToTheEndsOfPythonsRange) {
  ASSERT_TRUE(Coerce("2024-02-29", FieldClass::kDate));
  EXPECT_EQ(Millis(), 1709164800000);
  ASSERT_TRUE(Coerce("20240229", FieldClass::kDate));  // fromisoformat's basic form
  EXPECT_EQ(Millis(), 1709164800000);
  ASSERT_TRUE(Coerce("2024-2-29", FieldClass::kDate));  // Django's date_re
  EXPECT_EQ(Millis(), 1709164800000);
  ASSERT_TRUE(Coerce("0001-01-01", FieldClass::kDate));
  EXPECT_EQ(Millis(), -62135596800000);
  ASSERT_TRUE(Coerce("9999-12-31", FieldClass::kDate));
  EXPECT_EQ(Millis(), 253402214400000);
  for (const char* invalid : {"2023-02-29", "1900-02-29", "2024-04-31", "2024-13-01", "2024-00-10",
                              "0000-12-31", "2024-1-0"}) {
    EXPECT_FALSE(Coerce(invalid, FieldClass::kDate)) << invalid;
    EXPECT_EQ(error_.code, "value.invalid_date") << invalid;
  }
  for (const char* bad : {"10000-01-01", "2024-02-29 ", "2024/02/29", "2024-029", "24-02-29",
                          "2024-02-2x", "2024-123-1", ""}) {
    EXPECT_FALSE(Coerce(bad, FieldClass::kDate)) << bad;
    EXPECT_EQ(error_.code, "value.invalid_date_format") << bad;
  }
  EXPECT_FALSE(Coerce("1900-02-29", FieldClass::kDate));
  EXPECT_EQ(error_.message,
            "\u201c1900-02-29\u201d value has the correct format (YYYY-MM-DD) but it is an "
            "invalid date.");
}

TEST_F(CoerceTemporalTest, DateTimesWithEveryOptionalPart) {
  ASSERT_TRUE(Coerce("2024-02-29T23:59:59.999999+05:30", FieldClass::kDateTime));
  EXPECT_EQ(Millis(), 1709231399999);
  ASSERT_TRUE(Coerce("2024-02-29 18:29:59,999999 \t+0000", FieldClass::kDateTime));
  EXPECT_EQ(Millis(), 1709231399999);
  ASSERT_TRUE(Coerce("2024-2-29 18:29:59.9999999Z", FieldClass::kDateTime));  // truncated
  EXPECT_EQ(Millis(), 1709231399999);
  ASSERT_TRUE(Coerce("9999-12-31 23:59:59.999999", FieldClass::kDateTime));
  EXPECT_EQ(Millis(), 253402300799999);
  ASSERT_TRUE(Coerce("0001-01-01 23:59:59.999999", FieldClass::kDateTime));
  EXPECT_EQ(Millis(), -62135510400001);
  ASSERT_TRUE(Coerce("2024-02-29 1:2-01", FieldClass::kDateTime));
  EXPECT_EQ(Millis(), 1709172120000);
  for (const char* invalid :
       {"2023-02-29 10:30", "2024-02-29 24:00", "2024-02-29 10:60", "2024-02-29 10:30:60",
        "2024-02-29 10:30+24:00", "2024-02-29 10:30-23:60", "0000-01-01 00:00"}) {
    EXPECT_FALSE(Coerce(invalid, FieldClass::kDateTime)) << invalid;
    EXPECT_EQ(error_.code, "value.invalid_datetime") << invalid;
  }
  // A bare date goes through the date forms, with the date's message.
  EXPECT_FALSE(Coerce("2023-02-29", FieldClass::kDateTime));
  EXPECT_EQ(error_.code, "value.invalid_date");
  for (const char* bad :
       {"2024-02-29 10", "2024-02-29 10:30+5",
        "2024-02-29 10:30+05:", "2024-02-29 10:30:", "2024-02-29 10:30.5", "2024-02-29 10:30:00.",
        "2024-02-29 10:305", "2024-02-29 10:30Z ", "2024-02-29x10:30", "2024-02-29 10:30 +05 "}) {
    EXPECT_FALSE(Coerce(bad, FieldClass::kDateTime)) << bad;
    EXPECT_EQ(error_.code, "value.invalid_datetime_format") << bad;
  }
}

TEST_F(CoerceTemporalTest, TimesInBothForms) {
  ASSERT_TRUE(Coerce("23:59:59.9999999", FieldClass::kTime));
  EXPECT_EQ(Millis(), -62135510400001);
  ASSERT_TRUE(Coerce("235959,999999", FieldClass::kTime));
  EXPECT_EQ(Millis(), -62135510400001);
  ASSERT_TRUE(Coerce("1:2", FieldClass::kTime));
  EXPECT_EQ(Millis(), -62135593080000);
  ASSERT_TRUE(Coerce("0102", FieldClass::kTime));
  EXPECT_EQ(Millis(), -62135593080000);
  for (const char* invalid : {"24:00", "23:60", "23:59:60", "2400", "236000"}) {
    EXPECT_FALSE(Coerce(invalid, FieldClass::kTime)) << invalid;
    EXPECT_EQ(error_.code, "value.invalid_time") << invalid;
  }
  for (const char* bad : {"123:45", "12:", "12:30:", "12:30:00.", "2359.5", "12305", "123045.",
                          "12:30 ", "12h30", ""}) {
    EXPECT_FALSE(Coerce(bad, FieldClass::kTime)) << bad;
    EXPECT_EQ(error_.code, "value.invalid_time_format") << bad;
  }
}

TEST_F(CoerceTemporalTest, DurationsInDjangosThreeFormats) {
  const std::pair<const char*, int64_t> kCases[] = {
      {"15", 15000},
      {"1:2:3.1234567", 3723123},
      {"3 days, 10:00:00", 295200000},
      {"-1 day, 23:59:59.999999", -1},
      {"5 10:00", 5 * 86400000LL + 600000},
      {"P1.5DT2H3,5M4S", 137014000},
      {"-P1DT1H", -90000000},
      {"PT", 0},
      {"3 days 04:05:06", 273906000},
      {"1 day -04:05:06.5", 71693500},
      {"3 days", 259200000},
  };
  for (const auto& [text, ms] : kCases) {
    ASSERT_TRUE(Coerce(text, FieldClass::kDuration)) << text;
    EXPECT_EQ(Millis(), ms) << text;
  }
  for (const char* bad : {"", "1:2:3:4", "1:", "5 days, ", "P1X", "1.1234567890123",
                          "3 day 04:05:06.1234567", "99999999999999999999"}) {
    EXPECT_FALSE(Coerce(bad, FieldClass::kDuration)) << bad;
    EXPECT_EQ(error_.code, "value.invalid_duration") << bad;
  }
}

// Long text is read once, left to right: no backtracking, no recursion per character.
TEST_F(CoerceTemporalTest, LongTextIsRefusedWithoutDeepRecursion) {
  const std::string digits(200'000, '1');
  EXPECT_FALSE(Coerce(digits, FieldClass::kDate));
  EXPECT_EQ(error_.code, "value.invalid_date_format");
  EXPECT_FALSE(Coerce(digits, FieldClass::kDateTime));
  EXPECT_EQ(error_.code, "value.invalid_datetime_format");
  EXPECT_FALSE(Coerce(digits, FieldClass::kTime));
  EXPECT_EQ(error_.code, "value.invalid_time_format");
  EXPECT_FALSE(Coerce(digits, FieldClass::kDuration));  // beyond any timedelta
  EXPECT_EQ(error_.code, "value.invalid_duration");
  ASSERT_TRUE(Coerce("2024-02-29 10:30" + std::string(200'000, ' ') + "Z", FieldClass::kDateTime));
  EXPECT_EQ(Millis(), 1709202600000);
}

}  // namespace
}  // namespace querysafe::analyze
