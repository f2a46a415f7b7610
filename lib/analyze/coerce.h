// Value coercion: a Python value (PyValue) becomes the BSON value Django would send for a field,
// through the field's get_prep_value()/to_python() and django-mongodb-backend's adapters
// (Int64 for the non-small integers, Decimal128, dates as UTC datetimes at midnight, times on
// 0001-01-01, durations in milliseconds, UUIDs as 32 hex digits...).
//
// Why it matters: for an encrypted field the BSON type is part of what gets encrypted. An int32
// where the collection stores int64 encrypts to different tokens and silently matches nothing, so
// every value, literal or bound parameter, goes through this one path.
#ifndef QUERYSAFE_LIB_ANALYZE_COERCE_H_
#define QUERYSAFE_LIB_ANALYZE_COERCE_H_

#include <bson/bson.h>

#include <string>

#include "lib/analyze/bound.h"
#include "lib/analyze/py_value.h"
#include "lib/common/arena.h"
#include "lib/common/time_zone.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::analyze {

// Why a value could not be coerced, in Django's words.
struct CoerceError {
  Category category = Category::kValidationError;
  std::string code;
  std::string message;
  int32_t server_code = 0;
};

struct CoerceOptions {
  // The lookup the value is for: IntegerField rounds floats up for gte and lt (Django's
  // IntegerFieldFloatRounding); pattern lookups take str() of the prepared value.
  bound::LookupKind lookup = bound::LookupKind::kExact;
  // Django's TIME_ZONE (null: UTC): naive datetimes for a DateTimeField are made aware in it, and
  // aware ones for a DateField are converted to it before taking their date, as Django's
  // DateTimeField.get_prep_value() and DateField.to_python() do with the default time zone.
  const TimeZone* time_zone = nullptr;
};

// Coerces one (non-None) value for `field`. On success `out` holds the BSON value, its payload
// in `arena`. Sequences are only accepted for ArrayField (each element goes through the base
// field); lookups that take several values (in, range) coerce each element separately.
bool CoerceToField(const PyValue& value, const schema::Field& field, const CoerceOptions& options,
                   Arena* arena, bson_value_t* out, CoerceError* error);

// Python's int(value) and float(value) as Django's numeric fields use them. False when Python
// would raise.
bool PyInt(const PyValue& value, int64_t* out);
bool PyFloat(const PyValue& value, double* out);

// Builds the BSON value for a Python value with no field to guide it, as PyMongo encodes it
// (JSONField keys, annotations): int -> int32 or int64, str -> string, and so on.
bool NaturalBson(const PyValue& value, Arena* arena, bson_value_t* out);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_COERCE_H_
