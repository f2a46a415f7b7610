#include "lib/schema/bson_equivalent.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "lib/schema/decimal128.h"

namespace querysafe::schema {
namespace {

bool IsInteger(bson_type_t t) { return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64; }

bool NumbersEqual(const bson_iter_t& a, const bson_iter_t& b) {
  const bson_type_t ta = bson_iter_type(&a);
  const bson_type_t tb = bson_iter_type(&b);
  if (IsInteger(ta) && IsInteger(tb)) return bson_iter_as_int64(&a) == bson_iter_as_int64(&b);
  if (ta == BSON_TYPE_DOUBLE && tb == BSON_TYPE_DOUBLE) {
    return bson_iter_double(&a) == bson_iter_double(&b);
  }
  if (IsInteger(ta) || IsInteger(tb)) {
    const bson_iter_t& i = IsInteger(ta) ? a : b;
    const bson_iter_t& d = IsInteger(ta) ? b : a;
    double value = bson_iter_double(&d);
    int64_t n = bson_iter_as_int64(&i);
    return std::trunc(value) == value && value == static_cast<double>(n) &&
           static_cast<int64_t>(value) == n;
  }
  return false;
}

bool Recurse(const bson_iter_t& a, const bson_iter_t& b, bool ordered) {
  uint32_t la = 0, lb = 0;
  const uint8_t* da = nullptr;
  const uint8_t* db = nullptr;
  if (ordered) {
    bson_iter_array(&a, &la, &da);
    bson_iter_array(&b, &lb, &db);
  } else {
    bson_iter_document(&a, &la, &da);
    bson_iter_document(&b, &lb, &db);
  }
  bson_t doc_a, doc_b;
  if (!bson_init_static(&doc_a, da, la) || !bson_init_static(&doc_b, db, lb)) return false;
  if (!ordered) return BsonDocsEquivalent(&doc_a, &doc_b);
  bson_iter_t ia, ib;
  bson_iter_init(&ia, &doc_a);
  bson_iter_init(&ib, &doc_b);
  while (true) {
    bool na = bson_iter_next(&ia);
    bool nb = bson_iter_next(&ib);
    if (na != nb) return false;
    if (!na) return true;
    if (!BsonValuesEquivalent(ia, ib)) return false;
  }
}

}  // namespace

bool BsonValuesEquivalent(const bson_iter_t& a, const bson_iter_t& b) {
  const bson_type_t ta = bson_iter_type(&a);
  const bson_type_t tb = bson_iter_type(&b);
  const bool na = IsInteger(ta) || ta == BSON_TYPE_DOUBLE;
  const bool nb = IsInteger(tb) || tb == BSON_TYPE_DOUBLE;
  if (na && nb) return NumbersEqual(a, b);
  if (ta != tb) return false;
  switch (ta) {
    case BSON_TYPE_UTF8: {
      uint32_t la = 0, lb = 0;
      const char* sa = bson_iter_utf8(&a, &la);
      const char* sb = bson_iter_utf8(&b, &lb);
      return la == lb && std::memcmp(sa, sb, la) == 0;
    }
    case BSON_TYPE_BOOL:
      return bson_iter_bool(&a) == bson_iter_bool(&b);
    case BSON_TYPE_NULL:
      return true;
    case BSON_TYPE_DATE_TIME:
      return bson_iter_date_time(&a) == bson_iter_date_time(&b);
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t va, vb;
      bson_iter_decimal128(&a, &va);
      bson_iter_decimal128(&b, &vb);
      Decimal da = DecodeDecimal(va);
      Decimal db = DecodeDecimal(vb);
      if (da.nan || db.nan) return da.nan && db.nan;
      return CompareDecimal(da, db) == 0;
    }
    case BSON_TYPE_DOCUMENT:
      return Recurse(a, b, false);
    case BSON_TYPE_ARRAY:
      return Recurse(a, b, true);
    default: {
      // Binary, ObjectId and the rest: byte equality of the value.
      bson_iter_t ca = a;
      bson_iter_t cb = b;
      const bson_value_t* va = bson_iter_value(&ca);
      const bson_value_t* vb = bson_iter_value(&cb);
      if (ta == BSON_TYPE_BINARY) {
        return va->value.v_binary.subtype == vb->value.v_binary.subtype &&
               va->value.v_binary.data_len == vb->value.v_binary.data_len &&
               std::memcmp(va->value.v_binary.data, vb->value.v_binary.data,
                           va->value.v_binary.data_len) == 0;
      }
      if (ta == BSON_TYPE_OID) return bson_oid_equal(&va->value.v_oid, &vb->value.v_oid);
      return false;
    }
  }
}

bool BsonDocsEquivalent(const bson_t* a, const bson_t* b) {
  if (bson_count_keys(a) != bson_count_keys(b)) return false;
  bson_iter_t ia;
  bson_iter_init(&ia, a);
  while (bson_iter_next(&ia)) {
    bson_iter_t ib;
    if (!bson_iter_init_find(&ib, b, bson_iter_key(&ia))) return false;
    if (!BsonValuesEquivalent(ia, ib)) return false;
  }
  return true;
}

}  // namespace querysafe::schema
