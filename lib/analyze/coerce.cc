// Dispatch from a field's Django class to its coercion, plus the natural PyMongo encoding used
// where no field guides the type (JSONField keys, arrays of JSON).

#include "lib/analyze/coerce.h"

#include <cstring>
#include <format>
#include <limits>

#include "lib/analyze/coerce_internal.h"
#include "lib/common/civil_time.h"
#include "lib/schema/field_types.h"

namespace querysafe::analyze {

using coerce_internal::SetUtf8;
using schema::ValueKind;

namespace {

// A BSON array in the arena built from already-coerced elements.
void SetArray(std::span<const bson_value_t> items, Arena* arena, bson_value_t* out) {
  bson_t array;
  bson_init(&array);
  char key_buf[16];
  for (size_t i = 0; i < items.size(); ++i) {
    const char* key;
    size_t len = bson_uint32_to_string(static_cast<uint32_t>(i), &key, key_buf, sizeof key_buf);
    bson_append_value(&array, key, static_cast<int>(len), &items[i]);
  }
  std::string_view bytes =
      arena->CopyString({reinterpret_cast<const char*>(bson_get_data(&array)), array.len});
  bson_destroy(&array);
  out->value_type = BSON_TYPE_ARRAY;
  out->value.v_doc.data = reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data()));
  out->value.v_doc.data_len = static_cast<uint32_t>(bytes.size());
}

bool CoerceArray(const PyValue& value, const schema::Field& field, const CoerceOptions& options,
                 Arena* arena, bson_value_t* out, CoerceError* error) {
  if (!value.is_sequence()) {
    *error = {Category::kValidationError, "value.expected_list",
              std::format("Field '{}' expected a list but got {}.", field.name, Repr(value))};
    return false;
  }
  std::span<bson_value_t> items = arena->NewArray<bson_value_t>(value.items.size());
  for (size_t i = 0; i < value.items.size(); ++i) {
    const PyValue& item = value.items[i];
    if (item.type == PyValue::Type::kNone) {
      items[i].value_type = BSON_TYPE_NULL;
      continue;
    }
    bool ok = field.base_field != nullptr
                  ? CoerceToField(item, *field.base_field, options, arena, &items[i], error)
                  : NaturalBson(item, arena, &items[i]);
    if (!ok) {
      if (error->message.empty()) {
        *error = {Category::kValidationError, "value.unsupported_type",
                  std::format("Field '{}' cannot store {}.", field.name, Repr(item))};
      }
      return false;
    }
  }
  SetArray(items, arena, out);
  return true;
}

}  // namespace

bool NaturalBson(const PyValue& value, Arena* arena, bson_value_t* out) {
  std::memset(out, 0, sizeof *out);
  switch (value.type) {
    case PyValue::Type::kNone:
      out->value_type = BSON_TYPE_NULL;
      return true;
    case PyValue::Type::kBool:
      out->value_type = BSON_TYPE_BOOL;
      out->value.v_bool = value.b;
      return true;
    case PyValue::Type::kInt:
      if (value.i >= std::numeric_limits<int32_t>::min() &&
          value.i <= std::numeric_limits<int32_t>::max()) {
        out->value_type = BSON_TYPE_INT32;
        out->value.v_int32 = static_cast<int32_t>(value.i);
      } else {
        out->value_type = BSON_TYPE_INT64;
        out->value.v_int64 = value.i;
      }
      return true;
    case PyValue::Type::kFloat:
      out->value_type = BSON_TYPE_DOUBLE;
      out->value.v_double = value.f;
      return true;
    case PyValue::Type::kStr:
      SetUtf8(value.s, arena, out);
      return true;
    case PyValue::Type::kBytes: {
      std::string_view copy = arena->CopyString(value.s);
      out->value_type = BSON_TYPE_BINARY;
      out->value.v_binary.subtype = BSON_SUBTYPE_BINARY;
      out->value.v_binary.data = reinterpret_cast<uint8_t*>(const_cast<char*>(copy.data()));
      out->value.v_binary.data_len = static_cast<uint32_t>(copy.size());
      return true;
    }
    case PyValue::Type::kDecimal: {
      std::string text(value.s);
      out->value_type = BSON_TYPE_DECIMAL128;
      return bson_decimal128_from_string(text.c_str(), &out->value.v_decimal128);
    }
    case PyValue::Type::kDateTime:
    case PyValue::Type::kDate: {
      int64_t days = civil::DaysFromCivil(value.year, value.month, value.day);
      int64_t seconds = days * 86400 + value.hour * 3600 + value.minute * 60 + value.second;
      if (value.aware) seconds -= static_cast<int64_t>(value.utc_offset_minutes) * 60;
      out->value_type = BSON_TYPE_DATE_TIME;
      out->value.v_datetime = seconds * 1000 + value.microsecond / 1000;
      return true;
    }
    case PyValue::Type::kUuid: {
      uint8_t* data = static_cast<uint8_t*>(arena->Allocate(16, 1));
      std::memcpy(data, value.bytes, 16);
      out->value_type = BSON_TYPE_BINARY;
      out->value.v_binary.subtype = BSON_SUBTYPE_UUID;
      out->value.v_binary.data = data;
      out->value.v_binary.data_len = 16;
      return true;
    }
    case PyValue::Type::kObjectId:
      out->value_type = BSON_TYPE_OID;
      std::memcpy(out->value.v_oid.bytes, value.bytes, 12);
      return true;
    case PyValue::Type::kList:
    case PyValue::Type::kTuple: {
      std::span<bson_value_t> items = arena->NewArray<bson_value_t>(value.items.size());
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (!NaturalBson(value.items[i], arena, &items[i])) return false;
      }
      SetArray(items, arena, out);
      return true;
    }
    default:
      return false;  // time, timedelta and dict have no natural BSON form in PyMongo
  }
}

bool CoerceToField(const PyValue& value, const schema::Field& field, const CoerceOptions& options,
                   Arena* arena, bson_value_t* out, CoerceError* error) {
  std::memset(out, 0, sizeof *out);
  using namespace coerce_internal;  // NOLINT: the family functions
  // By the Python type Django's to_python() gives the class (the schema's field class table).
  switch (schema::FieldTypeOf(field.cls).value) {
    case ValueKind::kInteger:
      return CoerceInteger(value, field, options, out, error);
    case ValueKind::kFloat:
      return CoerceFloat(value, field, out, error);
    case ValueKind::kDecimal:
      return CoerceDecimal(value, field, arena, out, error);
    case ValueKind::kString:
      return CoerceString(value, field, arena, out, error);
    case ValueKind::kBoolean:
      return CoerceBoolean(value, field, out, error);
    case ValueKind::kDate:
      return CoerceDate(value, field, options.time_zone, out, error);
    case ValueKind::kDateTime:
      return CoerceDateTime(value, field, options.time_zone, out, error);
    case ValueKind::kTime:
      return CoerceTime(value, field, out, error);
    case ValueKind::kDuration:
      return CoerceDuration(value, field, out, error);
    case ValueKind::kUuid:
      return CoerceUuid(value, field, arena, out, error);
    case ValueKind::kObjectId:
      return CoerceObjectId(value, field, out, error);
    case ValueKind::kBinary:
      return CoerceBinary(value, field, arena, out, error);
    case ValueKind::kList:
      return CoerceArray(value, field, options, arena, out, error);
    case ValueKind::kJson:
      if (NaturalBson(value, arena, out)) return true;
      *error = {Category::kValidationError, "value.not_json",
                std::format("Object of type {} is not JSON serializable", PyTypeName(value.type))};
      return false;
    case ValueKind::kModel:
      // django-mongodb-backend's EMFExact: "An EmbeddedModelField must be queried using a model
      // instance"; query text has no model instances, so compare the sub-fields instead.
      *error = {Category::kValidationError, "value.embedded_model",
                std::format("An {} must be queried using a model instance, got {}; compare its "
                            "fields instead ({}__<field>=...).",
                            field.class_name, PyTypeName(value.type), field.name)};
      return false;
  }
  return false;
}

}  // namespace querysafe::analyze
