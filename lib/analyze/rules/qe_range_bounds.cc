// Why: a range index covers [min, max] only (the declared bounds, or for int/long/date without
// bounds the whole type). libmongocrypt refuses to encrypt a bound outside the domain ("Lower
// bound (500) must be less than or equal to the range maximum (200)") and the server's query
// analysis rejects it first (6747900-6747902). A NaN bound has no place in the order at all
// (6991000/6991001). An exclusive bound at the end of the domain it excludes (`gt` the max,
// `lt` the min) is inside the bounds but leaves nothing to match, and libmongocrypt refuses it
// too ("Lower bound (200) must be less than the range maximum (200) if lower bound is excluded
// from range"; found by fuzzing, tests/data/regression/schema/). Reporting it here gives the ORM
// user the field and the index bounds instead of a libmongocrypt error deep in execution.

#include <format>
#include <string>

#include "lib/analyze/rules/rules.h"
#include "lib/analyze/rules/server_rules.h"
#include "lib/common/bson_compare.h"
#include "lib/common/bson_util.h"

namespace querysafe::analyze::rules {
namespace {

std::string ValueText(const bson_value_t& v) {
  BsonDoc doc;
  bson_append_value(doc.get(), "v", 1, &v);
  std::string json = ToRelaxedJson(doc.get());
  // "{ "v" : X }" -> "X"
  size_t colon = json.find(':');
  return colon == std::string::npos ? json : json.substr(colon + 2, json.size() - colon - 4);
}

}  // namespace

bool CheckRangeValue(Context& ctx, const bound::FieldRef& field, const schema::QuerySpec& index,
                     const bson_value_t& value, BoundRole role, bool exclusive, Span span) {
  if (IsNaN(value)) {
    ctx.Report(Category::kNotSupportedError, "qe.range_nan", std::string(kNaNBoundMessage), span,
               role == BoundRole::kUpper ? kNaNUpperBoundServerCode : kNaNLowerBoundServerCode);
    return false;
  }
  if (!index.has_bounds()) return true;
  const bson_value_t min = index.min(), max = index.max();
  std::optional<int> below = CompareBsonNumbers(value, min);
  std::optional<int> above = CompareBsonNumbers(value, max);
  if (below && above && *below >= 0 && *above <= 0) {
    const bool at_max = role == BoundRole::kLower && *above == 0;
    const bool at_min = role == BoundRole::kUpper && *below == 0;
    if (!exclusive || (!at_max && !at_min)) return true;
    // libmongocrypt's message, and where the range ends.
    const std::string message =
        at_max ? std::format(
                     "Lower bound ({0}) must be less than the range maximum ({0}) if lower "
                     "bound is excluded from range (the range index of '{1}' ends at "
                     "{0}: nothing is greater.)",
                     ValueText(max), ServerPath(field))
               : std::format(
                     "Upper bound ({0}) must be greater than the range minimum ({0}) if "
                     "upper bound is excluded from range (the range index of '{1}' "
                     "starts at {0}: nothing is less.)",
                     ValueText(min), ServerPath(field));
    ctx.Report(Category::kNotSupportedError, "qe.range_out_of_bounds", message, span);
    return false;
  }
  std::string_view what;
  int32_t code = 0;
  switch (role) {
    case BoundRole::kLower:
      what = "Lower bound of range predicate must be within the bounds of encrypted index.";
      code = 6747901;
      break;
    case BoundRole::kUpper:
      what = "Upper bound of range predicate must be within the bounds of encrypted index.";
      code = 6747902;
      break;
    case BoundRole::kPoint:
      what = "Range query predicate must be within the bounds of encrypted index.";
      code = 6747900;
      break;
  }
  ctx.Report(Category::kNotSupportedError, "qe.range_out_of_bounds",
             std::format("{} ({} is outside [{}, {}], the range index of '{}'.)", what,
                         ValueText(value), ValueText(min), ValueText(max), ServerPath(field)),
             span, code);
  return false;
}

}  // namespace querysafe::analyze::rules
