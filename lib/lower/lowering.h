// The lowering pass's shared state and its parts: the walker over filters (filter_lowering.cc),
// the aggregation-expression forms (expr_lowering.cc), one encrypted-predicate lowering per QE
// index type (encrypted_lowering.cc: equality, range, text), and the commands around them
// (command_lowering.cc). As in MongoDB's own FLE rewrite, the walker only walks; the
// encrypted-predicate functions only decide the shape of an encrypted leaf.
#ifndef QUERYSAFE_LIB_LOWER_LOWERING_H_
#define QUERYSAFE_LIB_LOWER_LOWERING_H_

#include <bson/bson.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/analyze/bound.h"
#include "lib/lower/lower.h"

namespace querysafe::lower {

// Appends children to a BSON array with "0", "1", ... keys.
class ArrayWriter {
 public:
  ArrayWriter(bson_t* parent, std::string_view key);
  ~ArrayWriter();
  ArrayWriter(const ArrayWriter&) = delete;
  ArrayWriter& operator=(const ArrayWriter&) = delete;

  // The key for the next element.
  const char* NextKey();
  bson_t* array() { return &array_; }
  void BeginDocument(bson_t* child) { bson_append_document_begin(&array_, NextKey(), -1, child); }
  void EndDocument(bson_t* child) { bson_append_document_end(&array_, child); }
  void Value(const bson_value_t& v) { bson_append_value(&array_, NextKey(), -1, &v); }

 private:
  bson_t* parent_;
  bson_t array_;
  uint32_t index_ = 0;
  char key_buf_[16];
};

void AppendKey(bson_t* doc, std::string_view key, const bson_value_t& value);
void AppendString(bson_t* doc, std::string_view key, std::string_view value);
// "$" + path, the aggregation-expression reference to a field.
void AppendFieldRef(bson_t* doc, std::string_view key, std::string_view path);

class Lowering {
 public:
  Lowering(const bound::Query& query, const Bindings& bindings, Command* out)
      : query_(query), bindings_(bindings), out_(out) {}

  const bound::Query& query() const { return query_; }
  Command& out() { return *out_; }

  // The values at a value position: one for a constant, the bound ones for a parameter.
  std::span<const bson_value_t> ValuesOf(const bound::Value& v) const;
  // Every value of a predicate, parameters expanded.
  std::vector<bson_value_t> AllValues(const bound::Predicate& p) const;

  // filter_lowering.cc: writes the match clause of `f` into the (empty) document `doc`.
  void WriteClause(bson_t* doc, const bound::Filter& f);

  // expr_lowering.cc: aggregation-expression forms.
  void WritePredicateExpr(bson_t* doc, std::string_view key, const bound::Predicate& p);
  void WriteFilterExpr(bson_t* doc, std::string_view key, const bound::Filter& f);
  void WriteExpr(bson_t* doc, std::string_view key, const bound::Expr& e);
  void WriteAggregate(bson_t* group, const bound::Aggregate& a);

  // encrypted_lowering.cc: an encrypted predicate's clause; `lower`/`upper` pair two one-sided
  // range predicates on one field into a single two-sided request.
  void WriteEncryptedClause(bson_t* doc, const bound::Predicate& p);
  void WriteEncryptedRange(bson_t* doc, const bound::Predicate& lower,
                           const bound::Predicate& upper);
  // An insert/update payload placeholder for storing `value` in `field` (update()).
  void WriteStoredValue(bson_t* doc, std::string_view key, const bound::FieldRef& field,
                        const bson_value_t& value, Span span);

 private:
  void WriteLeaf(bson_t* doc, const bound::Predicate& p);
  void WriteAnd(bson_t* doc, const bound::Filter& f);
  void WriteXor(bson_t* doc, std::span<const bound::Filter* const> children);
  void WriteXorOf(bson_t* doc, std::span<const bound::Filter* const> operands);
  // Counts `bytes` against kMaxCommandBytes; past it, marks the command too large, and the
  // filter writers stop (returns false).
  bool Spend(uint64_t bytes);

  const bound::Query& query_;
  const Bindings& bindings_;
  Command* out_;
  // A lower bound of the bytes the filter writers have written: every clause is an element of at
  // least 8 bytes, every leaf its own size.
  uint64_t written_ = 0;
};

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_LOWERING_H_
