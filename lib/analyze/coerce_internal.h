// The per-family halves of coerce.h, one file each: numbers, text and identifiers, time.
#ifndef QUERYSAFE_LIB_ANALYZE_COERCE_INTERNAL_H_
#define QUERYSAFE_LIB_ANALYZE_COERCE_INTERNAL_H_

#include <bson/bson.h>

#include <string>

#include "lib/analyze/coerce.h"

namespace querysafe::analyze::coerce_internal {

std::string ExpectedNumber(const schema::Field& field, const PyValue& value);

bool CoerceInteger(const PyValue& value, const schema::Field& field, const CoerceOptions& options,
                   bson_value_t* out, CoerceError* error);
bool CoerceFloat(const PyValue& value, const schema::Field& field, bson_value_t* out,
                 CoerceError* error);
bool CoerceDecimal(const PyValue& value, const schema::Field& field, Arena* arena,
                   bson_value_t* out, CoerceError* error);

bool CoerceString(const PyValue& value, const schema::Field& field, Arena* arena, bson_value_t* out,
                  CoerceError* error);
bool CoerceBoolean(const PyValue& value, const schema::Field& field, bson_value_t* out,
                   CoerceError* error);
bool CoerceUuid(const PyValue& value, const schema::Field& field, Arena* arena, bson_value_t* out,
                CoerceError* error);
bool CoerceObjectId(const PyValue& value, const schema::Field& field, bson_value_t* out,
                    CoerceError* error);
bool CoerceBinary(const PyValue& value, const schema::Field& field, Arena* arena, bson_value_t* out,
                  CoerceError* error);

bool CoerceDate(const PyValue& value, const schema::Field& field, const TimeZone* zone,
                bson_value_t* out, CoerceError* error);
bool CoerceDateTime(const PyValue& value, const schema::Field& field, const TimeZone* zone,
                    bson_value_t* out, CoerceError* error);
bool CoerceTime(const PyValue& value, const schema::Field& field, bson_value_t* out,
                CoerceError* error);
bool CoerceDuration(const PyValue& value, const schema::Field& field, bson_value_t* out,
                    CoerceError* error);

// A UTF-8 string value in the arena.
void SetUtf8(std::string_view text, Arena* arena, bson_value_t* out);

}  // namespace querysafe::analyze::coerce_internal

#endif  // QUERYSAFE_LIB_ANALYZE_COERCE_INTERNAL_H_
