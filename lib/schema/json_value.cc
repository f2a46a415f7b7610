#include "lib/schema/json_value.h"

#include <cmath>
#include <cstring>

namespace querysafe::schema {

std::string_view JsonTypeName(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_UTF8:
      return "string";
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
      return "number";
    case BSON_TYPE_DOCUMENT:
      return "object";
    case BSON_TYPE_ARRAY:
      return "array";
    case BSON_TYPE_BOOL:
      return "boolean";
    case BSON_TYPE_NULL:
      return "null";
    case BSON_TYPE_DATE_TIME:
      return "date";
    case BSON_TYPE_DECIMAL128:
      return "decimal";
    case BSON_TYPE_BINARY:
      return "binData";
    case BSON_TYPE_OID:
      return "objectId";
    case BSON_TYPE_REGEX:
      return "regex";
    case BSON_TYPE_TIMESTAMP:
      return "timestamp";
    default:
      return "Extended JSON value";
  }
}

std::optional<std::string_view> IterName(const bson_iter_t& it) {
  if (!BSON_ITER_HOLDS_UTF8(&it)) return std::nullopt;
  uint32_t length = 0;
  const char* s = bson_iter_utf8(&it, &length);
  std::string_view view(s, length);
  if (view.find('\0') != std::string_view::npos) return std::nullopt;
  return view;
}

std::optional<int64_t> IterInteger(const bson_iter_t& it) {
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_INT32:
      return bson_iter_int32(&it);
    case BSON_TYPE_INT64:
      return bson_iter_int64(&it);
    case BSON_TYPE_DOUBLE: {
      double d = bson_iter_double(&it);
      // [-2^63, 2^63): the doubles that convert to int64 exactly when integral.
      if (std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
          d < 9223372036854775808.0) {
        return static_cast<int64_t>(d);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace querysafe::schema
