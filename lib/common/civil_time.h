// Calendar dates as Python's datetime has them (the proleptic Gregorian calendar), over
// absl::CivilDay. absl's years are 64-bit, so every BSON date (up to about 292 million years
// either side of 1970) converts; std::chrono::year stops at +-32767. Python's own range, years
// 1..9999, is checked by the callers, which report it.
#ifndef QUERYSAFE_LIB_COMMON_CIVIL_TIME_H_
#define QUERYSAFE_LIB_COMMON_CIVIL_TIME_H_

#include <cstdint>

#include "absl/time/civil_time.h"

namespace querysafe::civil {

inline constexpr int64_t kMillisPerDay = 86'400'000;

// Whether year-month-day names a real day (February 29 only in leap years). absl normalizes
// out-of-range fields (2023-02-29 becomes 2023-03-01), so a date is valid when it survives
// construction unchanged; the ranges are checked first so that no huge field reaches absl.
constexpr bool IsValidDate(int64_t year, int64_t month, int64_t day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const absl::CivilDay d(year, static_cast<int>(month), static_cast<int>(day));
  return d.year() == year && d.month() == month && d.day() == day;
}

// Days since 1970-01-01 (absl::CivilDay's default) of a civil date.
constexpr int64_t DaysFromCivil(int64_t year, int month, int day) {
  return absl::CivilDay(year, month, day) - absl::CivilDay();
}

struct Date {
  int64_t year;
  int month;
  int day;
};

// The civil date `days` days after 1970-01-01 (before it when negative).
constexpr Date CivilFromDays(int64_t days) {
  const absl::CivilDay d = absl::CivilDay() + days;
  return {d.year(), d.month(), d.day()};
}

}  // namespace querysafe::civil

#endif  // QUERYSAFE_LIB_COMMON_CIVIL_TIME_H_
