#include "lib/mql/placeholder.h"

#include <cfloat>
#include <vector>

#include "lib/common/bson_util.h"

namespace querysafe::mql {
namespace {

void AppendUuid(bson_t* doc, const char* key, const std::array<uint8_t, 16>& id) {
  bson_append_binary(doc, key, -1, BSON_SUBTYPE_UUID, id.data(), 16);
}

// The declared precision and trimFactor travel with the value; absent, libmongocrypt and the
// server apply the same defaults (no precision; trimFactor min(6, bits - 1)).
void AppendRangeOptions(bson_t* doc, const schema::QuerySpec& index) {
  if (index.precision) BSON_APPEND_INT32(doc, "precision", *index.precision);
  if (index.trim_factor) BSON_APPEND_INT32(doc, "trimFactor", *index.trim_factor);
}

// The ends of a range index: its bounds, or for a double or decimal index declared without them
// the ends libmongocrypt itself uses for one (mc-rangeopts.c, mc_RangeOpts_appendMin/Max:
// -DBL_MAX and DBL_MAX, the largest negative and positive Decimal128).
void IndexEnds(const schema::QuerySpec& index, bson_type_t type, bson_value_t* min,
               bson_value_t* max) {
  if (index.has_bounds()) {
    *min = index.min();
    *max = index.max();
    return;
  }
  if (type == BSON_TYPE_DECIMAL128) {
    min->value_type = max->value_type = BSON_TYPE_DECIMAL128;
    bson_decimal128_from_string("-9.999999999999999999999999999999999E+6144",
                                &min->value.v_decimal128);
    bson_decimal128_from_string("9.999999999999999999999999999999999E+6144",
                                &max->value.v_decimal128);
    return;
  }
  min->value_type = max->value_type = BSON_TYPE_DOUBLE;
  min->value.v_double = -DBL_MAX;
  max->value.v_double = DBL_MAX;
}

void AppendRangeFind(bson_t* v, const schema::QuerySpec& index, const RangeFind& range) {
  if (!range.stub) {
    bson_value_t min, max;
    IndexEnds(index, (range.lower != nullptr ? range.lower : range.upper)->value_type, &min, &max);
    bson_t edges;
    BSON_APPEND_DOCUMENT_BEGIN(v, "edgesInfo", &edges);
    BSON_APPEND_VALUE(&edges, "lowerBound", range.lower != nullptr ? range.lower : &min);
    BSON_APPEND_BOOL(&edges, "lbIncluded", range.lower == nullptr || range.lower_included);
    BSON_APPEND_VALUE(&edges, "upperBound", range.upper != nullptr ? range.upper : &max);
    BSON_APPEND_BOOL(&edges, "ubIncluded", range.upper == nullptr || range.upper_included);
    AppendRangeOptions(&edges, index);
    BSON_APPEND_VALUE(&edges, "indexMin", &min);
    BSON_APPEND_VALUE(&edges, "indexMax", &max);
    bson_append_document_end(v, &edges);
  }
  BSON_APPEND_INT32(v, "payloadId", range.payload_id);
  BSON_APPEND_INT32(v, "firstOperator", static_cast<int32_t>(range.first));
  if (range.second != RangeOperator::kNone) {
    BSON_APPEND_INT32(v, "secondOperator", static_cast<int32_t>(range.second));
  }
}

}  // namespace

void AppendPlaceholder(bson_t* out, std::string_view key, PlaceholderType type, Algorithm algorithm,
                       const std::array<uint8_t, 16>& key_id, const schema::QuerySpec* index,
                       const bson_value_t* value, const RangeFind* range) {
  BsonDoc doc;
  BSON_APPEND_INT32(doc.get(), "t", static_cast<int32_t>(type));
  BSON_APPEND_INT32(doc.get(), "a", static_cast<int32_t>(algorithm));
  AppendUuid(doc.get(), "ki", key_id);
  AppendUuid(doc.get(), "ku", key_id);
  if (algorithm == Algorithm::kRange && index != nullptr) {
    bson_t v;
    BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "v", &v);
    if (type == PlaceholderType::kFind && range != nullptr) {
      AppendRangeFind(&v, *index, *range);
    } else {
      BSON_APPEND_VALUE(&v, "v", value);
      bson_value_t min, max;
      IndexEnds(*index, value->value_type, &min, &max);
      BSON_APPEND_VALUE(&v, "min", &min);
      BSON_APPEND_VALUE(&v, "max", &max);
      AppendRangeOptions(&v, *index);
    }
    bson_append_document_end(doc.get(), &v);
  } else {
    BSON_APPEND_VALUE(doc.get(), "v", value);
  }
  // An unindexed field has no contention; the server sends 0 (qe_keyAltName's reply).
  BSON_APPEND_INT64(doc.get(), "cm", index != nullptr ? index->effective_contention : 0);
  if (algorithm == Algorithm::kRange && index != nullptr) {
    BSON_APPEND_INT64(doc.get(), "s", index->effective_sparsity);
  }
  std::vector<uint8_t> bytes(1 + doc.size());
  bytes[0] = 3;  // MC_SUBTYPE_FLE2EncryptionPlaceholder
  std::copy(doc.data(), doc.data() + doc.size(), bytes.begin() + 1);
  bson_append_binary(out, key.data(), static_cast<int>(key.size()), BSON_SUBTYPE_ENCRYPTED,
                     bytes.data(), static_cast<uint32_t>(bytes.size()));
}

}  // namespace querysafe::mql
