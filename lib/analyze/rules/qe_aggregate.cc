// Why: aggregating ciphertext gives nonsense, so the server refuses: accumulators over an
// encrypted field fail with 51221 ("Accumulator '$avg' cannot aggregate encrypted fields."),
// and Count, which django-mongodb-backend lowers to an expression over the field, fails in the
// aggregate-expression analysis with 6331102. These are the two messages the seed and
// django-mongodb-backend's test_aggregate_avg/test_aggregate_count expect.

#include <format>

#include "lib/analyze/rules/rules.h"

namespace querysafe::analyze::rules {
namespace {

std::string_view Accumulator(bound::AggregateFunc func, bool sample) {
  switch (func) {
    case bound::AggregateFunc::kSum:
      return "$sum";
    case bound::AggregateFunc::kAvg:
      return "$avg";
    case bound::AggregateFunc::kMin:
      return "$min";
    case bound::AggregateFunc::kMax:
      return "$max";
    case bound::AggregateFunc::kStdDev:
    case bound::AggregateFunc::kVariance:
      return sample ? "$stdDevSamp" : "$stdDevPop";
    case bound::AggregateFunc::kCount:
      return "$sum";
  }
  return "$sum";
}

}  // namespace

bool CheckAggregateArgument(Context& ctx, bound::AggregateFunc func, bool sample,
                            const bound::FieldRef& field, Span span) {
  if (!field.is_encrypted()) return true;
  if (func == bound::AggregateFunc::kCount) {
    ctx.Report(Category::kNotSupportedError, "qe.aggregate_reference",
               std::format("Invalid reference to an encrypted field within aggregate expression: "
                           "{}",
                           ServerPath(field)),
               span, 6331102);
    return false;
  }
  ctx.Report(
      Category::kNotSupportedError, "qe.aggregate_accumulator",
      std::format("Accumulator '{}' cannot aggregate encrypted fields.", Accumulator(func, sample)),
      span, 51221);
  return false;
}

}  // namespace querysafe::analyze::rules
