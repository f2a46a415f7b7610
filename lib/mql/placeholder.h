// FLE2 encryption placeholders: what query analysis puts where libmongocrypt must encrypt a
// value. A placeholder is BSON binary subtype 6 whose first byte is 3
// (MC_SUBTYPE_FLE2EncryptionPlaceholder) followed by a document libmongocrypt parses in
// mc-fle2-encryption-placeholder.c (mc_FLE2EncryptionPlaceholder_parse):
//   t   int32  1 insert (a value to store), 2 find (a value to query with)
//   a   int32  1 unindexed, 2 equality, 3 range
//   ki  UUID   the index key, ku the user key (QE uses the field's keyId for both)
//   v          the value; for a range insert {v, min, max[, precision][, trimFactor]}; for a
//              range find the find spec (mc_FLE2RangeFindSpec_parse): {edgesInfo: {lowerBound,
//              lbIncluded, upperBound, ubIncluded, indexMin, indexMax[, precision]
//              [, trimFactor]}, payloadId, firstOperator[, secondOperator]}
//   cm  int64  the contention factor; s int64 the sparsity (range only)
#ifndef QUERYSAFE_LIB_MQL_PLACEHOLDER_H_
#define QUERYSAFE_LIB_MQL_PLACEHOLDER_H_

#include <bson/bson.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "lib/schema/model.h"

namespace querysafe::mql {

enum class PlaceholderType : int32_t { kInsert = 1, kFind = 2 };
enum class Algorithm : int32_t { kUnindexed = 1, kEquality = 2, kRange = 3 };
// mc_FLE2RangeOperator_t.
enum class RangeOperator : int32_t { kNone = 0, kGt = 1, kGte = 2, kLt = 3, kLte = 4 };

struct RangeFind {
  // Absent bounds are the index's own ends, included.
  const bson_value_t* lower = nullptr;
  bool lower_included = true;
  const bson_value_t* upper = nullptr;
  bool upper_included = true;
  int32_t payload_id = 0;
  RangeOperator first = RangeOperator::kNone;
  RangeOperator second = RangeOperator::kNone;
  // The second placeholder of a two-sided range carries no edges: libmongocrypt makes one
  // payload for the pair (payloadId) and a stub for the other operator.
  bool stub = false;
};

// Appends `key`: <placeholder> to `out`. `value` is the plaintext (equality find, any insert);
// `range` the find spec of a range find. `index` is the field's query spec (null for an
// unindexed insert).
void AppendPlaceholder(bson_t* out, std::string_view key, PlaceholderType type, Algorithm algorithm,
                       const std::array<uint8_t, 16>& key_id, const schema::QuerySpec* index,
                       const bson_value_t* value, const RangeFind* range);

}  // namespace querysafe::mql

#endif  // QUERYSAFE_LIB_MQL_PLACEHOLDER_H_
