// The lowering pass's shared state and its parts: the walker over filters (filter_lowering.cc),
// the aggregation-expression forms (expr_lowering.cc), one encrypted-predicate lowering per QE
// index type (encrypted_lowering.cc: equality, range, text), and the commands around them
// (command_lowering.cc). As in MongoDB's own FLE rewrite, the walker only walks; the
// encrypted-predicate functions only decide the shape of an encrypted leaf.
#ifndef QUERYSAFE_LIB_LOWER_LOWERING_H_
#define QUERYSAFE_LIB_LOWER_LOWERING_H_

#include <bson/bson.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "lib/analyze/bound.h"
#include "lib/analyze/lookup_table.h"
#include "lib/common/bson_writer.h"
#include "lib/lower/lower.h"

namespace querysafe::lower {

// An array in `w`, open for the lifetime of this object: its elements are keyed "0", "1"...
class ArrayWriter {
 public:
  ArrayWriter(BsonWriter& w, BsonKey key) : w_(w) { w_.BeginArray(key); }
  ~ArrayWriter() { w_.EndArray(); }
  ArrayWriter(const ArrayWriter&) = delete;
  ArrayWriter& operator=(const ArrayWriter&) = delete;

  // The key for the next element.
  std::string_view NextKey() {
    const uint32_t i = index_++;
    if (i < 10) {
      key_buf_[0] = static_cast<char>('0' + i);
      return {key_buf_, 1};
    }
    return LongKey(i);
  }
  BsonWriter& writer() { return w_; }
  // A document element; appends go into it until EndDocument().
  void BeginDocument() { w_.BeginDocument(NextKey()); }
  void EndDocument() { w_.EndDocument(); }
  void Value(const bson_value_t& v) { w_.AppendValue(NextKey(), v); }

 private:
  std::string_view LongKey(uint32_t i);

  BsonWriter& w_;
  uint32_t index_ = 0;
  char key_buf_[16];
};

// "$" + path, the aggregation-expression reference to a field.
void AppendFieldRef(BsonWriter& w, BsonKey key, std::string_view path);

// "$" + path, with the predicate's first `count` transforms applied (expr_lowering.cc).
void WriteLhs(BsonWriter& w, BsonKey key, const bound::Predicate& p, size_t count);

// {$eq: [{$ifNull: [operand, null]}, null]}: Django's IS NULL in expression form. $ifNull takes
// a missing field and null alike (a comparison with null alone would miss the missing field), and
// the operand, which may be a transform, is written and evaluated once.
template <typename WriteOperand>
void WriteIsNullOf(BsonWriter& w, BsonKey key, WriteOperand&& write_operand) {
  w.BeginDocument(key);
  {
    ArrayWriter args(w, "$eq");
    args.BeginDocument();
    {
      ArrayWriter alt(w, "$ifNull");
      write_operand(alt.NextKey());
      w.AppendNull(alt.NextKey());
    }
    args.EndDocument();
    w.AppendNull(args.NextKey());
  }
  w.EndDocument();
}

// A local date as $dateFromParts takes it, and the operator extracting each part: `__date` and
// dates() under a time zone build the local date at midnight UTC from them.
inline constexpr std::pair<std::string_view, std::string_view> kLocalDateParts[] = {
    {"year", "$year"}, {"month", "$month"}, {"day", "$dayOfMonth"}};

class Lowering {
 public:
  Lowering(const bound::Query& query, const Bindings& bindings, Command* out)
      : query_(query), bindings_(bindings), out_(out) {}

  const bound::Query& query() const { return query_; }
  Command& out() { return *out_; }

  // The values at a value position: one for a constant, the bound ones for a parameter.
  std::span<const bson_value_t> ValuesOf(const bound::Value& v) const;
  // Every value of a predicate, parameters expanded.
  absl::InlinedVector<bson_value_t, 4> AllValues(const bound::Predicate& p) const;

  // Calls `fn` on every value of a predicate, parameters expanded, in order.
  template <typename Fn>
  void ForEachValue(const bound::Predicate& p, Fn&& fn) const {
    for (const bound::Value& v : p.values) {
      for (const bson_value_t& x : ValuesOf(v)) fn(x);
    }
  }
  // The first two values of a predicate, parameters expanded (range's bounds), in `out`;
  // returns how many there are.
  size_t FirstTwoValues(const bound::Predicate& p, bson_value_t out[2]) const;

  // Every Write* appends to the innermost open document (or array, with its keys) of `w`.

  // filter_lowering.cc: the match clause of `f`, as elements of the open document.
  void WriteClause(BsonWriter& w, const bound::Filter& f);

  // expr_lowering.cc: aggregation-expression forms.
  void WritePredicateExpr(BsonWriter& w, BsonKey key, const bound::Predicate& p);
  void WriteFilterExpr(BsonWriter& w, BsonKey key, const bound::Filter& f);
  void WriteExpr(BsonWriter& w, BsonKey key, const bound::Expr& e);
  void WriteAggregate(BsonWriter& w, const bound::Aggregate& a);
  // pattern_lowering.cc: a pattern lookup (contains, startswith, iexact, regex...) as the
  // elements of the open expression document: over the text of a non-string value or of a
  // transform, or against F() of another field.
  void WritePatternExpr(BsonWriter& w, const bound::Predicate& p);

  // encrypted_lowering.cc: an encrypted predicate's clause; `lower`/`upper` pair two one-sided
  // range predicates on one field into a single two-sided request.
  void WriteEncryptedClause(BsonWriter& w, const bound::Predicate& p);
  void WriteEncryptedRange(BsonWriter& w, const bound::Predicate& lower,
                           const bound::Predicate& upper);
  // An insert/update payload placeholder for storing `value` in `field` (update()).
  void WriteStoredValue(BsonWriter& w, BsonKey key, const bound::FieldRef& field,
                        const bson_value_t& value, Span span);

 private:
  void WriteLeaf(BsonWriter& w, const bound::Predicate& p);
  void WriteAnd(BsonWriter& w, const bound::Filter& f);
  void WriteXor(BsonWriter& w, std::span<const bound::Filter* const> children);
  void WriteXorOf(BsonWriter& w, std::span<const bound::Filter* const> operands);
  // Whether the command written so far is within kMaxCommandBytes; past it, marks the command
  // too large, and the filter writers stop (an XOR writes its operands twice, so nested ones
  // would grow exponentially).
  bool WithinLimit(const BsonWriter& w);

  // Whether an `in` predicate writes the null its list held: Django drops None from an IN
  // list, but under an odd number of NOTs (exclude(), ~Q) on a nullable column, or across a
  // relation, its Query.build_filter adds `OR col IS NULL` to the negated clause (Django 6.1).
  bool KeepsNullInList(const bound::Predicate& p) const;

  const bound::Query& query_;
  const Bindings& bindings_;
  Command* out_;
  bool negated_ = false;  // under an odd number of Django NOTs (not XOR's own $nor)
};

}  // namespace querysafe::lower

#endif  // QUERYSAFE_LIB_LOWER_LOWERING_H_
