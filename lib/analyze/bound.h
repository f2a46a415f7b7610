// The bound tree: what the analyzer makes of the AST once every name is resolved against the
// schema and every value is coerced to its field's BSON type. Lowering reads only this tree; it
// never looks at the AST or re-resolves a name. A bound tree exists only for a query that passed
// every check, so lowering has no error paths of its own for user input.
//
// Like the AST, the bound tree lives in an Arena and holds views: strings point into the arena or
// the schema, values are bson_value_t whose payloads (strings, binaries) live in the arena.
#ifndef QUERYSAFE_LIB_ANALYZE_BOUND_H_
#define QUERYSAFE_LIB_ANALYZE_BOUND_H_

#include <bson/bson.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::bound {

template <typename T>
using List = std::span<const T>;

// A join through a ForeignKey: `author__name` on Book reads Author's `name` through $lookup
// (localField/foreignField, never `let`).
struct Join {
  const schema::Field* fk = nullptr;      // Book.author
  const schema::Model* target = nullptr;  // Author
  std::string_view local_column;          // "author_id"
  std::string_view alias;                 // "author": the $lookup `as`
};

// A resolved field path. `db_path` is what MQL names: columns joined by '.', prefixed by the
// join alias when the field lives in a joined collection.
struct FieldRef {
  const schema::Field* field = nullptr;
  const schema::Model* model = nullptr;  // the model `field` belongs to
  std::string_view db_path;              // "patient_record.ssn", "_id", "author.name"
  std::string_view django_path;          // "patient_record__ssn", as the user spelled it
  const Join* join = nullptr;            // non-null when the path crosses a ForeignKey
  // The collection's encryptedFields entry when this path is exactly an encrypted field.
  const schema::EncryptedPath* encrypted = nullptr;
  Span span;

  bool is_encrypted() const { return encrypted != nullptr; }
};

// The path as the server names it in its messages and encryptedFields: the dotted db path in the
// field's own collection (without the join alias of a field read through a ForeignKey).
inline std::string_view ServerPath(const FieldRef& field) {
  std::string_view path = field.db_path;
  if (field.join != nullptr && path.size() > field.join->alias.size()) {
    path.remove_prefix(field.join->alias.size() + 1);
  }
  return path;
}

// Django's lookups (the last part of a key) after resolution.
enum class LookupKind : uint8_t {
  kExact,
  kIExact,
  kContains,
  kIContains,
  kIn,
  kGt,
  kGte,
  kLt,
  kLte,
  kStartsWith,
  kIStartsWith,
  kEndsWith,
  kIEndsWith,
  kRange,
  kIsNull,
  kRegex,
  kIRegex,
  // ArrayField
  kArrayContains,  // `contains` on an ArrayField: every given element is present ($all)
  kContainedBy,    // every element is among the given ones
  kOverlap,        // some element is among the given ones
};
// Its name, operator, pattern, QE query type, arity and field classes: lookup_table.h.

// Transforms applied to the field before the lookup (`assessed_on__year__gte`), in order.
enum class TransformKind : uint8_t {
  kYear,
  kIsoYear,
  kMonth,
  kDay,
  kWeek,
  kWeekDay,
  kIsoWeekDay,
  kQuarter,
  kHour,
  kMinute,
  kSecond,
  kDate,   // DateTimeField -> date
  kTime,   // DateTimeField -> time
  kLen,    // ArrayField length
  kIndex,  // ArrayField element: `tags__0`
};

struct Transform {
  TransformKind kind;
  int64_t index = 0;  // kIndex
  Span span;
  // The time zone the transform converts to first (an IANA name), or empty: set only on a
  // DateTimeField's transforms, under a TIME_ZONE other than UTC.
  std::string_view time_zone;
};

// A right-hand side that is not a constant: F() and arithmetic over F() and constants. Only
// plaintext fields ever get one (QE rejects comparisons with non-constant expressions).
struct Expr {
  enum class Kind : uint8_t { kField, kValue, kArith, kNeg };
  enum class Op : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
  Kind kind = Kind::kValue;
  Span span;
  FieldRef field;        // kField
  bson_value_t value{};  // kValue
  Op op = Op::kAdd;      // kArith
  const Expr* lhs = nullptr;
  const Expr* rhs = nullptr;  // kArith; kNeg uses lhs
};

// A value position in the tree: a constant (coerced), or a parameter bound later.
struct Value {
  enum class Kind : uint8_t { kConstant, kParam };
  Kind kind = Kind::kConstant;
  bson_value_t constant{};  // kConstant: of the field's BSON type (or the lookup's)
  uint32_t param = 0;       // kParam: index into Query::params
  Span span;
};

// One comparison: `field [transforms] lookup rhs`.
struct Predicate {
  FieldRef lhs;
  List<Transform> transforms;
  LookupKind lookup = LookupKind::kExact;
  // The right-hand side: one value (exact, gt, contains, isnull...), several (in, range: 2;
  // the array lookups), or an expression. With an expression there are no values, and the
  // lookup is one that takes one (filter_binder.cc, CheckExpressionLookup): exact, gt, gte, lt,
  // lte, contained_by, or a pattern lookup against F() of a text field.
  List<Value> values;
  const Expr* expr = nullptr;
  // A range predicate on an encrypted field may pair with another on the same field (gte + lt)
  // into one two-sided payload; lowering does the pairing, this only records the QE index.
  const schema::QuerySpec* qe_index = nullptr;  // the QE query the predicate uses, if encrypted
  // How values are coerced (for bound parameters, which go through the same path later): the
  // field that gives values their type (null after a transform: `value_class` then says), and
  // whether the path runs through an EmbeddedModelArrayField or into a JSONField.
  const schema::Field* value_field = nullptr;
  schema::FieldClass value_class = schema::FieldClass::kChar;
  bool through_array = false;
  bool json_key = false;
  Span span;
};

// Filter trees: Django's WHERE as a tree of AND/OR/XOR/NOT over predicates. kTrue/kFalse come
// from empty conditions and `none()`/`in=[]` (Django's EmptyResultSet).
struct Filter {
  enum class Kind : uint8_t { kAnd, kOr, kXor, kNot, kPredicate, kTrue, kFalse };
  Kind kind = Kind::kTrue;
  List<const Filter*> children;
  const Predicate* predicate = nullptr;
  Span span;
};

struct OrderBy {
  FieldRef field;
  bool descending = false;
};

enum class AggregateFunc : uint8_t { kCount, kSum, kAvg, kMin, kMax, kStdDev, kVariance };

struct Aggregate {
  AggregateFunc func = AggregateFunc::kCount;
  std::string_view alias;  // the output name: annotate(n=...), or Django's default `value__count`
  const Expr* arg = nullptr;  // null for Count("*")
  bool distinct = false;
  bool sample = false;   // StdDev/Variance(sample=True)
  bool selected = true;  // false for alias(): grouped on, not returned
  const Filter* filter = nullptr;
  Span span;
};

// What the query does, and what its result looks like.
enum class Operation : uint8_t {
  kSelect,  // iterate documents (all(), filter(), slices, values()...)
  kGet,     // get(): exactly one document
  kFirst,
  kLast,
  kCount,
  kExists,
  kAggregate,  // aggregate(): one document of aggregate values
  kUpdate,
  kDelete,
  kInBulk,
  kDates,
  kDatetimes,
};

enum class ResultShape : uint8_t { kModels, kValues, kValuesList, kFlat, kNamed };

struct Assignment {  // update(field=value)
  FieldRef field;
  Value value;
};

// A parameter of a prepared query: where it is used and what it must become. Binding runs the
// value through the same coercion and QE checks a literal in the same place gets.
struct Param {
  enum class Use : uint8_t {
    kLookupValue,    // the whole right-hand side of `predicate` (`ssn=$s`, `id__in=$ids`)
    kLookupElement,  // one element of a sequence (`id__in=[$a, $b]`, `x__range=($lo, $hi)`)
    kSliceBound,     // `[$offset:$limit]`
    kUpdateValue,    // update(field=$v)
  };
  std::string_view name;
  Use use = Use::kLookupValue;
  const Predicate* predicate = nullptr;  // kLookupValue, kLookupElement
  const schema::Field* field = nullptr;  // kUpdateValue
  const FieldRef* target = nullptr;      // kUpdateValue
  Span span;
};

struct Query {
  std::string_view database;  // the schema's database
  const schema::Model* model = nullptr;
  Operation operation = Operation::kSelect;
  ResultShape shape = ResultShape::kModels;
  const Filter* filter = nullptr;  // never null; kTrue when unfiltered
  List<OrderBy> order_by;          // after default ordering and reverse() are applied
  bool ordered_by_default = false;
  List<FieldRef> fields;       // values()/values_list()/only(): the projected fields
  List<FieldRef> deferred;     // defer()
  List<FieldRef> distinct_on;  // distinct(...) fields; `distinct` alone sets the flag
  bool distinct = false;
  List<Aggregate> annotations;  // annotate()/alias() aggregates, grouping by `group_by`
  List<FieldRef> group_by;
  List<Aggregate> aggregates;           // aggregate()
  List<Join> joins;                     // select_related() and joined filters
  List<Assignment> assignments;         // update()
  bool multi_update = true;             // false on a database with encryption (one document by pk)
  int64_t offset = 0;                   // slices
  int64_t limit = -1;                   // -1: none
  const Value* offset_param = nullptr;  // a parameterized slice bound
  const Value* limit_param = nullptr;
  FieldRef in_bulk_field;  // in_bulk(field_name=...)
  List<Value> in_bulk_values;
  bool in_bulk_ids = false;     // an id_list was given (else every object)
  FieldRef dates_field;         // dates()/datetimes()
  std::string_view dates_kind;  // "year", "month", "week", "day" (+ "hour", "minute", "second")
  bool dates_descending = false;
  std::string_view dates_time_zone;  // as Transform::time_zone, for dates()/datetimes()
  bool empty = false;                // none(), or a filter that can match nothing
  List<Param> params;
  Span span;
};

// Values for a prepared query's parameters, by parameter index (Query::params), coerced by
// analyze::BindParams exactly as literals in the same places are. A sequence parameter
// (`id__in=$ids`) has several values; an absent range bound is a value of type EOD.
struct Bindings {
  std::vector<std::span<const bson_value_t>> values;
};

}  // namespace querysafe::bound

#endif  // QUERYSAFE_LIB_ANALYZE_BOUND_H_
