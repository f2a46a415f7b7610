// The calendar helpers over absl::CivilDay: Python's proleptic Gregorian calendar, checked at the
// edges Python's datetime has (leap days, years 1 and 9999) and at the ends of the BSON date range.
#include "lib/common/civil_time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace querysafe::civil {
namespace {

TEST(CivilTime, ValidDatesFollowTheGregorianCalendar) {
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 2, 29));
  EXPECT_FALSE(IsValidDate(1900, 2, 29));  // a century, not divisible by 400
  EXPECT_TRUE(IsValidDate(2000, 2, 29));
  EXPECT_TRUE(IsValidDate(2024, 4, 30));
  EXPECT_FALSE(IsValidDate(2024, 4, 31));
  EXPECT_TRUE(IsValidDate(2024, 12, 31));
  EXPECT_TRUE(IsValidDate(1, 1, 1));
  EXPECT_TRUE(IsValidDate(9999, 12, 31));
  EXPECT_TRUE(IsValidDate(4, 2, 29));  // proleptic: leap years before 1582 too
}

TEST(CivilTime, OutOfRangeFieldsAreInvalidNotNormalized) {
  EXPECT_FALSE(IsValidDate(2024, 0, 1));
  EXPECT_FALSE(IsValidDate(2024, 13, 1));
  EXPECT_FALSE(IsValidDate(2024, 1, 0));
  EXPECT_FALSE(IsValidDate(2024, 1, 32));
  EXPECT_FALSE(IsValidDate(2024, -1, 1));
  EXPECT_FALSE(IsValidDate(2024, 1, std::numeric_limits<int64_t>::max()));
  EXPECT_FALSE(IsValidDate(2024, std::numeric_limits<int64_t>::min(), 1));
}

TEST(CivilTime, DaysCountFromTheUnixEpoch) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2024, 2, 29), 19782);
  // Python: date(1, 1, 1).toordinal() - date(1970, 1, 1).toordinal() == -719162.
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
  EXPECT_EQ(DaysFromCivil(9999, 12, 31), 2932896);
}

TEST(CivilTime, DatesFromDaysRoundTrip) {
  for (int64_t days : {int64_t{-719162}, int64_t{-1}, int64_t{0}, int64_t{11016}, int64_t{11017},
                       int64_t{19782}, int64_t{2932896}}) {
    const Date d = CivilFromDays(days);
    EXPECT_TRUE(IsValidDate(d.year, d.month, d.day)) << days;
    EXPECT_EQ(DaysFromCivil(d.year, d.month, d.day), days);
  }
  const Date leap = CivilFromDays(19782);
  EXPECT_EQ(leap.year, 2024);
  EXPECT_EQ(leap.month, 2);
  EXPECT_EQ(leap.day, 29);
  const Date first = CivilFromDays(-719162);
  EXPECT_EQ(first.year, 1);
  EXPECT_EQ(first.month, 1);
  EXPECT_EQ(first.day, 1);
  const Date before = CivilFromDays(-719163);
  EXPECT_EQ(before.year, 0);  // year 0 exists in the proleptic calendar (Python refuses it)
  EXPECT_EQ(before.month, 12);
  EXPECT_EQ(before.day, 31);
}

TEST(CivilTime, EveryBsonDateHasADate) {
  // The extreme int64 milliseconds are about 106.75 billion days: years far beyond
  // std::chrono::year's +-32767, which is why the dates go through absl.
  constexpr int64_t kMaxDays = std::numeric_limits<int64_t>::max() / kMillisPerDay;
  const Date max = CivilFromDays(kMaxDays);
  EXPECT_EQ(max.year, 292278994);
  EXPECT_EQ(DaysFromCivil(max.year, max.month, max.day), kMaxDays);
  const Date min = CivilFromDays(-kMaxDays - 1);
  EXPECT_EQ(min.year, -292275055);
  EXPECT_EQ(DaysFromCivil(min.year, min.month, min.day), -kMaxDays - 1);
}

}  // namespace
}  // namespace querysafe::civil
