// MongoDB's name for each BSON type: the $type / bsonType aliases ("double", "string", "objectId",
// "int", "long", "decimal"...), the words the server's messages and encryptedFields use. The one
// table of them; schema::BsonTypeName (the bsonType of an encrypted field), the analyzer's and
// crypt's messages all read it.
#ifndef QUERYSAFE_LIB_COMMON_BSON_TYPE_NAME_H_
#define QUERYSAFE_LIB_COMMON_BSON_TYPE_NAME_H_

#include <bson/bson.h>

#include <string_view>

namespace querysafe {

// The alias of `type` (BSON_TYPE_EOD, which no value has, is "missing"; a byte that is no BSON
// type, "unknown").
std::string_view BsonTypeName(bson_type_t type);

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_BSON_TYPE_NAME_H_
