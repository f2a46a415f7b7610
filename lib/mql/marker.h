// The marking phase of the MQL front end: a walker over the parts of a command that hold match
// expressions, documents and updates, which copies them into the marked command and hands each
// value that reaches an encrypted field to the encrypted-predicate code (marker_leaf.cc), which
// runs the QE rules of lib/analyze/rules and writes the FLE2 placeholder. This is the shape of
// MongoDB's own FLE rewrite (a walker that only walks, and one class per index type that only
// rewrites leaves).
//
// A Marker never lets something it did not analyse through: an operator, stage or update form it
// does not handle on an encrypted collection is a diagnostic naming it, so a driver's automatic
// encryption can never send plaintext where ciphertext belongs.
#ifndef QUERYSAFE_LIB_MQL_MARKER_H_
#define QUERYSAFE_LIB_MQL_MARKER_H_

#include <bson/bson.h>

#include <format>
#include <string>
#include <string_view>

#include "lib/analyze/bound.h"
#include "lib/analyze/context.h"
#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "lib/mql/bson_iter.h"
#include "lib/schema/model.h"

namespace querysafe::mql {

class Marker {
 public:
  // `base` is the start of the command's bytes: spans are offsets into it.
  Marker(analyze::Context& ctx, const schema::Model& collection, const uint8_t* base)
      : ctx_(ctx), collection_(collection), base_(base) {}

  // Copies the match expression (a find filter, a $match stage, a delete's q...) into `out`,
  // with placeholders where encrypted values were. `location` names it in diagnostics.
  void MarkMatch(const bson_t* filter, const std::string& location, bson_t* out);
  // Copies a document to store (insert, replacement, the value of $set) at `prefix`.
  void MarkDocument(const bson_t* doc, const std::string& prefix, const std::string& location,
                    bson_t* out);
  // Copies an update's `u` (operators or a replacement).
  void MarkUpdate(const bson_iter_t& u, const std::string& location, bson_t* out,
                  std::string_view key);
  // Refuses a sort on encrypted fields (a find's or findAndModify's sort, a $sort stage).
  void CheckSort(const bson_iter_t& sort, const std::string& location);
  // Refuses an index (createIndexes) on an encrypted field or a sub-document holding one, and a
  // partial index filter, whose values would have to be compared with ciphertext.
  void CheckIndex(const bson_t* index, const std::string& location);
  // Refuses an update with `multi: true` (6329900).
  void MultiUpdate(const bson_iter_t& multi, const std::string& location);
  // Refuses `distinct` on an encrypted field.
  void CheckDistinctKey(const bson_iter_t& key, const std::string& location);
  // Reports `what` (an operator, stage, command or option) as not analysed.
  void Unsupported(const bson_iter_t& at, const std::string& location, std::string_view what);
  // Copies the array `it` is on (its elements documents: $and clauses, pipeline stages, update
  // statements...) into `out` under its key, each element through `each(element, element_iter,
  // element_location, out_element)`. An element that is not a document is refused as `not_object`.
  template <typename Each>
  void MarkArrayOfDocuments(const bson_iter_t& it, const std::string& location, bson_t* out,
                            std::string_view not_object, Each each) {
    bson_t array;
    querysafe::AppendArrayBegin(out, bson_iter_key(&it), static_cast<int>(bson_iter_key_len(&it)),
                                &array);
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    while (bson_iter_next(&child)) {
      const std::string here = std::format("{}.{}", location, Key(child));
      bson_t doc;
      if (!BSON_ITER_HOLDS_DOCUMENT(&child) || !IterChild(&child, &doc)) {
        Unsupported(child, here, not_object);
        continue;
      }
      bson_t marked;
      bson_append_document_begin(&array, bson_iter_key(&child), -1, &marked);
      each(doc, child, here, &marked);
      bson_append_document_end(&array, &marked);
    }
    bson_append_array_end(out, &array);
  }

  int placeholders() const { return placeholders_; }

 private:
  enum class Relation : uint8_t { kPlain, kEncrypted, kBelowEncrypted, kAboveEncrypted };
  struct Classified {
    Relation relation = Relation::kPlain;
    const schema::EncryptedPath* path = nullptr;  // the encrypted path involved
  };
  Classified Classify(std::string_view path) const;
  Span SpanOf(const bson_iter_t& it) const;
  void At(const std::string& location) { ctx_.set_location(location); }
  bound::FieldRef Ref(const schema::EncryptedPath& path, std::string_view as_written);

  // marker_leaf.cc: the encrypted leaves.
  void MarkLeaf(const bson_iter_t& it, const schema::EncryptedPath& path,
                const std::string& location, bson_t* out);
  void MarkOperators(const bson_t* ops, const schema::EncryptedPath& path, std::string_view key,
                     const std::string& location, bson_t* out);
  // The index an equality on `path` uses (equality, or range as a point), after the rules;
  // null after reporting.
  const schema::QuerySpec* EqualitySpec(const bson_iter_t& it, const schema::EncryptedPath& path,
                                        bound::LookupKind lookup, const std::string& location);
  void AppendPointRange(const bson_iter_t& it, const schema::EncryptedPath& path,
                        const schema::QuerySpec& index, bson_t* ops_out);
  void MarkStoredValue(const bson_iter_t& it, const schema::EncryptedPath& path,
                       const std::string& location, bson_t* out, std::string_view key);
  void MarkArrayOfMatches(const bson_iter_t& it, const std::string& location, bson_t* out);

  analyze::Context& ctx_;
  const schema::Model& collection_;
  const uint8_t* base_;
  int placeholders_ = 0;
  int32_t next_payload_id_ = 0;
};

}  // namespace querysafe::mql

#endif  // QUERYSAFE_LIB_MQL_MARKER_H_
