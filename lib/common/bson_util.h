// Small RAII and convenience layer over libbson, the only BSON library
// querysafe uses.
#ifndef QUERYSAFE_LIB_COMMON_BSON_UTIL_H_
#define QUERYSAFE_LIB_COMMON_BSON_UTIL_H_

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace querysafe {

// Owns a bson_t. The bson_t lives inside the object (libbson keeps small
// documents in its inline buffer), so a BsonDoc on the stack allocates nothing
// until the document outgrows ~120 bytes.
class BsonDoc {
 public:
  BsonDoc() { bson_init(&doc_); }
  // Takes a copy of `other`'s bytes.
  explicit BsonDoc(const bson_t* other) { bson_copy_to(other, &doc_); }
  BsonDoc(const BsonDoc& other) : BsonDoc(other.get()) {}
  BsonDoc& operator=(const BsonDoc& other) {
    if (this != &other) {
      bson_destroy(&doc_);
      bson_copy_to(other.get(), &doc_);
    }
    return *this;
  }
  BsonDoc(BsonDoc&& other) noexcept : BsonDoc() { Swap(other); }
  BsonDoc& operator=(BsonDoc&& other) noexcept {
    Swap(other);
    return *this;
  }
  ~BsonDoc() { bson_destroy(&doc_); }

  bson_t* get() { return &doc_; }
  const bson_t* get() const { return &doc_; }
  const uint8_t* data() const { return bson_get_data(&doc_); }
  uint32_t size() const { return doc_.len; }
  bool empty() const { return bson_empty(&doc_); }
  void Clear() { bson_reinit(&doc_); }

  // Parses (relaxed or canonical) Extended JSON. On failure returns false and
  // fills `error`.
  static bool FromJson(std::string_view json, BsonDoc* out, bson_error_t* error);
  // Copies BSON bytes; false if they are not a valid document.
  static bool FromBytes(const uint8_t* data, size_t len, BsonDoc* out);

 private:
  void Swap(BsonDoc& other) noexcept;
  bson_t doc_;
};

// Appends a UTF-8 string of known length; text that is not valid UTF-8 is
// appended with each bad byte replaced by U+FFFD, so that no invalid string
// ever reaches a document or a JSON writer.
void AppendUtf8(bson_t* doc, std::string_view key, std::string_view value);

// Extended JSON renderings (libbson's writer); never fail: a document libbson
// cannot render yields "{}" rather than a null pointer.
std::string ToCanonicalJson(const bson_t* doc);
std::string ToRelaxedJson(const bson_t* doc);

// Lays out JSON text again, leaving strings untouched: kCompact drops every space outside strings
// ({"a":1,"b":[2]}: the command's default output, one value a line); kIndented puts one member a
// line, two spaces per level (--pretty, and the golden files). The CLI prints every JSON value
// through this, so its commands share one layout whichever writer (libbson, the parse tree's,
// the diagnostics') made the text.
enum class JsonLayout : uint8_t { kCompact, kIndented };
std::string LayoutJson(std::string_view json, JsonLayout layout);
inline std::string IndentJson(std::string_view json) {
  return LayoutJson(json, JsonLayout::kIndented);
}

// True if `text` is valid UTF-8 (as BSON requires); NUL characters are allowed
// when `allow_nul` is set.
bool IsValidUtf8(std::string_view text, bool allow_nul);

// The document or array `iter` is on, as a static bson_t over its bytes (nothing is copied);
// false when it is on neither.
bool IterChild(const bson_iter_t* iter, bson_t* child);

// The nesting of `doc`, as MongoDB counts it against its depth limit: 1 for a document without
// subdocuments, one more per level of embedded documents and arrays. Counted up to `limit` + 1:
// a deeper document is not walked further, so the recursion stays bounded.
int BsonDepth(const bson_t* doc, int limit);

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_BSON_UTIL_H_
