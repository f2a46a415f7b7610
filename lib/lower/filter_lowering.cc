// The WHERE walker: bound filters to match documents, lookup by lookup as django-mongodb-backend
// lowers them (its lookups.py and base.py operator tables), path form wherever the right-hand
// side is a constant. Encrypted leaves go to encrypted_lowering.cc; non-constant ones
// (F(), transforms) to expr_lowering.cc.

#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "lib/lower/lowering.h"
#include "lib/lower/regex_escape.h"

namespace querysafe::lower {

using bound::Filter;
using bound::LookupKind;
using schema::FieldClass;

// ---------------------------------------------------------------------------------------------
// Small writers shared by the lowering files.

std::string_view ArrayWriter::LongKey(uint32_t i) {
  const std::to_chars_result r = std::to_chars(key_buf_, key_buf_ + sizeof key_buf_, i);
  return {key_buf_, static_cast<size_t>(r.ptr - key_buf_)};
}

void AppendFieldRef(BsonWriter& w, BsonKey key, std::string_view path) {
  w.AppendUtf8(key, "$", path);
}

std::span<const bson_value_t> Lowering::ValuesOf(const bound::Value& v) const {
  if (v.kind == bound::Value::Kind::kConstant) return {&v.constant, 1};
  return v.param < bindings_.values.size() ? bindings_.values[v.param]
                                           : std::span<const bson_value_t>();
}

absl::InlinedVector<bson_value_t, 4> Lowering::AllValues(const bound::Predicate& p) const {
  absl::InlinedVector<bson_value_t, 4> all;
  ForEachValue(p, [&](const bson_value_t& x) { all.push_back(x); });
  return all;
}

size_t Lowering::FirstTwoValues(const bound::Predicate& p, bson_value_t out[2]) const {
  size_t n = 0;
  for (const bound::Value& v : p.values) {
    for (const bson_value_t& x : ValuesOf(v)) {
      if (n == 2) return n;
      out[n++] = x;
    }
  }
  return n;
}

namespace {

// A predicate the path form cannot say: compared with an expression, transformed, a pattern
// over a field that is not stored as a string, or an exact array comparison.
bool NeedsExpr(const bound::Predicate& p) {
  if (p.expr != nullptr || !p.transforms.empty()) return true;
  if (p.json_key) return false;
  // A UUID is stored as its text (django-mongodb-backend), so it matches in path form too.
  if (bound::IsPatternLookup(p.lookup) && !schema::IsStringClass(p.value_class) &&
      p.value_class != FieldClass::kUUID) {
    return true;
  }
  if (p.value_class == FieldClass::kArray &&
      (p.lookup == LookupKind::kExact || p.lookup == LookupKind::kContainedBy)) {
    return true;
  }
  return false;
}

// {path: {op: value}}
void WriteComparison(BsonWriter& w, BsonKey path, BsonKey op, const bson_value_t& value) {
  w.BeginDocument(path);
  w.AppendValue(op, value);
  w.EndDocument();
}

// The conjuncts of `f` in order, nested ANDs flattened and always-true ones left out. The
// analyzer bounds the depth of the filter tree.
void FlattenAnd(const Filter& f, absl::InlinedVector<const Filter*, 8>* out) {
  for (const Filter* c : f.children) {
    if (c->kind == Filter::Kind::kAnd) {
      FlattenAnd(*c, out);
    } else if (c->kind != Filter::Kind::kTrue) {
      out->push_back(c);
    }
  }
}

// One array element that is itself a clause document.
template <typename Fn>
void ClauseElement(ArrayWriter& array, Fn&& write) {
  array.BeginDocument();
  write();
  array.EndDocument();
}

}  // namespace

bool Lowering::KeepsNullInList(const bound::Predicate& p) const {
  if (!negated_ || p.lookup != LookupKind::kIn) return false;
  const bool nullable = p.lhs.join != nullptr || (p.lhs.field != nullptr && p.lhs.field->null);
  if (!nullable) return false;
  bool has_null = false;
  ForEachValue(
      p, [&](const bson_value_t& v) { has_null = has_null || v.value_type == BSON_TYPE_NULL; });
  return has_null;
}

void Lowering::WriteLeaf(BsonWriter& w, const bound::Predicate& p) {
  if (p.lhs.is_encrypted()) {
    WriteEncryptedClause(w, p);
    return;
  }
  if (NeedsExpr(p)) {
    WritePredicateExpr(w, "$expr", p);
    return;
  }
  const std::string_view path = p.lhs.db_path;
  switch (p.lookup) {
    case LookupKind::kExact:
      w.AppendValue(path, ValuesOf(p.values[0])[0]);
      return;
    case LookupKind::kGt:
    case LookupKind::kGte:
    case LookupKind::kLt:
    case LookupKind::kLte:
      WriteComparison(w, path, bound::LookupOf(p.lookup).mql_operator, ValuesOf(p.values[0])[0]);
      return;
    case LookupKind::kIn:
    case LookupKind::kOverlap:
    case LookupKind::kArrayContains: {
      w.BeginDocument(path);
      {
        ArrayWriter values(
            w, p.lookup == LookupKind::kArrayContains ? BsonKey("$all") : BsonKey("$in"));
        // A null in $in matches null and missing fields: Django's IS NULL.
        const bool keep_null = p.lookup != LookupKind::kIn || KeepsNullInList(p);
        ForEachValue(p, [&](const bson_value_t& v) {
          if (keep_null || v.value_type != BSON_TYPE_NULL) values.Value(v);
        });
      }
      w.EndDocument();
      return;
    }
    case LookupKind::kRange: {
      bson_value_t all[2];
      const size_t n = FirstTwoValues(p, all);
      bson_value_t bounds[2];
      BsonKey ops[2] = {"$gte", "$lte"};
      size_t num_bounds = 0;
      for (size_t i = 0; i < n; ++i) {
        if (all[i].value_type == BSON_TYPE_EOD) continue;
        bounds[num_bounds] = all[i];
        ops[num_bounds++] = i == 0 ? BsonKey("$gte") : BsonKey("$lte");
      }
      if (num_bounds == 1) {
        WriteComparison(w, path, ops[0], bounds[0]);
        return;
      }
      if (num_bounds == 0) return;  // (None, None): everything
      ArrayWriter both(w, "$and");
      for (size_t i = 0; i < num_bounds; ++i) {
        ClauseElement(both, [&] { WriteComparison(w, path, ops[i], bounds[i]); });
      }
      return;
    }
    case LookupKind::kIsNull: {
      // Django's meaning of IS NULL: missing or null; IS NOT NULL: present and not null.
      const bool is_null = ValuesOf(p.values[0])[0].value.v_bool;
      ArrayWriter both(w, is_null ? BsonKey("$or") : BsonKey("$and"));
      ClauseElement(both, [&] {
        w.BeginDocument(path);
        w.AppendBool("$exists", !is_null);
        w.EndDocument();
      });
      ClauseElement(both, [&] {
        if (is_null) {
          w.AppendNull(path);
        } else {
          w.BeginDocument(path);
          w.AppendNull("$ne");
          w.EndDocument();
        }
      });
      return;
    }
    case LookupKind::kContainedBy:
      // Never here: an ArrayField's exact and contained_by are expressions (NeedsExpr).
      WritePredicateExpr(w, "$expr", p);
      return;
    case LookupKind::kIExact:
    case LookupKind::kContains:
    case LookupKind::kIContains:
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
    case LookupKind::kRegex:
    case LookupKind::kIRegex: {
      // The pattern lookups: an anchored, escaped $regex.
      const bson_value_t& v = ValuesOf(p.values[0])[0];
      std::string_view text(v.value.v_utf8.str, v.value.v_utf8.len);
      w.BeginDocument(path);
      w.AppendUtf8("$regex", PatternFor(bound::LookupOf(p.lookup).pattern, text));
      if (bound::IsCaseInsensitiveLookup(p.lookup)) w.AppendUtf8("$options", "i");
      w.EndDocument();
      return;
    }
  }
}

void Lowering::WriteAnd(BsonWriter& w, const Filter& f) {
  // Flatten nested ANDs (filter().filter() and Q(a) & Q(b) are one conjunction), so that two
  // one-sided ranges on one encrypted field can become one two-sided payload, as the server
  // requires them to be generated together.
  absl::InlinedVector<const Filter*, 8> flat;
  FlattenAnd(f, &flat);
  if (flat.empty()) return;
  if (flat.size() == 1) {
    WriteClause(w, *flat[0]);
    return;
  }
  auto one_sided = [](const Filter* c, bool lower) -> const bound::Predicate* {
    if (c == nullptr || c->kind != Filter::Kind::kPredicate) return nullptr;
    const bound::Predicate& p = *c->predicate;
    if (!p.lhs.is_encrypted() || p.qe_index == nullptr ||
        p.qe_index->type != schema::QueryType::kRange) {
      return nullptr;
    }
    const bool is_lower = p.lookup == LookupKind::kGt || p.lookup == LookupKind::kGte;
    const bool is_upper = p.lookup == LookupKind::kLt || p.lookup == LookupKind::kLte;
    return (lower ? is_lower : is_upper) ? &p : nullptr;
  };
  // Pair the ranges first, so that a conjunction that is one two-sided range is written as
  // that range alone.
  struct Clause {
    const Filter* filter = nullptr;
    const bound::Predicate* lower = nullptr;  // a merged two-sided range when set
    const bound::Predicate* upper = nullptr;
  };
  absl::InlinedVector<Clause, 8> clauses;
  for (size_t i = 0; i < flat.size(); ++i) {
    if (flat[i] == nullptr) continue;
    const bound::Predicate* lower = one_sided(flat[i], true);
    const bound::Predicate* upper = one_sided(flat[i], false);
    const bound::Predicate* partner = nullptr;
    size_t partner_index = 0;
    for (size_t j = i + 1; j < flat.size() && (lower || upper) && !partner; ++j) {
      const bound::Predicate* other = one_sided(flat[j], lower == nullptr);
      if (other != nullptr && other->lhs.encrypted == (lower ? lower : upper)->lhs.encrypted) {
        partner = other;
        partner_index = j;
      }
    }
    if (partner != nullptr) {
      flat[partner_index] = nullptr;
      clauses.push_back({nullptr, lower ? lower : partner, lower ? partner : upper});
    } else {
      clauses.push_back({flat[i], nullptr, nullptr});
    }
  }
  auto write = [&](const Clause& c) {
    if (c.filter != nullptr) {
      WriteClause(w, *c.filter);
    } else {
      WriteEncryptedRange(w, *c.lower, *c.upper);
    }
  };
  if (clauses.size() == 1) {
    write(clauses[0]);
    return;
  }
  ArrayWriter all(w, "$and");
  for (const Clause& c : clauses) {
    ClauseElement(all, [&] { write(c); });
  }
}

bool Lowering::WithinLimit(const BsonWriter& w) {
  if (w.size() > kMaxCommandBytes) out_->too_large = true;
  return !out_->too_large;
}

void Lowering::WriteXor(BsonWriter& w, std::span<const Filter* const> children) {
  // No match-language XOR: Django's a ^ b ^ c is true when an odd number hold. Expanded
  // pairwise, x ^ y = (x AND NOT y) OR (NOT x AND y), so every operand stays a plain match
  // clause (encrypted ones included). Each side is written twice: split in halves, n operands
  // cost n^2 clauses and 6 log2(n) levels of nesting (a chain of pairs would cost 2^n), and
  // nested XORs are one (XOR is associative), so that (a ^ b) ^ c costs what a ^ b ^ c does.
  std::vector<const Filter*> flat;
  std::vector<const Filter*> stack(children.rbegin(), children.rend());
  while (!stack.empty()) {
    const Filter* c = stack.back();
    stack.pop_back();
    if (c->kind == Filter::Kind::kXor) {
      for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
    } else {
      flat.push_back(c);
    }
  }
  WriteXorOf(w, flat);
}

void Lowering::WriteXorOf(BsonWriter& w, std::span<const Filter* const> operands) {
  if (!WithinLimit(w)) return;
  if (operands.size() == 1) {
    WriteClause(w, *operands[0]);
    return;
  }
  // The first half the larger: for three operands, (a ^ b) ^ c.
  const size_t half = operands.size() - operands.size() / 2;
  const std::span<const Filter* const> sides[] = {operands.first(half), operands.subspan(half)};
  ArrayWriter either(w, "$or");
  // (first AND NOT second), then (NOT first AND second).
  for (const int negated : {1, 0}) {
    ClauseElement(either, [&] {
      ArrayWriter both(w, "$and");
      for (int side = 0; side < 2; ++side) {
        ClauseElement(both, [&] {
          if (side != negated) {
            WriteXorOf(w, sides[side]);
            return;
          }
          ArrayWriter nor(w, "$nor");
          ClauseElement(nor, [&] { WriteXorOf(w, sides[side]); });
        });
      }
    });
  }
}

void Lowering::WriteClause(BsonWriter& w, const Filter& f) {
  if (!WithinLimit(w)) return;
  switch (f.kind) {
    case Filter::Kind::kTrue:
      return;  // {} matches every document
    case Filter::Kind::kFalse:
      w.AppendBool("$expr", false);
      return;
    case Filter::Kind::kPredicate: {
      WriteLeaf(w, *f.predicate);
      return;
    }
    case Filter::Kind::kAnd:
      WriteAnd(w, f);
      return;
    case Filter::Kind::kOr: {
      ArrayWriter any(w, "$or");
      for (const Filter* c : f.children) {
        ClauseElement(any, [&] { WriteClause(w, *c); });
      }
      return;
    }
    case Filter::Kind::kNot: {
      // Django's NOT keeps rows where the condition is unknown (NULL); $nor keeps documents the
      // clause does not match, missing fields included: the same rows.
      ArrayWriter none(w, "$nor");
      negated_ = !negated_;
      ClauseElement(none, [&] { WriteClause(w, *f.children[0]); });
      negated_ = !negated_;
      return;
    }
    case Filter::Kind::kXor:
      WriteXor(w, f.children);
      return;
  }
}

}  // namespace querysafe::lower
