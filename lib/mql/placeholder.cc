#include "lib/mql/placeholder.h"

#include <cfloat>
#include <cstring>
#include <span>

#include "absl/container/inlined_vector.h"
#include "lib/common/bson_util.h"
#include "lib/common/bson_writer.h"

namespace querysafe::mql {
namespace {

// The declared precision and trimFactor travel with the value; absent, libmongocrypt and the
// server apply the same defaults (no precision; trimFactor min(6, bits - 1)).
void AppendRangeOptions(BsonWriter& w, const schema::QuerySpec& index) {
  if (index.precision) w.AppendInt32("precision", *index.precision);
  if (index.trim_factor) w.AppendInt32("trimFactor", *index.trim_factor);
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

void AppendRangeFind(BsonWriter& w, const schema::QuerySpec& index, const RangeFind& range) {
  if (!range.stub) {
    bson_value_t min, max;
    IndexEnds(index, (range.lower != nullptr ? range.lower : range.upper)->value_type, &min, &max);
    w.BeginDocument("edgesInfo");
    w.AppendValue("lowerBound", range.lower != nullptr ? *range.lower : min);
    w.AppendBool("lbIncluded", range.lower == nullptr || range.lower_included);
    w.AppendValue("upperBound", range.upper != nullptr ? *range.upper : max);
    w.AppendBool("ubIncluded", range.upper == nullptr || range.upper_included);
    AppendRangeOptions(w, index);
    w.AppendValue("indexMin", min);
    w.AppendValue("indexMax", max);
    w.EndDocument();
  }
  w.AppendInt32("payloadId", range.payload_id);
  w.AppendInt32("firstOperator", static_cast<int32_t>(range.first));
  if (range.second != RangeOperator::kNone) {
    w.AppendInt32("secondOperator", static_cast<int32_t>(range.second));
  }
}

}  // namespace

// The placeholder document is written with BsonWriter (lib/common/bson_writer.h says why): with
// libbson's appends it was a third of a whole analysis (callgrind, a find with one equality and
// one range predicate: ~15,000 of ~50,000 instructions, 37 appends of 300-560 each).
void AppendPlaceholder(bson_t* out, std::string_view key, PlaceholderType type, Algorithm algorithm,
                       const std::array<uint8_t, 16>& key_id, const schema::QuerySpec* index,
                       const bson_value_t* value, const RangeFind* range) {
  BsonWriter w;
  w.AppendInt32("t", static_cast<int32_t>(type));
  w.AppendInt32("a", static_cast<int32_t>(algorithm));
  w.AppendBinary("ki", BSON_SUBTYPE_UUID, key_id.data(), 16);
  w.AppendBinary("ku", BSON_SUBTYPE_UUID, key_id.data(), 16);
  if (algorithm == Algorithm::kRange && index != nullptr) {
    w.BeginDocument("v");
    if (type == PlaceholderType::kFind && range != nullptr) {
      AppendRangeFind(w, *index, *range);
    } else {
      w.AppendValue("v", *value);
      bson_value_t min, max;
      IndexEnds(*index, value->value_type, &min, &max);
      w.AppendValue("min", min);
      w.AppendValue("max", max);
      AppendRangeOptions(w, *index);
    }
    w.EndDocument();
  } else {
    w.AppendValue("v", *value);
  }
  // An unindexed field has no contention; the server sends 0 (qe_keyAltName's reply).
  w.AppendInt64("cm", index != nullptr ? index->effective_contention : 0);
  if (algorithm == Algorithm::kRange && index != nullptr) {
    w.AppendInt64("s", index->effective_sparsity);
  }
  const std::span<const uint8_t> doc = w.Close();
  // The binary is the subtype byte, then the document: on the stack unless it is large.
  absl::InlinedVector<uint8_t, 1 + BsonWriter::kInlineBytes> bytes(1 + doc.size());
  bytes[0] = 3;  // MC_SUBTYPE_FLE2EncryptionPlaceholder
  std::memcpy(bytes.data() + 1, doc.data(), doc.size());
  bson_append_binary(out, key.data(), static_cast<int>(key.size()), BSON_SUBTYPE_ENCRYPTED,
                     bytes.data(), static_cast<uint32_t>(bytes.size()));
}

}  // namespace querysafe::mql
