// The AST of the query language: what lib/parse makes of the grammar's syntax tree, and what the
// analyzer reads. It says what the user wrote, in Django's terms, with nothing resolved yet:
// lookups are still `patient_record__ssn__exact` split into parts, values are still Python
// literals. Every node carries the byte span it came from, so that any later stage can point at
// the spot.
//
// All nodes live in an Arena (lib/common/arena.h) and are trivially destructible: lists are
// arena spans, strings are views into the arena or into the query text (which the caller keeps
// alive as long as the AST). Nodes are a small class hierarchy tagged by `kind`; use Cast<T>()
// and As<T>() rather than dynamic_cast (DuckDB's pattern).
#ifndef QUERYSAFE_LIB_PARSE_AST_H_
#define QUERYSAFE_LIB_PARSE_AST_H_

#include <cassert>
#include <cstdint>
#include <span>
#include <string_view>

#include "querysafe/diagnostic.h"

namespace querysafe::ast {

template <typename T>
using List = std::span<const T>;

// ---------------------------------------------------------------------------------------------
// Expressions: argument values, Q trees, F() and aggregates.

enum class ExprKind : uint8_t {
  // Python literals.
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kBytes,
  // Constructor literals: Decimal("1.5"), date(2024, 1, 31), datetime(...), time(...),
  // timedelta(...), UUID("..."), ObjectId("..."). lib/parse checks their arguments the way the
  // Python constructors do, so the analyzer gets a valid value or nothing.
  kDecimal,
  kDate,
  kDateTime,
  kTime,
  kTimedelta,
  kUuid,
  kObjectId,
  // Containers.
  kList,
  kTuple,
  kDict,
  // A `$name` parameter, bound at run time (prepared queries).
  kParam,
  // Query expressions.
  kLookup,     // one keyword argument of filter()/exclude()/get()/Q(): `score__gte=5`
  kQ,          // Q(...), and Q objects combined with & | ^ ~
  kF,          // F("field__path")
  kAggregate,  // Count/Sum/Avg/Min/Max/StdDev/Variance(...)
  kArith,      // + - * / % between expressions (F("a") + 1)
  kNeg,        // unary minus on a non-literal (-F("a"))
  kQuerySet,   // a QuerySet used as a value: union()'s argument, `pk__in=Other.objects...`
};

struct Expr {
  ExprKind kind;
  Span span;

  template <typename T>
  const T& Cast() const {
    assert(kind == T::kKind);
    return static_cast<const T&>(*this);
  }
  template <typename T>
  const T* As() const {
    return kind == T::kKind ? static_cast<const T*>(this) : nullptr;
  }

 protected:
  Expr(ExprKind k, Span s) : kind(k), span(s) {}
};

struct NoneLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kNone;
  explicit NoneLit(Span s) : Expr(kKind, s) {}
};

struct BoolLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kBool;
  BoolLit(Span s, bool v) : Expr(kKind, s), value(v) {}
  bool value;
};

// An integer literal that fits in 64 bits (anything larger is a diagnostic, never a wrap).
// A leading unary minus is folded in, so -9223372036854775808 is representable.
struct IntLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kInt;
  IntLit(Span s, int64_t v, std::string_view t) : Expr(kKind, s), value(v), text(t) {}
  int64_t value;
  std::string_view text;  // as written, e.g. "0x1F", "1_000"
};

// A float literal, or float("nan") / float("inf") / float("-inf").
struct FloatLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kFloat;
  FloatLit(Span s, double v, std::string_view t) : Expr(kKind, s), value(v), text(t) {}
  double value;
  std::string_view text;
};

// A str literal with its escapes decoded (always valid UTF-8; may contain NUL characters).
// Adjacent literals are concatenated, as in Python.
struct StringLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kString;
  StringLit(Span s, std::string_view v) : Expr(kKind, s), value(v) {}
  std::string_view value;
};

// A bytes literal (b"\x00\x01"), for BinaryField.
struct BytesLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kBytes;
  BytesLit(Span s, std::string_view v) : Expr(kKind, s), value(v) {}
  std::string_view value;
};

// Decimal("1.50"), Decimal(3), Decimal("NaN"): the exact text, never a binary float.
struct DecimalLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kDecimal;
  DecimalLit(Span s, std::string_view t) : Expr(kKind, s), text(t) {}
  std::string_view text;  // as Python's Decimal would print it, e.g. "1.50", "-0", "NaN"
};

struct DateLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kDate;
  DateLit(Span s, int32_t y, int32_t m, int32_t d) : Expr(kKind, s), year(y), month(m), day(d) {}
  int32_t year, month, day;  // checked: 1 <= year <= 9999, a real calendar day
};

// datetime(...). `tz` says whether the value was aware; aware values carry their UTC offset.
struct DateTimeLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kDateTime;
  enum class Tz : uint8_t { kNaive, kAware };
  DateTimeLit(Span s) : Expr(kKind, s) {}
  int32_t year = 1, month = 1, day = 1;
  int32_t hour = 0, minute = 0, second = 0, microsecond = 0;
  Tz tz = Tz::kNaive;
  int32_t utc_offset_minutes = 0;  // for kAware: timezone.utc is 0
};

struct TimeLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kTime;
  TimeLit(Span s) : Expr(kKind, s) {}
  int32_t hour = 0, minute = 0, second = 0, microsecond = 0;
};

// timedelta(...), normalized to microseconds as Python does (|days| <= 999999999).
struct TimedeltaLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kTimedelta;
  TimedeltaLit(Span s, int64_t us) : Expr(kKind, s), microseconds(us) {}
  int64_t microseconds;
};

struct UuidLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kUuid;
  UuidLit(Span s) : Expr(kKind, s) {}
  uint8_t bytes[16] = {};
};

struct ObjectIdLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kObjectId;
  ObjectIdLit(Span s) : Expr(kKind, s) {}
  uint8_t bytes[12] = {};
};

// [a, b] and (a, b): kept apart because Django treats them alike but users read them apart.
struct ListLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kList;
  ListLit(Span s, List<const Expr*> i) : Expr(kKind, s), items(i) {}
  List<const Expr*> items;
};

struct TupleLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kTuple;
  TupleLit(Span s, List<const Expr*> i) : Expr(kKind, s), items(i) {}
  List<const Expr*> items;
};

struct DictEntry {
  const Expr* key;
  const Expr* value;
};

struct DictLit : Expr {
  static constexpr ExprKind kKind = ExprKind::kDict;
  DictLit(Span s, List<DictEntry> e) : Expr(kKind, s), entries(e) {}
  List<DictEntry> entries;
};

struct Param : Expr {
  static constexpr ExprKind kKind = ExprKind::kParam;
  Param(Span s, std::string_view n) : Expr(kKind, s), name(n) {}
  std::string_view name;  // without the '$'
};

// One part of a lookup key or F() path: `patient_record`, `ssn`, `exact`.
struct KeyPart {
  std::string_view name;
  Span span;
};

// `patient_record__ssn__in=[...]`: the key split on "__" (Python's str.split, so the analyzer
// decides which parts are fields, transforms and the lookup, as Django does), and the value.
struct Lookup : Expr {
  static constexpr ExprKind kKind = ExprKind::kLookup;
  Lookup(Span s) : Expr(kKind, s) {}
  std::string_view key;  // the whole key as written
  Span key_span;
  List<KeyPart> parts;
  const Expr* value = nullptr;
};

// A Q tree. Q(a=1, b=2) is kAnd over its lookups (and any positional Q arguments, first);
// `q1 | q2 | q3` is one kOr node (same-operator chains are flattened, so depth stays small);
// ~q is kNot with one child. Children are Lookup or Q nodes.
struct Q : Expr {
  static constexpr ExprKind kKind = ExprKind::kQ;
  enum class Op : uint8_t { kAnd, kOr, kXor, kNot };
  Q(Span s, Op o, List<const Expr*> c) : Expr(kKind, s), op(o), children(c) {}
  Op op;
  List<const Expr*> children;
};

// F("author__name"): a reference to a field, resolved by the analyzer.
struct F : Expr {
  static constexpr ExprKind kKind = ExprKind::kF;
  F(Span s) : Expr(kKind, s) {}
  std::string_view path;
  Span path_span;
  List<KeyPart> parts;
};

// A keyword argument other than a lookup: `distinct=True`, `flat=True`, `field_name="x"`.
struct Kwarg {
  std::string_view name;
  Span name_span;
  const Expr* value;
};

enum class AggregateFunc : uint8_t { kCount, kSum, kAvg, kMin, kMax, kStdDev, kVariance };

// Count("value"), Count("pk", distinct=True), Sum(F("a") * 2, filter=Q(...)).
// A string argument is a field reference, as in Django; it is stored as an F node.
struct Aggregate : Expr {
  static constexpr ExprKind kKind = ExprKind::kAggregate;
  Aggregate(Span s, AggregateFunc f) : Expr(kKind, s), func(f) {}
  AggregateFunc func;
  Span name_span;
  List<const Expr*> args;
  List<Kwarg> kwargs;
};

struct Arith : Expr {
  static constexpr ExprKind kKind = ExprKind::kArith;
  enum class Op : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
  Arith(Span s, Op o, const Expr* l, const Expr* r) : Expr(kKind, s), op(o), lhs(l), rhs(r) {}
  Op op;
  const Expr* lhs;
  const Expr* rhs;
};

struct Neg : Expr {
  static constexpr ExprKind kKind = ExprKind::kNeg;
  Neg(Span s, const Expr* o) : Expr(kKind, s), operand(o) {}
  const Expr* operand;
};

struct Query;

struct QuerySetExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kQuerySet;
  QuerySetExpr(Span s, const Query* q) : Expr(kKind, s), query(q) {}
  const Query* query;
};

// ---------------------------------------------------------------------------------------------
// QuerySets: `Model.objects` then a chain of method calls and slices, or QuerySets combined with
// | & ^ (Django's QuerySet operators).

enum class Method : uint8_t {
  kAll,
  kFilter,
  kExclude,
  kGet,
  kOrderBy,
  kReverse,
  kDistinct,
  kValues,
  kValuesList,
  kOnly,
  kDefer,
  kAnnotate,
  kAlias,
  kAggregate,
  kCount,
  kExists,
  kFirst,
  kLast,
  kUpdate,
  kDelete,
  kUnion,
  kIntersection,
  kDifference,
  kDates,
  kDatetimes,
  kInBulk,
  kSelectRelated,
  kNone,
  kUsing,
};

// "filter", "values_list", ... as Django spells them.
std::string_view MethodName(Method method);

// One argument of a method call. Positional arguments have an empty name.
struct Arg {
  std::string_view name;
  Span name_span;
  const Expr* value;
};

struct Step {
  enum class Kind : uint8_t { kCall, kSlice, kIndex };
  Kind kind = Kind::kCall;
  Span span;
  // kCall.
  Method method = Method::kAll;
  Span method_span;
  // filter/exclude/get: their arguments as one Q node, kAnd over the positional Q objects and
  // then the keyword lookups, in source order (`**{"key": value}` unpacks into lookups).
  // `args` is empty for these methods; `condition` is null for every other method.
  const Q* condition = nullptr;
  // Every other method's arguments as written: positional first, then keywords.
  List<Arg> args;
  // kSlice: [start:stop:step], each may be null. kIndex: [index].
  const Expr* start = nullptr;
  const Expr* stop = nullptr;
  const Expr* step = nullptr;
  const Expr* index = nullptr;
};

struct Query {
  enum class Kind : uint8_t { kChain, kCombine };
  enum class Combine : uint8_t { kOr, kAnd, kXor };  // qs1 | qs2, qs1 & qs2, qs1 ^ qs2

  Kind kind = Kind::kChain;
  Span span;
  // kChain
  std::string_view model;
  Span model_span;
  std::string_view manager;  // "objects"
  Span manager_span;
  List<Step> steps;
  // kCombine
  Combine combine = Combine::kOr;
  Span operator_span;
  const Query* lhs = nullptr;
  const Query* rhs = nullptr;
};

}  // namespace querysafe::ast

#endif  // QUERYSAFE_LIB_PARSE_AST_H_
