// Django's TIME_ZONE with USE_TZ=True: the IANA zone that naive datetimes are read in and that
// DateTimeField transforms (`__year`, `__hour`, `__date`, `dates()`...) convert to before they
// extract or truncate (https://docs.djangoproject.com/en/stable/topics/i18n/timezones/).
// MongoDB's date operators take the same Olson name as their `timezone` argument
// (https://www.mongodb.com/docs/manual/reference/operator/aggregation/hour/), so the name is
// what lowering writes; the rules (absl's, from the system's tz database) are what the analyzer
// converts literals with.
#ifndef QUERYSAFE_LIB_COMMON_TIME_ZONE_H_
#define QUERYSAFE_LIB_COMMON_TIME_ZONE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace querysafe {

// Django's default (the startproject template's TIME_ZONE).
inline constexpr std::string_view kDefaultTimeZone = "UTC";

struct TimeZone {
  std::string name{kDefaultTimeZone};
  absl::TimeZone rules = absl::UTCTimeZone();

  // Only the name "UTC" itself: MongoDB's operators default to UTC, so nothing need be written.
  bool is_default() const { return name == kDefaultTimeZone; }
};

// Loads an IANA zone name ("America/Chicago", "Asia/Kolkata", "UTC", "Etc/GMT+5"). nullopt for
// a name that is not one: malformed (absl would also read "localtime", "Fixed/..." and file
// paths, which are not zone names and which MongoDB does not know) or absent from the tz
// database.
std::optional<TimeZone> LoadTimeZone(std::string_view name);

// A naive local date and time in `zone` as UTC seconds since the epoch: Django's make_aware()
// with zoneinfo, fold=0. A time the zone skips (a spring-forward gap) and a time it repeats (a
// fall-back overlap) both take the offset in force before the transition, as fold=0 does.
int64_t LocalToUtcSeconds(const TimeZone& zone, int64_t year, int month, int day, int hour,
                          int minute, int second);

// The local date and time in `zone` of a UTC instant (seconds since the epoch): make_naive().
struct LocalTime {
  int64_t year;
  int month, day, hour, minute, second;
};
LocalTime UtcToLocal(const TimeZone& zone, int64_t utc_seconds);

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_TIME_ZONE_H_
