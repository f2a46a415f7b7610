// Dates and times: DateField, DateTimeField, TimeField and DurationField as Django parses them
// (django.utils.dateparse: Python's fromisoformat() first, then Django's own patterns) and as
// django-mongodb-backend stores them (BSON dates: a date at midnight UTC, a time on 0001-01-01,
// aware datetimes converted to UTC with millisecond precision; durations as Int64 milliseconds).
//
// Time zones are Django's with USE_TZ=True (the startproject default): a naive datetime for a
// DateTimeField is local time in TIME_ZONE (make_aware), and an aware datetime for a DateField
// gives its date in TIME_ZONE (make_naive). TIME_ZONE defaults to UTC, as startproject writes it.

#include <charconv>
#include <format>
#include <optional>
#include <regex>
#include <string>

#include "lib/analyze/coerce.h"
#include "lib/analyze/coerce_internal.h"
#include "lib/common/civil_time.h"

namespace querysafe::analyze::coerce_internal {
namespace {

struct Parts {
  int64_t year = 1, month = 1, day = 1;
  int64_t hour = 0, minute = 0, second = 0, microsecond = 0;
  bool aware = false;
  int64_t offset_minutes = 0;
};

// The outcome of a parse: no match (Django then tries its next form, or reports the format),
// or a match whose values are out of range (Django's "correct format but invalid" message).
enum class Parse { kNoMatch, kInvalid, kOk };

int64_t ToInt(const std::ssub_match& m) {
  int64_t v = 0;
  std::from_chars(m.first.base(), m.second.base(), v);
  return v;
}

// Up to six fraction digits are microseconds; more are ignored (Python truncates).
int64_t Micros(const std::ssub_match& m) {
  std::string digits = m.str().substr(0, 6);
  digits.resize(6, '0');
  return std::stoll(digits);
}

bool ValidDate(const Parts& p) {
  return p.year >= 1 && p.year <= 9999 && civil::IsValidDate(p.year, p.month, p.day);
}

bool ValidTime(const Parts& p) {
  return p.hour >= 0 && p.hour <= 23 && p.minute >= 0 && p.minute <= 59 && p.second >= 0 &&
         p.second <= 59;
}

bool ParseOffset(const std::string& tz, Parts* p) {
  if (tz.empty()) return true;
  p->aware = true;
  if (tz == "Z") return true;
  std::string digits;
  for (char c : tz.substr(1)) {
    if (c != ':') digits.push_back(c);
  }
  int64_t hours = std::stoll(digits.substr(0, 2));
  int64_t minutes = digits.size() >= 4 ? std::stoll(digits.substr(2, 2)) : 0;
  if (hours > 23 || minutes > 59) return false;
  p->offset_minutes = (tz[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  return true;
}

// date.fromisoformat() (YYYY-MM-DD, YYYYMMDD), then Django's date_re (1- or 2-digit month and
// day).
Parse ParseDate(const std::string& s, Parts* p) {
  static const std::regex kIso(R"((\d{4})-?(\d{2})-?(\d{2}))");
  static const std::regex kDjango(R"((\d{4})-(\d{1,2})-(\d{1,2}))");
  std::smatch m;
  if (std::regex_match(s, m, kIso) || std::regex_match(s, m, kDjango)) {
    p->year = ToInt(m[1]), p->month = ToInt(m[2]), p->day = ToInt(m[3]);
    return ValidDate(*p) ? Parse::kOk : Parse::kInvalid;
  }
  return Parse::kNoMatch;
}

// time.fromisoformat() and Django's time_re: HH:MM[:SS[.ffffff]] (Python also takes HHMMSS).
Parse ParseTime(const std::string& s, Parts* p) {
  static const std::regex kTime(
      R"((\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?|(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?)");
  std::smatch m;
  if (!std::regex_match(s, m, kTime)) return Parse::kNoMatch;
  int base = m[1].matched ? 1 : 5;
  p->hour = ToInt(m[base]), p->minute = ToInt(m[base + 1]);
  p->second = m[base + 2].matched ? ToInt(m[base + 2]) : 0;
  p->microsecond = m[base + 3].matched ? Micros(m[base + 3]) : 0;
  return ValidTime(*p) ? Parse::kOk : Parse::kInvalid;
}

// datetime.fromisoformat() and Django's datetime_re: a date, 'T' or a space, a time, an
// optional Z or +HH[:MM] offset.
Parse ParseDateTime(const std::string& s, Parts* p) {
  static const std::regex kDateTime(
      R"((\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)");
  std::smatch m;
  if (!std::regex_match(s, m, kDateTime)) return Parse::kNoMatch;
  p->year = ToInt(m[1]), p->month = ToInt(m[2]), p->day = ToInt(m[3]);
  p->hour = ToInt(m[4]), p->minute = ToInt(m[5]);
  p->second = m[6].matched ? ToInt(m[6]) : 0;
  p->microsecond = m[7].matched ? Micros(m[7]) : 0;
  if (!ParseOffset(m[8].str(), p)) return Parse::kInvalid;
  return ValidDate(*p) && ValidTime(*p) ? Parse::kOk : Parse::kInvalid;
}

// django.utils.dateparse.parse_duration: "[DD] [[HH:]MM:]ss[.uuuuuu]" (with "N days, "), ISO 8601
// "P4DT1H15M20S", and PostgreSQL's "3 days 04:05:06".
std::optional<int64_t> ParseDuration(const std::string& s) {
  static const std::regex kStandard(
      R"((?:(-?\d+) (?:days?, )?)?(-?)(?:(\d+):(?=\d+:\d+))?(?:(\d+):)?(\d+)(?:[.,](\d{1,6})\d{0,6})?)");
  static const std::regex kIso(
      R"(([-+]?)P(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?)");
  static const std::regex kPostgres(
      R"((?:(-?\d+) (?:days? ?))?(?:([-+])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?)");
  constexpr int64_t kUs = 1'000'000;
  std::smatch m;
  auto num = [](const std::ssub_match& g) {
    std::string t = g.str();
    for (char& c : t) {
      if (c == ',') c = '.';
    }
    return g.matched ? std::stold(t) : 0.0L;
  };
  if (std::regex_match(s, m, kStandard)) {
    long double days = num(m[1]);
    int sign = m[2].str() == "-" ? -1 : 1;
    long double micros = m[6].matched ? Micros(m[6]) : 0;
    long double rest = num(m[3]) * 3600 * kUs + num(m[4]) * 60 * kUs + num(m[5]) * kUs + micros;
    return static_cast<int64_t>(days * 86400 * kUs + sign * rest);
  }
  if (s.find('P') != std::string::npos && std::regex_match(s, m, kIso)) {
    int sign = m[1].str() == "-" ? -1 : 1;
    long double total =
        num(m[2]) * 86400 * kUs + num(m[3]) * 3600 * kUs + num(m[4]) * 60 * kUs + num(m[5]) * kUs;
    return static_cast<int64_t>(sign * total);
  }
  if (!s.empty() && std::regex_match(s, m, kPostgres)) {
    long double days = num(m[1]);
    int sign = m[2].str() == "-" ? -1 : 1;
    long double micros = m[6].matched ? Micros(m[6]) : 0;
    long double rest = num(m[3]) * 3600 * kUs + num(m[4]) * 60 * kUs + num(m[5]) * kUs + micros;
    return static_cast<int64_t>(days * 86400 * kUs + sign * rest);
  }
  return std::nullopt;
}

// `zone`: where a naive value is local time (null: UTC).
int64_t EpochMillis(const Parts& p, const TimeZone* zone = nullptr) {
  int64_t seconds;
  if (!p.aware && zone != nullptr && !zone->is_default()) {
    seconds = LocalToUtcSeconds(*zone, p.year, static_cast<int>(p.month), static_cast<int>(p.day),
                                static_cast<int>(p.hour), static_cast<int>(p.minute),
                                static_cast<int>(p.second));
  } else {
    int64_t days = civil::DaysFromCivil(p.year, static_cast<int>(p.month), static_cast<int>(p.day));
    seconds = days * 86400 + p.hour * 3600 + p.minute * 60 + p.second;
    if (p.aware) seconds -= p.offset_minutes * 60;
  }
  // PyMongo: timegm(...) * 1000 + microsecond // 1000 (microseconds are never negative).
  return seconds * 1000 + p.microsecond / 1000;
}

void SetDate(int64_t millis, bson_value_t* out) {
  out->value_type = BSON_TYPE_DATE_TIME;
  out->value.v_datetime = millis;
}

Parts FromPy(const PyValue& v) {
  Parts p;
  p.year = v.year, p.month = v.month, p.day = v.day;
  p.hour = v.hour, p.minute = v.minute, p.second = v.second, p.microsecond = v.microsecond;
  p.aware = v.aware;
  p.offset_minutes = v.utc_offset_minutes;
  return p;
}

// An aware datetime as the naive local time at the same instant in `zone` (null: UTC): Django's
// make_naive() with the default time zone.
Parts ToLocal(Parts p, const TimeZone* zone) {
  if (!p.aware) return p;
  int64_t ms = EpochMillis(p);
  int64_t days = ms / civil::kMillisPerDay, rem = ms % civil::kMillisPerDay;
  if (rem < 0) rem += civil::kMillisPerDay, --days;
  const int64_t us = p.microsecond;
  if (zone != nullptr && !zone->is_default()) {
    const LocalTime t = UtcToLocal(*zone, days * 86400 + rem / 1000);
    return Parts{t.year, t.month, t.day, t.hour, t.minute, t.second, us};
  }
  civil::Date d = civil::CivilFromDays(days);
  return Parts{d.year, d.month, d.day, rem / 3'600'000, rem / 60'000 % 60, rem / 1000 % 60, us};
}

CoerceError Invalid(std::string code, std::string message) {
  return {Category::kValidationError, std::move(code), std::move(message)};
}

}  // namespace

bool CoerceDate(const PyValue& value, const schema::Field& field, const TimeZone* zone,
                bson_value_t* out, CoerceError* error) {
  (void)field;
  Parts p;
  if (value.type == PyValue::Type::kDate) {
    p = FromPy(value);
  } else if (value.type == PyValue::Type::kDateTime && value.bson_date) {
    // A bound BSON date: the date stored at midnight UTC, whatever the time zone.
    p = ToLocal(FromPy(value), nullptr);
  } else if (value.type == PyValue::Type::kDateTime) {
    // DateField.to_python(datetime): an aware one to the default time zone, then .date().
    p = ToLocal(FromPy(value), zone);
  } else if (value.type == PyValue::Type::kStr) {
    Parse r = ParseDate(std::string(value.s), &p);
    if (r == Parse::kInvalid) {
      *error = Invalid("value.invalid_date",
                       std::format("\u201c{}\u201d value has the correct format (YYYY-MM-DD) but "
                                   "it is an invalid date.",
                                   value.s));
      return false;
    }
    if (r == Parse::kNoMatch) {
      *error = Invalid("value.invalid_date_format",
                       std::format("\u201c{}\u201d value has an invalid date format. It must be in "
                                   "YYYY-MM-DD format.",
                                   value.s));
      return false;
    }
  } else {
    *error = Invalid("value.invalid_date_format",
                     std::format("\u201c{}\u201d value has an invalid date format. It must be in "
                                 "YYYY-MM-DD format.",
                                 Str(value)));
    return false;
  }
  p.hour = p.minute = p.second = p.microsecond = 0;
  p.aware = false;
  SetDate(EpochMillis(p), out);
  return true;
}

bool CoerceDateTime(const PyValue& value, const schema::Field& field, const TimeZone* zone,
                    bson_value_t* out, CoerceError* error) {
  (void)field;
  Parts p;
  if (value.type == PyValue::Type::kDateTime || value.type == PyValue::Type::kDate) {
    p = FromPy(value);  // a date becomes midnight
  } else if (value.type == PyValue::Type::kStr) {
    std::string s(value.s);
    Parse r = ParseDateTime(s, &p);
    if (r == Parse::kNoMatch) {
      r = ParseDate(s, &p);
      if (r == Parse::kInvalid) {
        *error = Invalid("value.invalid_date",
                         std::format("\u201c{}\u201d value has the correct format (YYYY-MM-DD) "
                                     "but it is an invalid date.",
                                     s));
        return false;
      }
    } else if (r == Parse::kInvalid) {
      *error = Invalid("value.invalid_datetime",
                       std::format("\u201c{}\u201d value has the correct format (YYYY-MM-DD "
                                   "HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time.",
                                   s));
      return false;
    }
    if (r == Parse::kNoMatch) {
      *error = Invalid("value.invalid_datetime_format",
                       std::format("\u201c{}\u201d value has an invalid format. It must be in "
                                   "YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.",
                                   s));
      return false;
    }
  } else {
    *error = Invalid("value.invalid_datetime_format",
                     std::format("\u201c{}\u201d value has an invalid format. It must be in "
                                 "YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.",
                                 Str(value)));
    return false;
  }
  // DateTimeField.get_prep_value(): a naive value (a date is midnight) is local time in the
  // default time zone.
  SetDate(EpochMillis(p, zone), out);
  return true;
}

bool CoerceTime(const PyValue& value, const schema::Field& field, bson_value_t* out,
                CoerceError* error) {
  (void)field;
  Parts p;
  if (value.type == PyValue::Type::kTime) {
    p = FromPy(value);
  } else if (value.type == PyValue::Type::kDateTime) {
    p = FromPy(value);  // TimeField.to_python(datetime) keeps .time()
  } else if (value.type == PyValue::Type::kStr) {
    Parse r = ParseTime(std::string(value.s), &p);
    if (r != Parse::kOk) {
      *error = r == Parse::kInvalid
                   ? Invalid("value.invalid_time",
                             std::format("\u201c{}\u201d value has the correct format "
                                         "(HH:MM[:ss[.uuuuuu]]) but it is an invalid time.",
                                         value.s))
                   : Invalid("value.invalid_time_format",
                             std::format("\u201c{}\u201d value has an invalid format. It must be "
                                         "in HH:MM[:ss[.uuuuuu]] format.",
                                         value.s));
      return false;
    }
  } else {
    *error = Invalid("value.invalid_time_format",
                     std::format("\u201c{}\u201d value has an invalid format. It must be in "
                                 "HH:MM[:ss[.uuuuuu]] format.",
                                 Str(value)));
    return false;
  }
  // datetime.combine(date.min, value): the time on 0001-01-01.
  p.year = 1, p.month = 1, p.day = 1;
  p.aware = false;
  SetDate(EpochMillis(p), out);
  return true;
}

bool CoerceDuration(const PyValue& value, const schema::Field& field, bson_value_t* out,
                    CoerceError* error) {
  (void)field;
  std::optional<int64_t> micros;
  if (value.type == PyValue::Type::kTimedelta) {
    micros = value.i;
  } else if (value.type == PyValue::Type::kStr) {
    micros = ParseDuration(std::string(value.s));
  }
  if (!micros) {
    *error = Invalid("value.invalid_duration",
                     std::format("\u201c{}\u201d value has an invalid format. It must be in [DD] "
                                 "[[HH:]MM:]ss[.uuuuuu] format.",
                                 Str(value)));
    return false;
  }
  // django-mongodb-backend stores milliseconds: duration_microseconds(value) // 1000 (floor).
  int64_t ms = *micros / 1000;
  if (*micros % 1000 != 0 && *micros < 0) --ms;
  out->value_type = BSON_TYPE_INT64;
  out->value.v_int64 = ms;
  return true;
}

}  // namespace querysafe::analyze::coerce_internal
