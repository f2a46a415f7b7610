// The WHERE walker: bound filters to match documents, lookup by lookup as django-mongodb-backend
// lowers them (its lookups.py and base.py operator tables), path form wherever the right-hand
// side is a constant. Encrypted leaves go to encrypted_lowering.cc; non-constant ones
// (F(), transforms) to expr_lowering.cc.

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

ArrayWriter::ArrayWriter(bson_t* parent, std::string_view key) : parent_(parent) {
  bson_append_array_begin(parent_, key.data(), static_cast<int>(key.size()), &array_);
}

ArrayWriter::~ArrayWriter() { bson_append_array_end(parent_, &array_); }

const char* ArrayWriter::NextKey() {
  const char* key;
  bson_uint32_to_string(index_++, &key, key_buf_, sizeof key_buf_);
  return key;
}

void AppendKey(bson_t* doc, std::string_view key, const bson_value_t& value) {
  bson_append_value(doc, key.data(), static_cast<int>(key.size()), &value);
}

void AppendString(bson_t* doc, std::string_view key, std::string_view value) {
  bson_append_utf8(doc, key.data(), static_cast<int>(key.size()), value.data(),
                   static_cast<int>(value.size()));
}

void AppendFieldRef(bson_t* doc, std::string_view key, std::string_view path) {
  std::string ref = "$";
  ref += path;
  AppendString(doc, key, ref);
}

std::span<const bson_value_t> Lowering::ValuesOf(const bound::Value& v) const {
  if (v.kind == bound::Value::Kind::kConstant) return {&v.constant, 1};
  return v.param < bindings_.values.size() ? bindings_.values[v.param]
                                           : std::span<const bson_value_t>();
}

std::vector<bson_value_t> Lowering::AllValues(const bound::Predicate& p) const {
  std::vector<bson_value_t> all;
  for (const bound::Value& v : p.values) {
    for (const bson_value_t& x : ValuesOf(v)) all.push_back(x);
  }
  return all;
}

namespace {

bool IsStringClass(FieldClass c) {
  switch (c) {
    case FieldClass::kChar:
    case FieldClass::kText:
    case FieldClass::kEmail:
    case FieldClass::kURL:
    case FieldClass::kSlug:
    case FieldClass::kFile:
    case FieldClass::kFilePath:
    case FieldClass::kImage:
    case FieldClass::kGenericIPAddress:
    case FieldClass::kUUID:
      return true;
    default:
      return false;
  }
}

bool IsPattern(LookupKind k) {
  switch (k) {
    case LookupKind::kIExact:
    case LookupKind::kContains:
    case LookupKind::kIContains:
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
    case LookupKind::kRegex:
    case LookupKind::kIRegex:
      return true;
    default:
      return false;
  }
}

// A predicate the path form cannot say: compared with an expression, transformed, a pattern
// over a field that is not stored as a string, or an exact array comparison.
bool NeedsExpr(const bound::Predicate& p) {
  if (p.expr != nullptr || !p.transforms.empty()) return true;
  if (p.json_key) return false;
  if (IsPattern(p.lookup) && !IsStringClass(p.value_class)) return true;
  if (p.value_class == FieldClass::kArray &&
      (p.lookup == LookupKind::kExact || p.lookup == LookupKind::kContainedBy)) {
    return true;
  }
  return false;
}

std::string_view ComparisonOperator(LookupKind k) {
  switch (k) {
    case LookupKind::kGt:
      return "$gt";
    case LookupKind::kGte:
      return "$gte";
    case LookupKind::kLt:
      return "$lt";
    default:
      return "$lte";
  }
}

std::string PatternFor(LookupKind k, std::string_view text) {
  switch (k) {
    case LookupKind::kIExact:
      return ExactPattern(text);
    case LookupKind::kStartsWith:
    case LookupKind::kIStartsWith:
      return PrefixPattern(text);
    case LookupKind::kEndsWith:
    case LookupKind::kIEndsWith:
      return SuffixPattern(text);
    case LookupKind::kRegex:
    case LookupKind::kIRegex:
      return std::string(text);
    default:
      return ContainsPattern(text);
  }
}

bool CaseInsensitive(LookupKind k) {
  return k == LookupKind::kIExact || k == LookupKind::kIContains ||
         k == LookupKind::kIStartsWith || k == LookupKind::kIEndsWith || k == LookupKind::kIRegex;
}

// {path: {op: value}}
void WriteComparison(bson_t* doc, std::string_view path, std::string_view op,
                     const bson_value_t& value) {
  bson_t cond;
  bson_append_document_begin(doc, path.data(), static_cast<int>(path.size()), &cond);
  AppendKey(&cond, op, value);
  bson_append_document_end(doc, &cond);
}

// One array element that is itself a clause document.
template <typename Fn>
void ClauseElement(ArrayWriter& array, Fn&& write) {
  bson_t child;
  array.BeginDocument(&child);
  write(&child);
  array.EndDocument(&child);
}

}  // namespace

void Lowering::WriteLeaf(bson_t* doc, const bound::Predicate& p) {
  if (p.lhs.is_encrypted()) {
    WriteEncryptedClause(doc, p);
    return;
  }
  if (NeedsExpr(p)) {
    WritePredicateExpr(doc, "$expr", p);
    return;
  }
  const std::string_view path = p.lhs.db_path;
  switch (p.lookup) {
    case LookupKind::kExact:
      AppendKey(doc, path, ValuesOf(p.values[0])[0]);
      return;
    case LookupKind::kGt:
    case LookupKind::kGte:
    case LookupKind::kLt:
    case LookupKind::kLte:
      WriteComparison(doc, path, ComparisonOperator(p.lookup), ValuesOf(p.values[0])[0]);
      return;
    case LookupKind::kIn:
    case LookupKind::kOverlap:
    case LookupKind::kArrayContains: {
      bson_t cond;
      bson_append_document_begin(doc, path.data(), static_cast<int>(path.size()), &cond);
      {
        ArrayWriter values(&cond, p.lookup == LookupKind::kArrayContains ? "$all" : "$in");
        for (const bson_value_t& v : AllValues(p)) values.Value(v);
      }
      bson_append_document_end(doc, &cond);
      return;
    }
    case LookupKind::kRange: {
      std::vector<bson_value_t> all = AllValues(p);
      std::vector<bson_value_t> bounds;
      std::vector<std::string_view> ops;
      for (size_t i = 0; i < all.size() && i < 2; ++i) {
        if (all[i].value_type == BSON_TYPE_EOD) continue;
        bounds.push_back(all[i]);
        ops.push_back(i == 0 ? "$gte" : "$lte");
      }
      if (bounds.size() == 1) {
        WriteComparison(doc, path, ops[0], bounds[0]);
        return;
      }
      if (bounds.empty()) return;  // (None, None): everything
      ArrayWriter both(doc, "$and");
      for (size_t i = 0; i < bounds.size(); ++i) {
        ClauseElement(both, [&](bson_t* c) { WriteComparison(c, path, ops[i], bounds[i]); });
      }
      return;
    }
    case LookupKind::kIsNull: {
      // Django's meaning of IS NULL: missing or null; IS NOT NULL: present and not null.
      const bool is_null = ValuesOf(p.values[0])[0].value.v_bool;
      bson_value_t flag{};
      flag.value_type = BSON_TYPE_BOOL;
      flag.value.v_bool = !is_null;
      bson_value_t null{};
      null.value_type = BSON_TYPE_NULL;
      ArrayWriter both(doc, is_null ? "$or" : "$and");
      ClauseElement(both, [&](bson_t* c) { WriteComparison(c, path, "$exists", flag); });
      ClauseElement(both, [&](bson_t* c) {
        if (is_null) {
          AppendKey(c, path, null);
        } else {
          WriteComparison(c, path, "$ne", null);
        }
      });
      return;
    }
    default: {
      // The pattern lookups: an anchored, escaped $regex.
      const bson_value_t& v = ValuesOf(p.values[0])[0];
      std::string_view text(v.value.v_utf8.str, v.value.v_utf8.len);
      bson_t cond;
      bson_append_document_begin(doc, path.data(), static_cast<int>(path.size()), &cond);
      AppendString(&cond, "$regex", PatternFor(p.lookup, text));
      if (CaseInsensitive(p.lookup)) AppendString(&cond, "$options", "i");
      bson_append_document_end(doc, &cond);
      return;
    }
  }
}

void Lowering::WriteAnd(bson_t* doc, const Filter& f) {
  // Flatten nested ANDs (filter().filter() and Q(a) & Q(b) are one conjunction), so that two
  // one-sided ranges on one encrypted field can become one two-sided payload, as the server
  // requires them to be generated together.
  std::vector<const Filter*> flat;
  std::vector<const Filter*> stack(f.children.rbegin(), f.children.rend());
  while (!stack.empty()) {
    const Filter* c = stack.back();
    stack.pop_back();
    if (c->kind == Filter::Kind::kAnd) {
      for (auto it = c->children.rbegin(); it != c->children.rend(); ++it) stack.push_back(*it);
    } else if (c->kind != Filter::Kind::kTrue) {
      flat.push_back(c);
    }
  }
  if (flat.empty()) return;
  if (flat.size() == 1) {
    WriteClause(doc, *flat[0]);
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
  std::vector<Clause> clauses;
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
  auto write = [this](bson_t* target, const Clause& c) {
    if (c.filter != nullptr) {
      WriteClause(target, *c.filter);
    } else {
      WriteEncryptedRange(target, *c.lower, *c.upper);
    }
  };
  if (clauses.size() == 1) {
    write(doc, clauses[0]);
    return;
  }
  ArrayWriter all(doc, "$and");
  for (const Clause& c : clauses) {
    ClauseElement(all, [&](bson_t* child) { write(child, c); });
  }
}

bool Lowering::Spend(uint64_t bytes) {
  written_ += bytes;
  if (written_ > kMaxCommandBytes) out_->too_large = true;
  return !out_->too_large;
}

void Lowering::WriteXor(bson_t* doc, std::span<const Filter* const> children) {
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
  WriteXorOf(doc, flat);
}

void Lowering::WriteXorOf(bson_t* doc, std::span<const Filter* const> operands) {
  if (!Spend(0)) return;
  if (operands.size() == 1) {
    WriteClause(doc, *operands[0]);
    return;
  }
  // The first half the larger: for three operands, (a ^ b) ^ c.
  const size_t half = operands.size() - operands.size() / 2;
  const std::span<const Filter* const> sides[] = {operands.first(half), operands.subspan(half)};
  ArrayWriter either(doc, "$or");
  // (first AND NOT second), then (NOT first AND second).
  for (const int negated : {1, 0}) {
    ClauseElement(either, [&](bson_t* c) {
      ArrayWriter both(c, "$and");
      for (int side = 0; side < 2; ++side) {
        ClauseElement(both, [&](bson_t* s) {
          if (side != negated) {
            WriteXorOf(s, sides[side]);
            return;
          }
          ArrayWriter nor(s, "$nor");
          ClauseElement(nor, [&](bson_t* n) { WriteXorOf(n, sides[side]); });
        });
      }
    });
  }
}

void Lowering::WriteClause(bson_t* doc, const Filter& f) {
  // An element with an empty document is 8 bytes at least.
  if (!Spend(8)) return;
  switch (f.kind) {
    case Filter::Kind::kTrue:
      return;  // {} matches every document
    case Filter::Kind::kFalse:
      BSON_APPEND_BOOL(doc, "$expr", false);
      return;
    case Filter::Kind::kPredicate: {
      const uint32_t before = doc->len;
      WriteLeaf(doc, *f.predicate);
      Spend(doc->len - before);
      return;
    }
    case Filter::Kind::kAnd:
      WriteAnd(doc, f);
      return;
    case Filter::Kind::kOr: {
      ArrayWriter any(doc, "$or");
      for (const Filter* c : f.children) {
        ClauseElement(any, [&](bson_t* child) { WriteClause(child, *c); });
      }
      return;
    }
    case Filter::Kind::kNot: {
      // Django's NOT keeps rows where the condition is unknown (NULL); $nor keeps documents the
      // clause does not match, missing fields included: the same rows.
      ArrayWriter none(doc, "$nor");
      ClauseElement(none, [&](bson_t* child) { WriteClause(child, *f.children[0]); });
      return;
    }
    case Filter::Kind::kXor:
      WriteXor(doc, f.children);
      return;
  }
}

}  // namespace querysafe::lower
