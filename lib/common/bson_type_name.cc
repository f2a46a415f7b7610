#include "lib/common/bson_type_name.h"

#include <array>

namespace querysafe {
namespace {

struct Entry {
  bson_type_t type;
  std::string_view name;
};

// MongoDB's $type aliases (the server's typeAlias table, "BSON Types" in MongoDB's manual), in
// type order.
constexpr std::array<Entry, 21> kNames = {{
    {BSON_TYPE_DOUBLE, "double"},
    {BSON_TYPE_UTF8, "string"},
    {BSON_TYPE_DOCUMENT, "object"},
    {BSON_TYPE_ARRAY, "array"},
    {BSON_TYPE_BINARY, "binData"},
    {BSON_TYPE_UNDEFINED, "undefined"},
    {BSON_TYPE_OID, "objectId"},
    {BSON_TYPE_BOOL, "bool"},
    {BSON_TYPE_DATE_TIME, "date"},
    {BSON_TYPE_NULL, "null"},
    {BSON_TYPE_REGEX, "regex"},
    {BSON_TYPE_DBPOINTER, "dbPointer"},
    {BSON_TYPE_CODE, "javascript"},
    {BSON_TYPE_SYMBOL, "symbol"},
    {BSON_TYPE_CODEWSCOPE, "javascriptWithScope"},
    {BSON_TYPE_INT32, "int"},
    {BSON_TYPE_TIMESTAMP, "timestamp"},
    {BSON_TYPE_INT64, "long"},
    {BSON_TYPE_DECIMAL128, "decimal"},
    {BSON_TYPE_MINKEY, "minKey"},
    {BSON_TYPE_MAXKEY, "maxKey"},
}};

}  // namespace

std::string_view BsonTypeName(bson_type_t type) {
  if (type == BSON_TYPE_EOD) return "missing";
  for (const Entry& e : kNames) {
    if (e.type == type) return e.name;
  }
  return "unknown";
}

}  // namespace querysafe
