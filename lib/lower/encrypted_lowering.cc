// Encrypted predicates, one shape per QE index type (MongoDB's FLE rewrite has one
// EncryptedPredicate class per index type; these are their client-side counterparts). Each
// encrypted value becomes an EncryptionRequest and a placeholder where the server expects the
// payload:
//   equality: {path: {$eq: P}}, {path: {$in: [P1, P2]}} (each value its own payload);
//   range:    one-sided {path: {$gt: P}}; two-sided {$and: [{path: {$gte: P}}, {path: {$lt: S}}]}
//             with the payload P and its stub S made together (one request); equality on a
//             range field is the closed range [v, v], and `in` an $or of such ranges;
//   text:     aggregation expressions only: {$expr: {$encStrStartsWith: {input, prefix: P}}}.

#include <string>

#include "lib/lower/lowering.h"
#include "lib/lower/text_options.h"

namespace querysafe::lower {

using bound::LookupKind;
using schema::QueryType;

namespace {

Algorithm AlgorithmFor(QueryType t) {
  switch (t) {
    case QueryType::kEquality:
      return Algorithm::kIndexed;
    case QueryType::kRange:
      return Algorithm::kRange;
    default:
      return schema::IsTextPreview(t) ? Algorithm::kTextPreview : Algorithm::kString;
  }
}

// The request for a value of `field`, with the options of `index` (null: unindexed storage).
EncryptionRequest MakeRequest(const bound::FieldRef& field, const schema::QuerySpec* index,
                              bool is_query, Span span) {
  EncryptionRequest r;
  r.is_query = is_query;
  r.path = std::string(bound::ServerPath(field));
  r.bson_type = field.encrypted->bson_type;
  r.key = field.encrypted->key;
  r.span = span;
  if (index == nullptr) {
    r.algorithm = Algorithm::kUnindexed;
    return r;
  }
  r.algorithm = AlgorithmFor(index->type);
  r.query_type = std::string(schema::QueryTypeName(index->type));
  r.contention = index->effective_contention;
  if (index->type == QueryType::kRange) {
    bson_t* o = r.range_options.get();
    if (index->has_bounds()) {
      bson_value_t min = index->min(), max = index->max();
      bson_append_value(o, "min", 3, &min);
      bson_append_value(o, "max", 3, &max);
    }
    BSON_APPEND_INT64(o, "sparsity", index->effective_sparsity);
    BSON_APPEND_INT32(o, "trimFactor", index->effective_trim_factor);
    if (index->precision) BSON_APPEND_INT32(o, "precision", *index->precision);
  } else if (IsText(r.algorithm)) {
    // A find carries the one index it queries; a stored value every text index of the field
    // (prefix with suffix), so that each can find it.
    absl::InlinedVector<const schema::QuerySpec*, 2> indexes;
    if (is_query) {
      indexes.push_back(index);
    } else {
      for (const schema::QuerySpec& q : *field.encrypted->queries) indexes.push_back(&q);
    }
    AppendTextOptions(indexes, r.text_options.get());
  }
  return r;
}

// {"$encrypt": {...}}: what translate shows and explain replaces. Everything the payload will
// be made from is in it, so a reader can check it against the collection's encryptedFields.
void WritePlaceholder(BsonWriter& w, BsonKey key, const EncryptionRequest& r, std::string_view role,
                      const bson_value_t* value, std::string_view op = {}) {
  w.BeginDocument(key);
  w.BeginDocument("$encrypt");
  w.AppendInt32("id", static_cast<int32_t>(r.id));
  w.AppendUtf8("role", role);
  w.AppendUtf8("path", r.path);
  w.AppendUtf8("algorithm", AlgorithmName(r.algorithm));
  if (!r.query_type.empty() && r.is_query) w.AppendUtf8("queryType", r.query_type);
  if (r.algorithm != Algorithm::kUnindexed) w.AppendInt64("contention", r.contention);
  w.AppendUtf8("bsonType", schema::BsonTypeName(r.bson_type));
  if (r.key.key_id) {
    w.AppendBinary("keyId", BSON_SUBTYPE_UUID, r.key.key_id->data(), 16);
  } else {
    w.AppendUtf8("keyAltName", r.key.key_alt_name);
  }
  if (!op.empty()) w.AppendUtf8("operator", op);
  if (value != nullptr) w.AppendValue("value", *value);
  // The range options go with the full payload: under "lower" when there is a lower bound,
  // else under "upper" (the stub of a two-sided range needs none).
  const bool full_payload = role != "upper" || !bson_has_field(r.operands.get(), "lower");
  if (!r.range_options.empty() && full_payload) {
    bson_iter_t it;
    if (bson_iter_init(&it, r.range_options.get())) {
      while (bson_iter_next(&it)) {
        w.AppendValue(std::string_view(bson_iter_key(&it), bson_iter_key_len(&it)),
                      *bson_iter_value(&it));
      }
    }
  }
  if (!r.text_options.empty()) w.AppendDocument("textOptions", r.text_options.get());
  w.EndDocument();
  w.EndDocument();
}

}  // namespace

namespace {

// Appends {path: {op: placeholder}}.
void WritePlaceholderComparison(BsonWriter& w, std::string_view path, const EncryptionRequest& r,
                                std::string_view role, RangeOperator op,
                                const bson_value_t& value) {
  w.BeginDocument(path);
  WritePlaceholder(w, RangeOperatorName(op), r, role, &value, RangeOperatorName(op));
  w.EndDocument();
}

}  // namespace

// A range request over [lower, upper] (either may be absent), written as the server expects:
// one-sided bare, two-sided inside one $and.
static void WriteRangeRequest(Lowering& lowering, BsonWriter& w, const bound::FieldRef& field,
                              const schema::QuerySpec& index, const bson_value_t* lower,
                              RangeOperator lower_op, const bson_value_t* upper,
                              RangeOperator upper_op, Span span) {
  EncryptionRequest r = MakeRequest(field, &index, true, span);
  r.id = static_cast<uint32_t>(lowering.out().encryptions.size());
  r.lower_operator = lower_op;
  r.upper_operator = upper_op;
  if (lower != nullptr) bson_append_value(r.operands.get(), "lower", 5, lower);
  if (upper != nullptr) bson_append_value(r.operands.get(), "upper", 5, upper);
  const std::string path = r.path;
  if (lower != nullptr && upper != nullptr) {
    ArrayWriter both(w, "$and");
    both.BeginDocument();
    WritePlaceholderComparison(w, path, r, "lower", lower_op, *lower);
    both.EndDocument();
    both.BeginDocument();
    WritePlaceholderComparison(w, path, r, "upper", upper_op, *upper);
    both.EndDocument();
  } else if (lower != nullptr) {
    WritePlaceholderComparison(w, path, r, "lower", lower_op, *lower);
  } else if (upper != nullptr) {
    WritePlaceholderComparison(w, path, r, "upper", upper_op, *upper);
  }
  lowering.out().encryptions.push_back(std::move(r));
}

void Lowering::WriteEncryptedClause(BsonWriter& w, const bound::Predicate& p) {
  const schema::QuerySpec& index = *p.qe_index;
  const std::string_view path = bound::ServerPath(p.lhs);
  const absl::InlinedVector<bson_value_t, 4> values = AllValues(p);

  auto new_request = [&]() -> EncryptionRequest {
    EncryptionRequest r = MakeRequest(p.lhs, &index, true, p.span);
    r.id = static_cast<uint32_t>(out().encryptions.size());
    return r;
  };

  if (index.type == QueryType::kEquality) {
    w.BeginDocument(path);
    if (p.lookup == LookupKind::kIn) {
      ArrayWriter list(w, "$in");
      for (const bson_value_t& v : values) {
        EncryptionRequest r = new_request();
        bson_append_value(r.operands.get(), "v", 1, &v);
        WritePlaceholder(w, list.NextKey(), r, "value", &v);
        out().encryptions.push_back(std::move(r));
      }
    } else {
      EncryptionRequest r = new_request();
      bson_append_value(r.operands.get(), "v", 1, &values[0]);
      WritePlaceholder(w, "$eq", r, "value", &values[0]);
      out().encryptions.push_back(std::move(r));
    }
    w.EndDocument();
    return;
  }

  if (index.type == QueryType::kRange) {
    switch (p.lookup) {
      case LookupKind::kExact:
        WriteRangeRequest(*this, w, p.lhs, index, &values[0], RangeOperator::kGte, &values[0],
                          RangeOperator::kLte, p.span);
        return;
      case LookupKind::kIn: {
        ArrayWriter any(w, "$or");
        for (const bson_value_t& v : values) {
          any.BeginDocument();
          WriteRangeRequest(*this, w, p.lhs, index, &v, RangeOperator::kGte, &v,
                            RangeOperator::kLte, p.span);
          any.EndDocument();
        }
        return;
      }
      case LookupKind::kGt:
      case LookupKind::kGte:
        WriteRangeRequest(*this, w, p.lhs, index, &values[0],
                          p.lookup == LookupKind::kGt ? RangeOperator::kGt : RangeOperator::kGte,
                          nullptr, RangeOperator::kLte, p.span);
        return;
      case LookupKind::kLt:
      case LookupKind::kLte:
        WriteRangeRequest(*this, w, p.lhs, index, nullptr, RangeOperator::kGte, &values[0],
                          p.lookup == LookupKind::kLt ? RangeOperator::kLt : RangeOperator::kLte,
                          p.span);
        return;
      case LookupKind::kRange: {
        const bson_value_t* lower = nullptr;
        const bson_value_t* upper = nullptr;
        if (values.size() > 0 && values[0].value_type != BSON_TYPE_EOD) lower = &values[0];
        if (values.size() > 1 && values[1].value_type != BSON_TYPE_EOD) upper = &values[1];
        WriteRangeRequest(*this, w, p.lhs, index, lower, RangeOperator::kGte, upper,
                          RangeOperator::kLte, p.span);
        return;
      }
      default:  // the QE rule (qe_lookup_allowed.cc) lets no other lookup reach a range index
        return;
    }
  }

  // Text previews: aggregation expressions, inside $expr.
  BsonKey op = "$encStrNormalizedEq";
  BsonKey operand = "string";
  switch (bound::LookupOf(p.lookup).qe_query) {
    case bound::QeQuery::kPrefix:
      op = "$encStrStartsWith", operand = "prefix";
      break;
    case bound::QeQuery::kSuffix:
      op = "$encStrEndsWith", operand = "suffix";
      break;
    case bound::QeQuery::kSubstring:
      op = "$encStrContains", operand = "substring";
      break;
    case bound::QeQuery::kText:  // iexact: $encStrNormalizedEq
    case bound::QeQuery::kNone:
    case bound::QeQuery::kEquality:
    case bound::QeQuery::kRange:
      break;
  }
  EncryptionRequest r = new_request();
  if (op.view() == "$encStrNormalizedEq") {
    // A normalized equality is the exact-match token set: the field's own text blocks with a
    // query type it does not index (text_options.h says why; libmongocrypt's bindings/python
    // test vector fle2-text-search is such a find).
    absl::InlinedVector<const schema::QuerySpec*, 2> indexes;
    for (const schema::QuerySpec& q : *p.lhs.encrypted->queries) indexes.push_back(&q);
    r.text_options = BsonDoc();
    AppendTextOptions(indexes, r.text_options.get());
    r.query_type = std::string(schema::QueryTypeName(ExactMatchQueryType(indexes)));
  }
  bson_append_value(r.operands.get(), "v", 1, &values[0]);
  w.BeginDocument("$expr");
  w.BeginDocument(op);
  AppendFieldRef(w, "input", path);
  WritePlaceholder(w, operand, r, "value", &values[0]);
  w.EndDocument();
  w.EndDocument();
  out().encryptions.push_back(std::move(r));
}

void Lowering::WriteEncryptedRange(BsonWriter& w, const bound::Predicate& lower,
                                   const bound::Predicate& upper) {
  const absl::InlinedVector<bson_value_t, 4> lo = AllValues(lower), hi = AllValues(upper);
  WriteRangeRequest(
      *this, w, lower.lhs, *lower.qe_index, &lo[0],
      lower.lookup == LookupKind::kGt ? RangeOperator::kGt : RangeOperator::kGte, &hi[0],
      upper.lookup == LookupKind::kLt ? RangeOperator::kLt : RangeOperator::kLte, lower.span);
}

void Lowering::WriteStoredValue(BsonWriter& w, BsonKey key, const bound::FieldRef& field,
                                const bson_value_t& value, Span span) {
  // A stored value is encrypted with the field's own index (equality, range or text), or
  // unindexed when the field declares no queries.
  const schema::QuerySpec* index = nullptr;
  if (field.encrypted->queryable()) index = &field.encrypted->queries->front();
  EncryptionRequest r = MakeRequest(field, index, false, span);
  r.id = static_cast<uint32_t>(out().encryptions.size());
  bson_append_value(r.operands.get(), "v", 1, &value);
  WritePlaceholder(w, key, r, "value", &value);
  out().encryptions.push_back(std::move(r));
}

}  // namespace querysafe::lower
