// PyValue: a value as Django sees it before get_prep_value(), that is, a Python object. Query text
// gives Python literals; an ORM binding a parameter gives BSON. Both become a PyValue, and one
// coercion path (coerce.h) turns a PyValue into the field's BSON value exactly as Django and
// django-mongodb-backend would, so a literal and a bound parameter can never encrypt differently.
//
// repr() and str() follow Python, because Django's messages quote values with them
// ("Field 'score' expected a number but got 'abc'.") and CharField stores str(value).
#ifndef QUERYSAFE_LIB_ANALYZE_PY_VALUE_H_
#define QUERYSAFE_LIB_ANALYZE_PY_VALUE_H_

#include <bson/bson.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "lib/common/arena.h"
#include "lib/common/python_repr.h"  // FloatRepr, beside Repr and Str
#include "lib/parse/ast.h"

namespace querysafe::analyze {

struct PyValue {
  enum class Type : uint8_t {
    kNone,
    kBool,
    kInt,
    kFloat,
    kStr,
    kBytes,
    kDecimal,
    kDate,
    kDateTime,
    kTime,
    kTimedelta,
    kUuid,
    kObjectId,
    kList,
    kTuple,
    kDict,  // only ever reported, never coerced
  };

  Type type = Type::kNone;
  bool b = false;
  int64_t i = 0;       // kInt; kTimedelta microseconds
  double f = 0;        // kFloat
  std::string_view s;  // kStr, kBytes; kDecimal text
  // kDate, kDateTime, kTime
  int32_t year = 1, month = 1, day = 1;
  int32_t hour = 0, minute = 0, second = 0, microsecond = 0;
  bool aware = false;
  int32_t utc_offset_minutes = 0;
  // kDateTime decoded from a BSON date (a bound parameter): BSON has no date-only type, so for a
  // DateField it stands for the date django-mongodb-backend stores, midnight UTC.
  bool bson_date = false;
  uint8_t bytes[16] = {};          // kUuid (16), kObjectId (12)
  std::span<const PyValue> items;  // kList, kTuple
  Span span;

  bool is_sequence() const { return type == Type::kList || type == Type::kTuple; }
  bool is_number() const {
    return type == Type::kInt || type == Type::kFloat || type == Type::kDecimal ||
           type == Type::kBool;
  }
};

// The Python type name, as in "expected bytes but got str".
std::string_view PyTypeName(PyValue::Type type);

// A constant AST expression (literals, containers of literals, -literal) as a PyValue. Returns
// false for anything that is not a constant (F(), Q, parameters, aggregates, arithmetic).
bool PyValueFromAst(const ast::Expr& expr, Arena* arena, PyValue* out);

// A bound BSON value as the Python object PyMongo would have decoded it into: int32/int64 ->
// int, double -> float, string -> str, decimal128 -> Decimal, date -> aware UTC datetime,
// binary subtype 4 -> UUID, other binaries -> bytes, array -> list, null -> None. Returns false
// for BSON types that have no Python counterpart Django accepts (documents, regexes...), for a
// string that is not UTF-8 (PyMongo cannot decode it), and for lists nested deeper than
// kMaxBsonValueDepth (MongoDB's nesting limit; it also bounds the recursion).
inline constexpr int kMaxBsonValueDepth = 100;
bool PyValueFromBson(const bson_value_t& value, Arena* arena, PyValue* out);

// Python's repr() and str().
std::string Repr(const PyValue& value);
std::string Str(const PyValue& value);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_PY_VALUE_H_
