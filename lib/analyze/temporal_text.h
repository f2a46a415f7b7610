// Dates, times and durations as text, read as Django reads them: django.utils.dateparse (its
// date_re, time_re, datetime_re and the three duration formats) after Python's fromisoformat().
// Only the reading is here; what a value means for a field (time zones, BSON dates) is
// coerce_temporal.cc's.
#ifndef QUERYSAFE_LIB_ANALYZE_TEMPORAL_TEXT_H_
#define QUERYSAFE_LIB_ANALYZE_TEMPORAL_TEXT_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace querysafe::analyze::temporal_text {

struct Parts {
  int64_t year = 1, month = 1, day = 1;
  int64_t hour = 0, minute = 0, second = 0, microsecond = 0;
  bool aware = false;
  int64_t offset_minutes = 0;
};

// The outcome of a parse: no match (Django then tries its next form, or reports the format),
// or a match whose values are out of range (Django's "correct format but invalid" message).
enum class Parse { kNoMatch, kInvalid, kOk };

// date.fromisoformat() (YYYY-MM-DD, YYYYMMDD), then Django's date_re (1- or 2-digit month and
// day). Sets the date of `p` on a match.
Parse ParseDate(std::string_view s, Parts* p);

// time.fromisoformat() and Django's time_re: HH:MM[:SS[.ffffff]], or HHMM[SS[.ffffff]]. Sets the
// time of `p` on a match.
Parse ParseTime(std::string_view s, Parts* p);

// datetime.fromisoformat() and Django's datetime_re: a date, 'T' or a space, a time, spaces, an
// optional Z or +HH[:MM] offset. Sets `p` on a match.
Parse ParseDateTime(std::string_view s, Parts* p);

// django.utils.dateparse.parse_duration, in microseconds: nullopt when no format matches, or
// when the value is beyond an int64 of microseconds (where Python raises OverflowError).
std::optional<int64_t> ParseDuration(std::string_view s);

}  // namespace querysafe::analyze::temporal_text

#endif  // QUERYSAFE_LIB_ANALYZE_TEMPORAL_TEXT_H_
