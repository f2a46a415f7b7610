#include "lib/analyze/temporal_text.h"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "lib/common/civil_time.h"

namespace querysafe::analyze::temporal_text {
namespace {

// The text formats below are Django's regular expressions (django/utils/dateparse.py) and
// Python's fromisoformat(), matched with a cursor and std::from_chars: each pattern is
// deterministic (a group either must be taken or cannot be), so no backtracking is needed, and
// the work is linear in the input where std::regex recursed once per character (and could
// overflow the stack on long input). absl::ParseTime/ParseCivilTime cannot say these formats:
// its %m and %d take any width, it has no optional separator ("YYYYMMDD"), no "[.,]" fraction,
// no duration forms, and one failure for both "no match" and "out of range", which Django
// reports with different messages. Checked against the std::regex version on 18 million
// generated and mutated inputs (every outcome and field equal; only durations beyond an int64 of
// microseconds differ, where the cast was undefined and is now a refusal).
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ == s_.size(); }
  size_t pos() const { return pos_; }
  void Reset(size_t pos) { pos_ = pos; }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  bool Eat(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }

  // `word`, consumed, or nothing consumed.
  bool EatWord(std::string_view word) {
    if (!s_.substr(pos_).starts_with(word)) return false;
    pos_ += word.size();
    return true;
  }

  // One of `set`, consumed.
  bool EatAny(std::string_view set) {
    if (pos_ >= s_.size() || set.find(s_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }

  // \d{min,max}, greedy: the ASCII digits taken, or nullopt (nothing consumed) when fewer than
  // `min` are there.
  std::optional<std::string_view> Digits(size_t min, size_t max = std::string_view::npos) {
    size_t end = pos_;
    while (end < s_.size() && end - pos_ < max && s_[end] >= '0' && s_[end] <= '9') ++end;
    if (end - pos_ < min) return std::nullopt;
    std::string_view digits = s_.substr(pos_, end - pos_);
    pos_ = end;
    return digits;
  }

  // \s*: the characters the C locale calls space.
  void SkipSpaces() {
    while (EatAny(" \t\n\v\f\r")) {
    }
  }

  std::string_view From(size_t start) const { return s_.substr(start, pos_ - start); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// Digits (at most 6 here) as a number.
int64_t ToInt(std::string_view digits) {
  int64_t v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

// Up to six fraction digits are microseconds; more are ignored (Python truncates).
int64_t Micros(std::string_view digits) {
  std::string six(digits.substr(0, 6));
  six.resize(6, '0');
  return ToInt(six);
}

bool ValidDate(const Parts& p) {
  return p.year >= 1 && p.year <= 9999 && civil::IsValidDate(p.year, p.month, p.day);
}

bool ValidTime(const Parts& p) {
  return p.hour >= 0 && p.hour <= 23 && p.minute >= 0 && p.minute <= 59 && p.second >= 0 &&
         p.second <= 59;
}

// Z|[+-]\d{2}(?::?\d{2})?, then the end: false when there is no such offset. `*valid` is false for
// hours above 23 or minutes above 59.
bool ParseOffset(Scanner& in, Parts* p, bool* valid) {
  *valid = true;
  if (in.AtEnd()) return true;
  p->aware = true;
  if (in.Eat('Z')) return in.AtEnd();
  const bool negative = in.Peek('-');
  if (!in.EatAny("+-")) return false;
  const auto hours = in.Digits(2, 2);
  if (!hours) return false;
  int64_t minutes = 0;
  if (!in.AtEnd()) {
    in.Eat(':');
    const auto mm = in.Digits(2, 2);
    if (!mm || !in.AtEnd()) return false;
    minutes = ToInt(*mm);
  }
  const int64_t h = ToInt(*hours);
  if (h > 23 || minutes > 59) {
    *valid = false;
    return true;
  }
  p->offset_minutes = (negative ? -1 : 1) * (h * 60 + minutes);
  return true;
}

// (\d{4})-?(\d{2})-?(\d{2}) (date.fromisoformat) or (\d{4})-(\d{1,2})-(\d{1,2}) (Django's
// date_re): the year, month and day read, or false.
bool MatchDate(std::string_view s, Parts* p) {
  for (bool iso : {true, false}) {
    Scanner in(s);
    const auto year = in.Digits(4, 4);
    if (!year) continue;
    const bool dash1 = in.Eat('-');
    const auto month = iso ? in.Digits(2, 2) : in.Digits(1, 2);
    if (!month || (!iso && !dash1)) continue;
    const bool dash2 = in.Eat('-');
    const auto day = iso ? in.Digits(2, 2) : in.Digits(1, 2);
    if (!day || (!iso && !dash2) || !in.AtEnd()) continue;
    p->year = ToInt(*year), p->month = ToInt(*month), p->day = ToInt(*day);
    return true;
  }
  return false;
}

// MM(?::SS(?:[.,]F+)?)? after "HH:", each 1 or 2 digits (Django's time_re): false when the rest
// does not match. Stops before what follows (the caller checks it).
bool MatchMinutesOn(Scanner& in, Parts* p) {
  const auto minute = in.Digits(1, 2);
  if (!minute) return false;
  p->minute = ToInt(*minute);
  if (!in.Eat(':')) return true;
  const auto second = in.Digits(1, 2);
  if (!second) return false;
  p->second = ToInt(*second);
  if (!in.EatAny(".,")) return true;
  const auto fraction = in.Digits(1);
  if (!fraction) return false;
  p->microsecond = Micros(*fraction);
  return true;
}

// A number of the duration formats, as float() reads it (a ',' is a '.'); 0 for no group.
// nullopt when it is beyond a long double.
std::optional<long double> Number(std::string_view text) {
  if (text.empty()) return 0.0L;
  std::string t(text);
  for (char& c : t) {
    if (c == ',') c = '.';
  }
  long double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return v;
}

// \d+(?:[.,]\d+)? followed by `unit` (an ISO 8601 duration component), or nothing consumed.
std::string_view IsoComponent(Scanner& in, char unit) {
  const size_t start = in.pos();
  if (in.Digits(1)) {
    const size_t integral_end = in.pos();
    if (!(in.EatAny(".,") && in.Digits(1))) in.Reset(integral_end);
    const std::string_view number = in.From(start);
    if (in.Eat(unit)) return number;
  }
  in.Reset(start);
  return {};
}

// The fields of the three duration formats, as text (empty: the group did not match).
struct DurationText {
  std::string_view days, hours, minutes, seconds, micros;
  bool negative = false;
};

// standard_duration_re: (?:(-?\d+) (?:days?, )?)?(-?)(?:(\d+):(?=\d+:\d+))?(?:(\d+):)?(\d+)
// (?:[.,](\d{1,6})\d{0,6})?
bool MatchStandardDuration(std::string_view s, DurationText* t) {
  Scanner in(s);
  in.Eat('-');
  if (in.Digits(1) && in.Eat(' ')) {
    const size_t after_days = in.pos();
    t->days = s.substr(0, after_days - 1);
    if (!in.EatWord("days, ") && !in.EatWord("day, ")) in.Reset(after_days);
  } else {
    in.Reset(0);
  }
  t->negative = in.Eat('-');
  // Up to three numbers separated by ':' (hours only when two more follow), then a fraction.
  std::string_view numbers[3];
  size_t count = 0;
  while (true) {
    const auto n = in.Digits(1);
    if (!n) return false;
    numbers[count++] = *n;
    if (count == 3 || !in.Eat(':')) break;
  }
  if (count == 3) {
    t->hours = numbers[0], t->minutes = numbers[1], t->seconds = numbers[2];
  } else if (count == 2) {
    t->minutes = numbers[0], t->seconds = numbers[1];
  } else {
    t->seconds = numbers[0];
  }
  if (in.EatAny(".,")) {
    const auto micros = in.Digits(1, 6);
    if (!micros) return false;
    t->micros = *micros;
    in.Digits(0, 6);
  }
  return in.AtEnd();
}

// iso8601_duration_re: ([-+]?)P(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?
// (?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?
bool MatchIsoDuration(std::string_view s, DurationText* t) {
  Scanner in(s);
  t->negative = in.Peek('-');
  in.EatAny("+-");
  if (!in.Eat('P')) return false;
  t->days = IsoComponent(in, 'D');
  if (in.Eat('T')) {
    t->hours = IsoComponent(in, 'H');
    t->minutes = IsoComponent(in, 'M');
    t->seconds = IsoComponent(in, 'S');
  }
  return in.AtEnd();
}

// postgres_interval_re: (?:(-?\d+) (?:days? ?))?(?:([-+])?(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?
bool MatchPostgresDuration(std::string_view s, DurationText* t) {
  Scanner in(s);
  in.Eat('-');
  if (in.Digits(1) && in.EatWord(" day")) {
    t->days = s.substr(0, s.find(' '));
    in.Eat('s');
    in.Eat(' ');
  } else {
    in.Reset(0);
  }
  if (in.AtEnd()) return true;
  t->negative = in.Peek('-');
  in.EatAny("+-");
  const auto hours = in.Digits(1);
  if (!hours || !in.Eat(':')) return false;
  const auto minutes = in.Digits(2, 2);
  if (!minutes || !in.Eat(':')) return false;
  const auto seconds = in.Digits(2, 2);
  if (!seconds) return false;
  t->hours = *hours, t->minutes = *minutes, t->seconds = *seconds;
  if (in.Eat('.')) {
    const auto micros = in.Digits(1, 6);
    if (!micros) return false;
    t->micros = *micros;
  }
  return in.AtEnd();
}

}  // namespace

Parse ParseDate(std::string_view s, Parts* p) {
  if (!MatchDate(s, p)) return Parse::kNoMatch;
  return ValidDate(*p) ? Parse::kOk : Parse::kInvalid;
}

Parse ParseTime(std::string_view s, Parts* p) {
  Parts q = *p;
  Scanner in(s);
  bool match = false;
  if (const auto hour = in.Digits(1, 2); hour && in.Eat(':')) {
    // (\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?
    q.hour = ToInt(*hour);
    match = MatchMinutesOn(in, &q) && in.AtEnd();
  } else {
    // (\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?
    in.Reset(0);
    const auto hour2 = in.Digits(2, 2);
    const auto minute2 = hour2 ? in.Digits(2, 2) : std::nullopt;
    if (minute2) {
      q.hour = ToInt(*hour2), q.minute = ToInt(*minute2);
      match = true;
      if (!in.AtEnd()) {
        const auto second = in.Digits(2, 2);
        match = second.has_value();
        if (second) {
          q.second = ToInt(*second);
          if (in.EatAny(".,")) {
            const auto fraction = in.Digits(1);
            match = fraction.has_value();
            if (fraction) q.microsecond = Micros(*fraction);
          }
        }
        match = match && in.AtEnd();
      }
    }
  }
  if (!match) return Parse::kNoMatch;
  *p = q;
  return ValidTime(*p) ? Parse::kOk : Parse::kInvalid;
}

Parse ParseDateTime(std::string_view s, Parts* p) {
  // (\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?\s*
  // (Z|[+-]\d{2}(?::?\d{2})?)?
  Parts q = *p;
  Scanner in(s);
  const auto year = in.Digits(4, 4);
  if (!year || !in.Eat('-')) return Parse::kNoMatch;
  const auto month = in.Digits(1, 2);
  if (!month || !in.Eat('-')) return Parse::kNoMatch;
  const auto day = in.Digits(1, 2);
  if (!day || !in.EatAny("T ")) return Parse::kNoMatch;
  const auto hour = in.Digits(1, 2);
  if (!hour || !in.Eat(':')) return Parse::kNoMatch;
  q.year = ToInt(*year), q.month = ToInt(*month), q.day = ToInt(*day);
  q.hour = ToInt(*hour);
  if (!MatchMinutesOn(in, &q)) return Parse::kNoMatch;
  in.SkipSpaces();
  bool valid_offset = true;
  if (!ParseOffset(in, &q, &valid_offset)) return Parse::kNoMatch;
  *p = q;
  if (!valid_offset) return Parse::kInvalid;
  return ValidDate(*p) && ValidTime(*p) ? Parse::kOk : Parse::kInvalid;
}

std::optional<int64_t> ParseDuration(std::string_view s) {
  constexpr long double kUs = 1'000'000;
  DurationText t;
  bool iso = false;
  // The formats in Django's order: the first that matches is read.
  if (!MatchStandardDuration(s, &t)) {
    t = {};
    iso = s.find('P') != std::string_view::npos && MatchIsoDuration(s, &t);
    if (!iso) {
      t = {};
      if (s.empty() || !MatchPostgresDuration(s, &t)) return std::nullopt;
    }
  }
  const auto days = Number(t.days), hours = Number(t.hours), minutes = Number(t.minutes),
             seconds = Number(t.seconds);
  if (!days || !hours || !minutes || !seconds) return std::nullopt;
  const int sign = t.negative ? -1 : 1;
  long double total;
  if (iso) {
    total =
        sign * (*days * 86400 * kUs + *hours * 3600 * kUs + *minutes * 60 * kUs + *seconds * kUs);
  } else {
    const long double micros = t.micros.empty() ? 0 : Micros(t.micros);
    const long double rest = *hours * 3600 * kUs + *minutes * 60 * kUs + *seconds * kUs + micros;
    total = *days * 86400 * kUs + sign * rest;
  }
  // Python's timedelta would raise OverflowError; here such a value is not a duration.
  if (!(total >= -0x1p63L && total < 0x1p63L)) return std::nullopt;
  return static_cast<int64_t>(total);
}

}  // namespace querysafe::analyze::temporal_text
