// The encrypted leaves of the MQL front end: a value compared with, or stored into, a field of
// the collection's encryptedFields. Each is checked with the QE rules of lib/analyze/rules (the
// operator against the field's index, null, the value's BSON type, the range bounds) and
// replaced by an FLE2 placeholder (placeholder.h):
//   - equality index: the value itself becomes a find placeholder ($eq, $ne, $in, $nin);
//   - range index: comparisons on one field in one object become one find spec (both bounds,
//     edges on the lower one, a stub on the other, sharing a payloadId), and an equality
//     becomes the point range {$gte: v, $lte: v}, as the server's query analysis writes it
//     (libmongocrypt's no-trimFactor vector);
//   - stored values (insert, replacement, $set): an insert placeholder of the field's algorithm.
#include <format>
#include <optional>

#include "lib/analyze/resolve.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "lib/mql/bson_iter.h"
#include "lib/mql/marker.h"
#include "lib/mql/placeholder.h"

namespace querysafe::mql {
namespace {

using bound::LookupKind;

std::string TypeName(bson_type_t type) {
  const std::string_view name = schema::BsonTypeName(static_cast<schema::BsonType>(type));
  return name.empty() ? std::format("0x{:02x}", static_cast<int>(type)) : std::string(name);
}

struct RangeOp {
  std::string_view name;
  LookupKind lookup;
  RangeOperator op;
  bool lower;
  bool exclusive;
};

std::optional<RangeOp> FindRangeOp(std::string_view name) {
  if (name == "$gt") return RangeOp{name, LookupKind::kGt, RangeOperator::kGt, true, true};
  if (name == "$gte") return RangeOp{name, LookupKind::kGte, RangeOperator::kGte, true, false};
  if (name == "$lt") return RangeOp{name, LookupKind::kLt, RangeOperator::kLt, false, true};
  if (name == "$lte") return RangeOp{name, LookupKind::kLte, RangeOperator::kLte, false, false};
  return std::nullopt;
}

}  // namespace

const schema::QuerySpec* Marker::EqualitySpec(const bson_iter_t& it,
                                              const schema::EncryptedPath& path, LookupKind lookup,
                                              const std::string& location) {
  At(location);
  const bound::FieldRef ref = Ref(path, path.path);
  const bson_value_t* value = bson_iter_value(const_cast<bson_iter_t*>(&it));
  if (value->value_type == BSON_TYPE_NULL) {
    analyze::rules::ReportNullEquality(ctx_, ref, lookup == LookupKind::kIn, SpanOf(it));
    return nullptr;
  }
  if (value->value_type == BSON_TYPE_REGEX) {
    analyze::rules::ReportOperatorNotAllowed(ctx_, ref, "$regex", SpanOf(it));
    return nullptr;
  }
  if (static_cast<schema::BsonType>(value->value_type) != path.bson_type) {
    analyze::rules::ReportUnencryptableValue(ctx_, ref, TypeName(value->value_type), SpanOf(it));
    return nullptr;
  }
  if (!path.key.key_id) {
    Unsupported(it, location, "an encrypted field without a keyId");
    return nullptr;
  }
  analyze::Resolved resolved;
  resolved.ref = ref;
  resolved.lookup = lookup;
  const schema::QuerySpec* spec = analyze::rules::CheckEncryptedLookup(ctx_, resolved, SpanOf(it));
  if (spec == nullptr) return nullptr;
  if (spec->type == schema::QueryType::kRange) {
    if (!analyze::rules::CheckRangeValue(ctx_, ref, *spec, *value,
                                         analyze::rules::BoundRole::kPoint, false, SpanOf(it))) {
      return nullptr;
    }
  } else if (spec->type != schema::QueryType::kEquality) {
    Unsupported(it, location, "a text-search query");
    return nullptr;
  }
  return spec;
}

void Marker::AppendPointRange(const bson_iter_t& it, const schema::EncryptedPath& path,
                              const schema::QuerySpec& index, bson_t* ops_out) {
  const bson_value_t* value = bson_iter_value(const_cast<bson_iter_t*>(&it));
  RangeFind find;
  find.lower = value;
  find.upper = value;
  find.payload_id = next_payload_id_++;
  find.first = RangeOperator::kGte;
  find.second = RangeOperator::kLte;
  AppendPlaceholder(ops_out, "$gte", PlaceholderType::kFind, Algorithm::kRange, *path.key.key_id,
                    &index, nullptr, &find);
  find.stub = true;
  AppendPlaceholder(ops_out, "$lte", PlaceholderType::kFind, Algorithm::kRange, *path.key.key_id,
                    &index, nullptr, &find);
  placeholders_ += 2;
}

void Marker::MarkLeaf(const bson_iter_t& it, const schema::EncryptedPath& path,
                      const std::string& location, bson_t* out) {
  const std::string_view key = Key(it);
  bson_t ops;
  if (BSON_ITER_HOLDS_DOCUMENT(&it) && IterChild(&it, &ops)) {
    bson_iter_t first;
    if (bson_iter_init(&first, &ops) && bson_iter_next(&first) && bson_iter_key(&first)[0] == '$') {
      bson_t marked;
      bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &marked);
      MarkOperators(&ops, path, key, location, &marked);
      bson_append_document_end(out, &marked);
      return;
    }
  }
  const schema::QuerySpec* spec = EqualitySpec(it, path, LookupKind::kExact, location);
  if (spec == nullptr) return;
  if (spec->type == schema::QueryType::kEquality) {
    AppendPlaceholder(out, key, PlaceholderType::kFind, Algorithm::kEquality, *path.key.key_id,
                      spec, bson_iter_value(const_cast<bson_iter_t*>(&it)), nullptr);
    ++placeholders_;
    return;
  }
  bson_t range;
  bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &range);
  AppendPointRange(it, path, *spec, &range);
  bson_append_document_end(out, &range);
}

void Marker::MarkOperators(const bson_t* ops, const schema::EncryptedPath& path,
                           std::string_view key, const std::string& location, bson_t* out) {
  // First the range comparisons, which become one find spec together.
  bson_iter_t lower_it, upper_it;
  std::optional<RangeOp> lower, upper;
  bool has_eq = false;
  bool range_ok = true;
  bson_iter_t it;
  bson_iter_init(&it, ops);
  while (bson_iter_next(&it)) {
    const std::string_view name = Key(it);
    if (name == "$eq") has_eq = true;
    const std::optional<RangeOp> op = FindRangeOp(name);
    if (!op) continue;
    std::optional<RangeOp>& slot = op->lower ? lower : upper;
    if (slot) {
      Unsupported(it, Dotted(location, name),
                  std::format("{} together with {} on one encrypted field", slot->name, name));
      range_ok = false;
      continue;
    }
    slot = op;
    (op->lower ? lower_it : upper_it) = it;
  }
  const schema::QuerySpec* range_spec = nullptr;
  for (int side = 0; side < 2; ++side) {
    const std::optional<RangeOp>& op = side == 0 ? lower : upper;
    if (!op) continue;
    const bson_iter_t& at = side == 0 ? lower_it : upper_it;
    const std::string here = Dotted(location, op->name);
    At(here);
    const bound::FieldRef ref = Ref(path, path.path);
    const bson_value_t* value = bson_iter_value(const_cast<bson_iter_t*>(&at));
    if (has_eq) {
      Unsupported(at, here, std::format("$eq together with {} on one encrypted field", op->name));
      range_ok = false;
      continue;
    }
    if (static_cast<schema::BsonType>(value->value_type) != path.bson_type) {
      analyze::rules::ReportUnencryptableValue(ctx_, ref, TypeName(value->value_type), SpanOf(at));
      range_ok = false;
      continue;
    }
    analyze::Resolved resolved;
    resolved.ref = ref;
    resolved.lookup = op->lookup;
    const schema::QuerySpec* spec =
        analyze::rules::CheckEncryptedLookup(ctx_, resolved, SpanOf(at));
    if (spec == nullptr) {
      range_ok = false;
      continue;
    }
    if (!path.key.key_id) {
      Unsupported(at, here, "an encrypted field without a keyId");
      range_ok = false;
      continue;
    }
    if (!analyze::rules::CheckRangeValue(
            ctx_, ref, *spec, *value,
            op->lower ? analyze::rules::BoundRole::kLower : analyze::rules::BoundRole::kUpper,
            op->exclusive, SpanOf(at))) {
      range_ok = false;
      continue;
    }
    range_spec = spec;
  }
  RangeFind find;
  if (range_ok && range_spec != nullptr) {
    find.payload_id = next_payload_id_++;
    if (lower) {
      find.lower = bson_iter_value(&lower_it);
      find.lower_included = !lower->exclusive;
    }
    if (upper) {
      find.upper = bson_iter_value(&upper_it);
      find.upper_included = !upper->exclusive;
    }
    find.first = lower ? lower->op : upper->op;
    find.second = lower && upper ? upper->op : RangeOperator::kNone;
  }

  bson_iter_init(&it, ops);
  while (bson_iter_next(&it)) {
    const std::string_view name = Key(it);
    const std::string here = Dotted(location, name);
    if (const std::optional<RangeOp> op = FindRangeOp(name)) {
      if (!range_ok || range_spec == nullptr) continue;
      RangeFind this_one = find;
      // The lower bound carries the edges (or the only bound does); the other is the stub.
      this_one.stub = lower && !op->lower;
      AppendPlaceholder(out, name, PlaceholderType::kFind, Algorithm::kRange, *path.key.key_id,
                        range_spec, nullptr, &this_one);
      ++placeholders_;
    } else if (name == "$eq" || name == "$ne") {
      const schema::QuerySpec* spec = EqualitySpec(it, path, LookupKind::kExact, here);
      if (spec == nullptr) continue;
      if (spec->type == schema::QueryType::kEquality) {
        AppendPlaceholder(out, name, PlaceholderType::kFind, Algorithm::kEquality, *path.key.key_id,
                          spec, bson_iter_value(&it), nullptr);
        ++placeholders_;
      } else if (name == "$eq") {
        AppendPointRange(it, path, *spec, out);
      } else {
        bson_t negated;
        bson_append_document_begin(out, "$not", 4, &negated);
        AppendPointRange(it, path, *spec, &negated);
        bson_append_document_end(out, &negated);
      }
    } else if (name == "$in" || name == "$nin") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        Unsupported(it, here, std::format("a {} that is not an array", name));
        continue;
      }
      bson_t values;
      querysafe::AppendArrayBegin(out, name.data(), static_cast<int>(name.size()), &values);
      bson_iter_t v;
      bson_iter_recurse(&it, &v);
      while (bson_iter_next(&v)) {
        const std::string at = Dotted(here, Key(v));
        const schema::QuerySpec* spec = EqualitySpec(v, path, LookupKind::kIn, at);
        if (spec == nullptr) continue;
        if (spec->type != schema::QueryType::kEquality) {
          Unsupported(
              v, at, std::format("{} on a range-indexed field (write an $or of equalities)", name));
          continue;
        }
        AppendPlaceholder(&values, Key(v), PlaceholderType::kFind, Algorithm::kEquality,
                          *path.key.key_id, spec, bson_iter_value(&v), nullptr);
        ++placeholders_;
      }
      bson_append_array_end(out, &values);
    } else if (name == "$exists") {
      bson_append_iter(out, name.data(), static_cast<int>(name.size()), &it);
    } else if (name == "$not") {
      bson_t inner;
      if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !IterChild(&it, &inner)) {
        At(here);
        analyze::rules::ReportOperatorNotAllowed(ctx_, Ref(path, key), "$not", SpanOf(it));
        continue;
      }
      bson_t marked;
      bson_append_document_begin(out, "$not", 4, &marked);
      MarkOperators(&inner, path, key, here, &marked);
      bson_append_document_end(out, &marked);
    } else {
      At(here);
      analyze::rules::ReportOperatorNotAllowed(ctx_, Ref(path, key), name, SpanOf(it));
    }
  }
}

void Marker::MarkStoredValue(const bson_iter_t& it, const schema::EncryptedPath& path,
                             const std::string& location, bson_t* out, std::string_view key) {
  At(location);
  const bound::FieldRef ref = Ref(path, path.path);
  const bson_value_t* value = bson_iter_value(const_cast<bson_iter_t*>(&it));
  if (value->value_type == BSON_TYPE_NULL) {
    analyze::rules::ReportEncryptNull(ctx_, SpanOf(it));
    return;
  }
  if (static_cast<schema::BsonType>(value->value_type) != path.bson_type) {
    analyze::rules::ReportUnencryptableValue(ctx_, ref, TypeName(value->value_type), SpanOf(it));
    return;
  }
  if (!path.key.key_id) {
    Unsupported(it, location, "an encrypted field without a keyId");
    return;
  }
  Algorithm algorithm = Algorithm::kUnindexed;
  const schema::QuerySpec* index = nullptr;
  if (path.queryable()) {
    index = &path.queries->front();
    if (index->type == schema::QueryType::kEquality) {
      algorithm = Algorithm::kEquality;
    } else if (index->type == schema::QueryType::kRange) {
      algorithm = Algorithm::kRange;
      if (!analyze::rules::CheckRangeValue(ctx_, ref, *index, *value,
                                           analyze::rules::BoundRole::kPoint, false, SpanOf(it))) {
        return;
      }
    } else {
      Unsupported(it, location, "a value for a text-search field");
      return;
    }
  }
  AppendPlaceholder(out, key, PlaceholderType::kInsert, algorithm, *path.key.key_id, index, value,
                    nullptr);
  ++placeholders_;
}

}  // namespace querysafe::mql
