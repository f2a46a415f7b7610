#ifndef QUERYSAFE_LIB_COMMON_BSON_ARRAY_H_
#define QUERYSAFE_LIB_COMMON_BSON_ARRAY_H_

#include <bson/bson.h>

namespace querysafe {

// Begins an array element whose keys ("0", "1", ...) the caller writes. libbson 2.3 deprecates
// bson_append_array_begin for bson_append_array_unsafe_begin, the same function under a name that
// says the keys are unchecked (mongo-c-driver's NEWS for 2.3.0); libbson 1.30 has only the old
// name. Both generations build with -Werror through this one place.
inline bool AppendArrayBegin(bson_t* parent, const char* key, int key_length, bson_t* child) {
#if BSON_CHECK_VERSION(2, 3, 0)
  return bson_append_array_unsafe_begin(parent, key, key_length, child);
#else
  return bson_append_array_begin(parent, key, key_length, child);
#endif
}

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_BSON_ARRAY_H_
