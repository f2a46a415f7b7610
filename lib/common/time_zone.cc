#include "lib/common/time_zone.h"

#include <array>

#include "absl/time/civil_time.h"

namespace querysafe {
namespace {

// An IANA name: components of letters, digits, '_', '-' and '+' separated by single slashes
// (https://data.iana.org/time-zones/theory.html, "Timezone identifiers"). This keeps out what
// absl's loader would take besides zone names: file paths ("/etc/...", "../..."), "file:..."
// and its "Fixed/UTC+hh:mm:ss" offsets.
bool WellFormed(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  bool component_start = true;
  for (char c : name) {
    if (c == '/') {
      if (component_start) return false;  // a leading or doubled slash
      component_start = true;
      continue;
    }
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return false;
    component_start = false;
  }
  return !component_start;  // no trailing slash
}

// Names absl understands that are not IANA zones, and the tz database's alternative trees (the
// same zones again, with POSIX or leap-second rules), which MongoDB's own database lacks.
bool Excluded(std::string_view name) {
  static constexpr std::array<std::string_view, 4> kPrefixes = {"Fixed/", "posix/", "right/",
                                                                "SystemV/"};
  for (std::string_view p : kPrefixes) {
    if (name.starts_with(p)) return true;
  }
  return name == "localtime" || name == "posixrules" || name == "Factory";
}

}  // namespace

std::optional<TimeZone> LoadTimeZone(std::string_view name) {
  if (name == kDefaultTimeZone) return TimeZone{};  // the common case, without a lookup
  if (!WellFormed(name) || Excluded(name)) return std::nullopt;
  TimeZone zone;
  zone.name = std::string(name);
  if (!absl::LoadTimeZone(zone.name, &zone.rules)) return std::nullopt;
  return zone;
}

int64_t LocalToUtcSeconds(const TimeZone& zone, int64_t year, int month, int day, int hour,
                          int minute, int second) {
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  // TimeInfo.pre: the instant under the offset in force before any transition at this civil
  // time, which is what zoneinfo gives a fold=0 datetime in a gap or an overlap.
  const absl::TimeZone::TimeInfo info = zone.rules.At(civil);
  return absl::ToUnixSeconds(info.pre);
}

LocalTime UtcToLocal(const TimeZone& zone, int64_t utc_seconds) {
  const absl::CivilSecond c = zone.rules.At(absl::FromUnixSeconds(utc_seconds)).cs;
  return {c.year(), c.month(), c.day(), c.hour(), c.minute(), c.second()};
}

}  // namespace querysafe
