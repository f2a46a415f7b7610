#include "lib/parse/methods.h"

#include <algorithm>
#include <vector>

namespace querysafe::parse_internal {

namespace {

using ast::Method;

constexpr MethodInfo NoArgs(std::string_view name, Method m, std::string_view returns = {}) {
  MethodInfo info{.name = name, .method = m};
  info.returns = returns;
  return info;
}

constexpr MethodInfo VarArgs(std::string_view name, Method m, bool varkw = false,
                             std::string_view returns = {}) {
  MethodInfo info{.name = name, .method = m};
  info.varargs = true;
  info.varkw = varkw;
  info.returns = returns;
  return info;
}

// Sorted by name.
constexpr std::array kMethods = {
    VarArgs("aggregate", Method::kAggregate, true, "a dict"),
    VarArgs("alias", Method::kAlias, true),
    NoArgs("all", Method::kAll),
    VarArgs("annotate", Method::kAnnotate, true),
    NoArgs("count", Method::kCount, "an int"),
    MethodInfo{.name = "dates",
               .method = Method::kDates,
               .params = {"field_name", "kind", "order"},
               .num_params = 3,
               .required = 2},
    MethodInfo{.name = "datetimes",
               .method = Method::kDatetimes,
               .params = {"field_name", "kind", "order", "tzinfo"},
               .num_params = 4,
               .required = 2},
    VarArgs("defer", Method::kDefer),
    NoArgs("delete", Method::kDelete, "a tuple"),
    VarArgs("difference", Method::kDifference),
    VarArgs("distinct", Method::kDistinct),
    VarArgs("exclude", Method::kExclude, true),
    NoArgs("exists", Method::kExists, "a bool"),
    VarArgs("filter", Method::kFilter, true),
    NoArgs("first", Method::kFirst, "a model instance"),
    VarArgs("get", Method::kGet, true, "a model instance"),
    MethodInfo{.name = "in_bulk",
               .method = Method::kInBulk,
               .params = {"id_list"},
               .num_params = 1,
               .required = 0,
               .kwonly = {"field_name"},
               .num_kwonly = 1,
               .returns = "a dict"},
    VarArgs("intersection", Method::kIntersection),
    NoArgs("last", Method::kLast, "a model instance"),
    NoArgs("none", Method::kNone),
    VarArgs("only", Method::kOnly),
    VarArgs("order_by", Method::kOrderBy),
    NoArgs("reverse", Method::kReverse),
    VarArgs("select_related", Method::kSelectRelated),
    MethodInfo{.name = "union",
               .method = Method::kUnion,
               .varargs = true,
               .kwonly = {"all"},
               .num_kwonly = 1},
    MethodInfo{.name = "update", .method = Method::kUpdate, .varkw = true, .returns = "an int"},
    MethodInfo{.name = "using",
               .method = Method::kUsing,
               .params = {"alias"},
               .num_params = 1,
               .required = 1},
    VarArgs("values", Method::kValues, true),
    MethodInfo{.name = "values_list",
               .method = Method::kValuesList,
               .varargs = true,
               .kwonly = {"flat", "named"},
               .num_kwonly = 2},
};
static_assert(std::is_sorted(kMethods.begin(), kMethods.end(),
                             [](const MethodInfo& a, const MethodInfo& b) {
                               return a.name < b.name;
                             }));

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

namespace {

// For each lowercase first letter, where its methods are in kMethods (sorted):
// a lookup compares with a handful of names at most.
struct LetterRange {
  uint8_t begin = 0;
  uint8_t end = 0;
};
constexpr std::array<LetterRange, 26> kByLetter = [] {
  std::array<LetterRange, 26> ranges = {};
  for (size_t i = 0; i < kMethods.size(); ++i) {
    LetterRange& r = ranges[static_cast<size_t>(kMethods[i].name[0] - 'a')];
    if (r.begin == r.end) r.begin = static_cast<uint8_t>(i);
    r.end = static_cast<uint8_t>(i + 1);
  }
  return ranges;
}();

}  // namespace

const MethodInfo* FindMethod(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return nullptr;
  const LetterRange r = kByLetter[static_cast<size_t>(name[0] - 'a')];
  for (size_t i = r.begin; i < r.end; ++i) {
    if (kMethods[i].name == name) return &kMethods[i];
  }
  return nullptr;
}

bool IsUnsupportedMethod(std::string_view name) {
  static constexpr std::string_view kUnsupported[] = {
      "aaggregate",
      "abulk_create",
      "abulk_update",
      "acontains",
      "acount",
      "acreate",
      "adelete",
      "aearliest",
      "aexists",
      "aexplain",
      "afirst",
      "aget",
      "aget_or_create",
      "ain_bulk",
      "aiterator",
      "alast",
      "alatest",
      "as_manager",
      "aupdate",
      "aupdate_or_create",
      "bulk_create",
      "bulk_update",
      "complex_filter",
      "contains",
      "create",
      "earliest",
      "explain",
      "extra",
      "get_or_create",
      "iterator",
      "latest",
      "prefetch_related",
      "raw",
      "select_for_update",
      "update_or_create",
  };
  static_assert(std::is_sorted(std::begin(kUnsupported), std::end(kUnsupported)));
  return std::binary_search(std::begin(kUnsupported), std::end(kUnsupported), name);
}

std::string_view SuggestMethod(std::string_view name) {
  std::string_view best;
  size_t best_distance = 3;  // at most two edits, and fewer than half the name
  for (const MethodInfo& m : kMethods) {
    const size_t d = EditDistance(name, m.name);
    if (d < best_distance && d * 2 < std::max(name.size(), m.name.size())) {
      best = m.name;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace querysafe::parse_internal

namespace querysafe::ast {

std::string_view MethodName(Method method) {
  for (const auto& m : parse_internal::kMethods) {
    if (m.method == method) return m.name;
  }
  return "?";
}

}  // namespace querysafe::ast
