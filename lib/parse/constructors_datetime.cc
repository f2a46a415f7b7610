// date, datetime, time, timedelta and the tzinfo of a datetime, checked the way
// Python's datetime module checks them.
#include <array>
#include <format>

#include "lib/common/civil_time.h"
#include "lib/parse/constructor_args.h"
#include "lib/parse/values.h"

namespace querysafe::parse_internal {

Value Interpreter::DateTimeCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  const auto invalid = [&](std::string message, Span where) {
    Report(Category::kValidationError, kBadValue, std::move(message), where);
    return Value{};
  };
  static constexpr std::array<std::string_view, 9> kParams = {
      "year", "month", "day", "hour", "minute", "second", "microsecond", "tzinfo", "fold"};
  std::array<const syntax::Node*, 9> bound;
  const bool is_date = builtin == Builtin::kDate;
  if (is_date) {
    std::array<const syntax::Node*, 3> date_bound;
    if (!Bind(*this, func, span, args, std::array<std::string_view, 3>{"year", "month", "day"}, 3,
              0, &date_bound)) {
      return {};
    }
    bound.fill(nullptr);
    std::copy(date_bound.begin(), date_bound.end(), bound.begin());
  } else if (!Bind(*this, func, span, args, kParams, 3, 1, &bound)) {
    return {};
  }
  // Python checks the date, then the time, then the tzinfo.
  std::array<int64_t, 8> v = {1, 1, 1, 0, 0, 0, 0, 0};
  bool ok = true;
  for (size_t i = 0; i < 7; ++i) {
    if (bound[i] == nullptr) continue;
    const auto n = IntArg(*this, func, bound[i]);
    if (!n) {
      ok = false;
      continue;
    }
    v[i] = *n;
  }
  if (bound[8] != nullptr) {
    const auto fold = IntArg(*this, func, bound[8]);
    if (!fold) return {};
    if (*fold != 0 && *fold != 1) return invalid("fold must be either 0 or 1", bound[8]->span);
  }
  if (!ok) return {};
  const auto at = [&](size_t i) { return bound[i] != nullptr ? bound[i]->span : span; };
  if (v[0] < 1 || v[0] > 9999) return invalid(std::format("year {} is out of range", v[0]), at(0));
  if (v[1] < 1 || v[1] > 12) return invalid("month must be in 1..12", at(1));
  if (!civil::IsValidDate(v[0], v[1], v[2])) {
    return invalid("day is out of range for month", at(2));
  }
  if (is_date) {
    return New<ast::DateLit>(1, span, static_cast<int32_t>(v[0]), static_cast<int32_t>(v[1]),
                             static_cast<int32_t>(v[2]));
  }
  if (v[3] < 0 || v[3] > 23) return invalid("hour must be in 0..23", at(3));
  if (v[4] < 0 || v[4] > 59) return invalid("minute must be in 0..59", at(4));
  if (v[5] < 0 || v[5] > 59) return invalid("second must be in 0..59", at(5));
  if (v[6] < 0 || v[6] > 999999) return invalid("microsecond must be in 0..999999", at(6));
  auto* dt = arena_->New<ast::DateTimeLit>(span);
  dt->year = static_cast<int32_t>(v[0]);
  dt->month = static_cast<int32_t>(v[1]);
  dt->day = static_cast<int32_t>(v[2]);
  dt->hour = static_cast<int32_t>(v[3]);
  dt->minute = static_cast<int32_t>(v[4]);
  dt->second = static_cast<int32_t>(v[5]);
  dt->microsecond = static_cast<int32_t>(v[6]);
  if (bound[7] != nullptr) {
    const std::optional<int32_t> offset = TzinfoOffset(bound[7]);
    if (!offset) return {};
    if (*offset != kNaive) {
      dt->tz = ast::DateTimeLit::Tz::kAware;
      dt->utc_offset_minutes = *offset;
    }
  }
  return Make(dt, 1);
}

Value Interpreter::TimeCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  const auto invalid = [&](std::string message, Span where) {
    Report(Category::kValidationError, kBadValue, std::move(message), where);
    return Value{};
  };
  static constexpr std::array<std::string_view, 6> kParams = {"hour",        "minute", "second",
                                                              "microsecond", "tzinfo", "fold"};
  std::array<const syntax::Node*, 6> bound;
  if (!Bind(*this, func, span, args, kParams, 0, 1, &bound)) return {};
  std::array<int64_t, 4> v = {0, 0, 0, 0};
  bool ok = true;
  for (size_t i = 0; i < 4; ++i) {
    if (bound[i] == nullptr) continue;
    const auto n = IntArg(*this, func, bound[i]);
    if (!n) {
      ok = false;
      continue;
    }
    v[i] = *n;
  }
  if (!ok) return {};
  const auto at = [&](size_t i) { return bound[i] != nullptr ? bound[i]->span : span; };
  if (v[0] < 0 || v[0] > 23) return invalid("hour must be in 0..23", at(0));
  if (v[1] < 0 || v[1] > 59) return invalid("minute must be in 0..59", at(1));
  if (v[2] < 0 || v[2] > 59) return invalid("second must be in 0..59", at(2));
  if (v[3] < 0 || v[3] > 999999) return invalid("microsecond must be in 0..999999", at(3));
  if (bound[5] != nullptr) {
    const auto fold = IntArg(*this, func, bound[5]);
    if (!fold) return {};
    if (*fold != 0 && *fold != 1) return invalid("fold must be either 0 or 1", bound[5]->span);
  }
  if (bound[4] != nullptr) {
    const std::optional<int32_t> offset = TzinfoOffset(bound[4]);
    if (!offset) return {};
    if (*offset != kNaive) {
      Report(Category::kValidationError, "parse.unsupported_tzinfo",
             "a time with a tzinfo is not supported: use a naive time", bound[4]->span);
      return {};
    }
  }
  auto* t = arena_->New<ast::TimeLit>(span);
  t->hour = static_cast<int32_t>(v[0]);
  t->minute = static_cast<int32_t>(v[1]);
  t->second = static_cast<int32_t>(v[2]);
  t->microsecond = static_cast<int32_t>(v[3]);
  return Make(t, 1);
}

Value Interpreter::TimedeltaCall(Builtin builtin, Span span, const CallArgs& args) {
  const std::string_view func = ConstructorName(builtin);
  const auto invalid = [&](std::string message, Span where) {
    Report(Category::kValidationError, kBadValue, std::move(message), where);
    return Value{};
  };
  static constexpr std::array<std::string_view, 7> kParams = {
      "days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"};
  std::array<const syntax::Node*, 7> bound;
  if (!Bind(*this, func, span, args, kParams, 0, 0, &bound)) return {};
  std::array<std::optional<TimedeltaArg>, 7> values;
  bool ok = true;
  for (size_t i = 0; i < 7; ++i) {
    if (bound[i] == nullptr) continue;
    const Value v = LiteralArg(*this, func, bound[i]);
    if (!v) {
      ok = false;
    } else if (const auto* n = v.expr->As<ast::IntLit>()) {
      values[i] = n->value;
    } else if (const auto* b = v.expr->As<ast::BoolLit>()) {
      values[i] = int64_t{b->value ? 1 : 0};
    } else if (const auto* f = v.expr->As<ast::FloatLit>()) {
      values[i] = f->value;
    } else {
      Error("parse.bad_arguments",
            std::format("unsupported type for timedelta {} component: {}", kParams[i],
                        TypeName(*v.expr)),
            bound[i]->span);
      ok = false;
    }
  }
  if (!ok) return {};
  const TimedeltaResult r = TimedeltaMicroseconds(values);
  if (!r.microseconds) return invalid(r.error, span);
  return New<ast::TimedeltaLit>(1, span, *r.microseconds);
}

std::optional<int32_t> Interpreter::TzinfoOffset(const syntax::Node* node) {
  const auto unsupported = [&]() -> std::optional<int32_t> {
    Report(Category::kValidationError, "parse.unsupported_tzinfo",
           "tzinfo must be None, timezone.utc or timezone(timedelta(...)): "
           "other time zones "
           "(ZoneInfo, pytz) are not supported",
           node->span);
    return std::nullopt;
  };
  if (node->kind == syntax::Kind::kName) {
    const std::string_view name = Text(node->span);
    if (name == "None") return kNaive;
    DottedName dotted;
    dotted.parts.push_back(name);
    if (LookupConstant(dotted) == Constant::kUtc) return 0;
    return unsupported();
  }
  const auto* postfix = node->As<syntax::Postfix>();
  if (postfix == nullptr || postfix->atom->kind != syntax::Kind::kName) return unsupported();
  const DottedName dotted = Dotted(*postfix);
  if (dotted.next_trailer == postfix->trailers.size()) {
    if (LookupConstant(dotted) == Constant::kUtc) return 0;
    return unsupported();
  }
  const syntax::Trailer& call = postfix->trailers[dotted.next_trailer];
  if (LookupBuiltin(dotted) != Builtin::kTimezone || call.kind != syntax::Trailer::Kind::kCall ||
      dotted.next_trailer + 1 != postfix->trailers.size()) {
    return unsupported();
  }
  // timezone(offset[, name]): a fixed offset, strictly within a day.
  CallArgs args;
  if (!NormalizeArgs("timezone", call, &args)) return std::nullopt;
  std::array<const syntax::Node*, 2> bound;
  if (!Bind(*this, "timezone", node->span, args, std::array<std::string_view, 2>{"offset", "name"},
            1, 0, &bound)) {
    return std::nullopt;
  }
  const Value offset = LiteralArg(*this, "timezone", bound[0]);
  if (!offset) return std::nullopt;
  const auto* td = offset.expr->As<ast::TimedeltaLit>();
  if (td == nullptr) {
    Error("parse.bad_arguments",
          std::format("timezone() argument 1 must be datetime.timedelta, not {}",
                      TypeName(*offset.expr)),
          bound[0]->span);
    return std::nullopt;
  }
  if (bound[1] != nullptr) {
    const Value name = LiteralArg(*this, "timezone", bound[1]);
    if (!name) return std::nullopt;
    if (name.expr->kind != ast::ExprKind::kString) {
      Error("parse.bad_arguments",
            std::format("timezone() argument 2 must be str, not {}", TypeName(*name.expr)),
            bound[1]->span);
      return std::nullopt;
    }
  }
  constexpr int64_t kDay = 86400000000;
  constexpr int64_t kMinute = 60000000;
  if (td->microseconds <= -kDay || td->microseconds >= kDay) {
    Report(Category::kValidationError, kBadValue,
           "offset must be a timedelta strictly between -timedelta(hours=24) and "
           "timedelta(hours=24).",
           bound[0]->span);
    return std::nullopt;
  }
  if (td->microseconds % kMinute != 0) {
    Report(Category::kValidationError, "parse.unsupported_tzinfo",
           "UTC offsets that are not whole minutes are not supported", bound[0]->span);
    return std::nullopt;
  }
  return static_cast<int32_t>(td->microseconds / kMinute);
}

}  // namespace querysafe::parse_internal
