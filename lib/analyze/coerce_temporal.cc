// Dates and times: DateField, DateTimeField, TimeField and DurationField as Django parses them
// (django.utils.dateparse: Python's fromisoformat() first, then Django's own patterns) and as
// django-mongodb-backend stores them (BSON dates: a date at midnight UTC, a time on 0001-01-01,
// aware datetimes converted to UTC with millisecond precision; durations as Int64 milliseconds).
//
// Time zones are Django's with USE_TZ=True (the startproject default): a naive datetime for a
// DateTimeField is local time in TIME_ZONE (make_aware), and an aware datetime for a DateField
// gives its date in TIME_ZONE (make_naive). TIME_ZONE defaults to UTC, as startproject writes it.

#include <format>
#include <optional>
#include <string>
#include <string_view>

#include "lib/analyze/coerce.h"
#include "lib/analyze/coerce_internal.h"
#include "lib/analyze/temporal_text.h"
#include "lib/common/civil_time.h"

namespace querysafe::analyze::coerce_internal {
namespace {

using temporal_text::Parse;
using temporal_text::ParseDate;
using temporal_text::ParseDateTime;
using temporal_text::ParseDuration;
using temporal_text::ParseTime;
using temporal_text::Parts;

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
    Parse r = ParseDate(value.s, &p);
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
    Parse r = ParseTime(value.s, &p);
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
    micros = ParseDuration(value.s);
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
