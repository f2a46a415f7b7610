// BsonWriter: builds one BSON document front to back, appending each element in BSON's wire
// format to a growable byte buffer, then hands the finished bytes to a bson_t.
//
// Why not libbson's bson_append_*: lowering appends a few dozen small elements per command, and
// there libbson's per-append work was about a fifth of a whole translation (callgrind on
// BM_TranslateOnce/anchor_three_predicate: ~275 instructions per bson_append_utf8, ~475 per
// bson_append_value, ~385 per nested document begin/end pair, plus realloc and memcpy as a
// bson_t outgrows its 120-byte inline buffer). That work is generality lowering does not need:
// each append assembles the element from varargs pieces, each nested document is a separate
// bson_t whose length is propagated up every open parent on end, and growth goes through
// realloc. Here an append is one capacity check and a few stores; a nested document reserves its
// length field and back-patches it on End; the buffer starts inline (on the caller's stack) and
// grows by doubling.
//
// The bytes are exactly libbson's for the same sequence of appends
// (tests/common/bson_writer_test.cc compares them byte for byte), refusals included: a key with
// an embedded NUL byte writes nothing and returns false, as bson_append_* do. Values of the rare
// BSON types (regex, code, DBPointer, deprecated binary, nested documents given as values...)
// are encoded by libbson itself into a scratch document and copied over, so their encoding
// (regex option sorting, say) is libbson's by construction.
//
// Use: append to the innermost open document or array; every Begin* has its End*. Array
// elements are keyed "0", "1"... by the caller (bson_writer.h does not guess keys), as BSON
// requires.
#ifndef QUERYSAFE_LIB_COMMON_BSON_WRITER_H_
#define QUERYSAFE_LIB_COMMON_BSON_WRITER_H_

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lib/common/bson_util.h"

namespace querysafe {

// The key of a BSON element. BSON keys are C strings: one with a NUL byte inside cannot be
// written (libbson refuses it, and so does BsonWriter). Most of lowering's keys are string
// literals of our own source ("$and", "filter"): those are checked when the program is compiled
// (a consteval constructor; a literal with a NUL byte does not compile), and cost nothing when
// appended. Any other key (a field path, an alias from the query) is checked as it is appended.
class BsonKey {
 public:
  template <size_t N>
  consteval BsonKey(const char (&literal)[N])  // NOLINT(google-explicit-constructor)
      : key_(literal, N - 1), checked_(true) {
    if (literal[N - 1] != '\0') throw "a BsonKey literal must be a string literal";
    for (size_t i = 0; i + 1 < N; ++i) {
      if (literal[i] == '\0') throw "a BSON key cannot contain a NUL byte";
    }
  }
  BsonKey(std::string_view key) : key_(key) {}    // NOLINT(google-explicit-constructor)
  BsonKey(const std::string& key) : key_(key) {}  // NOLINT(google-explicit-constructor)

  std::string_view view() const { return key_; }
  size_t size() const { return key_.size(); }
  const char* data() const { return key_.data(); }
  // False when the key has a NUL byte.
  bool ok() const {
    if (checked_) return true;
    // Inline, a word at a time then byte by byte: keys (field paths) are a few bytes, shorter
    // than memchr's call overhead.
    const char* p = key_.data();
    size_t n = key_.size();
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      if (((w - 0x0101010101010101u) & ~w & 0x8080808080808080u) != 0) return false;
    }
    for (; n > 0; ++p, --n) {
      if (*p == '\0') return false;
    }
    return true;
  }

 private:
  std::string_view key_;
  bool checked_ = false;
};

class BsonWriter {
 public:
  // The inline buffer: lowering's commands are a few hundred bytes.
  static constexpr size_t kInlineBytes = 1024;

  BsonWriter();
  BsonWriter(const BsonWriter&) = delete;
  BsonWriter& operator=(const BsonWriter&) = delete;

  // Each Append* returns false and writes nothing when `key` contains a NUL byte (see BsonKey).
  // A `value` without data (a default std::string_view) is written as null, as libbson writes a
  // null pointer.
  bool AppendUtf8(BsonKey key, std::string_view value) {
    if (value.data() == nullptr) [[unlikely]]
      return AppendNull(key);
    if (!key.ok()) return false;
    const uint32_t n = static_cast<uint32_t>(value.size());
    uint8_t* p = Element(BSON_TYPE_UTF8, key, 4 + n + 1);
    p = Put32(p, n + 1);
    if (n != 0) std::memcpy(p, value.data(), n);
    p[n] = 0;
    return true;
  }
  // The concatenation of `first` and `second` ("$" + a path), without building it first.
  bool AppendUtf8(BsonKey key, std::string_view first, std::string_view second) {
    if (!key.ok()) return false;
    const uint32_t n = static_cast<uint32_t>(first.size() + second.size());
    uint8_t* p = Element(BSON_TYPE_UTF8, key, 4 + size_t{n} + 1);
    p = Put32(p, n + 1);
    if (!first.empty()) std::memcpy(p, first.data(), first.size());
    if (!second.empty()) std::memcpy(p + first.size(), second.data(), second.size());
    p[n] = 0;
    return true;
  }
  bool AppendInt32(BsonKey key, int32_t value) {
    if (!key.ok()) return false;
    Put32(Element(BSON_TYPE_INT32, key, 4), static_cast<uint32_t>(value));
    return true;
  }
  bool AppendInt64(BsonKey key, int64_t value) {
    if (!key.ok()) return false;
    Put64(Element(BSON_TYPE_INT64, key, 8), static_cast<uint64_t>(value));
    return true;
  }
  bool AppendBool(BsonKey key, bool value) {
    if (!key.ok()) return false;
    *Element(BSON_TYPE_BOOL, key, 1) = value ? 1 : 0;
    return true;
  }
  bool AppendNull(BsonKey key) {
    if (!key.ok()) return false;
    Element(BSON_TYPE_NULL, key, 0);
    return true;
  }
  bool AppendDouble(BsonKey key, double value);
  bool AppendBinary(BsonKey key, bson_subtype_t subtype, const uint8_t* data, uint32_t length);
  // Any value, as bson_append_value writes it.
  bool AppendValue(BsonKey key, const bson_value_t& value);
  // The elements of `doc` as a nested document, as bson_append_document.
  bool AppendDocument(BsonKey key, const bson_t* doc);

  // A nested document or array: what is appended until the matching End* goes into it. A
  // refused key (embedded NUL) still opens the scope, so that Begin/End stay paired, but the
  // whole element is dropped at its End: the document ends up as libbson's, without it.
  bool BeginDocument(BsonKey key) { return Begin(BSON_TYPE_DOCUMENT, key); }
  void EndDocument() { End(); }
  bool BeginArray(BsonKey key) { return Begin(BSON_TYPE_ARRAY, key); }
  void EndArray() { End(); }

  // The bytes written so far (what the document would be if closed now, less its closing bytes).
  size_t size() const { return size_; }
  // The deepest nesting written so far: 1 for the root alone, 2 once a document or array is
  // opened or appended in it... (BsonDepth's count). Dropped elements (refused keys) do not
  // count. Kept as the writer goes, so that checking a command's depth against MongoDB's limit
  // costs nothing (a walk over the finished document was a sixth of a whole translation).
  int max_depth() const { return max_depth_; }

  // Closes the root document and copies it into `out` (replacing what it held). Every Begin*
  // must have been ended. The writer is then finished: nothing more may be appended.
  void Finish(BsonDoc* out);
  // Closes the root document as Finish does, without the copy: its bytes, valid while the
  // writer lives (for a document that is itself a value, such as an FLE2 placeholder).
  std::span<const uint8_t> Close();
  // The finished document's bytes (after Finish or Close).
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  // open_ when no nested document is open (only the root).
  static constexpr uint32_t kRoot = 0xffffffffu;
  // In open_, marks a document opened with a refused key: the rest is its element's start.
  static constexpr uint32_t kDropped = 0x80000000u;

  static uint8_t* Put32(uint8_t* p, uint32_t v) {
    v = BSON_UINT32_TO_LE(v);
    std::memcpy(p, &v, 4);
    return p + 4;
  }
  static uint8_t* Put64(uint8_t* p, uint64_t v) {
    v = BSON_UINT64_TO_LE(v);
    std::memcpy(p, &v, 8);
    return p + 8;
  }
  // The link kept in an open document's length field (native byte order: never written out).
  static void PutLink(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
  static uint32_t GetLink(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }

  // Writes the element header (type, key, NUL) with room for `value_bytes` after it; returns
  // where the value goes.
  uint8_t* Element(bson_type_t type, BsonKey key, size_t value_bytes) {
    const size_t need = 1 + key.size() + 1 + value_bytes;
    if (limit_ - size_ < need) [[unlikely]]
      Grow(need);
    uint8_t* p = data_ + size_;
    size_ += static_cast<uint32_t>(need);
    *p++ = static_cast<uint8_t>(type);
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    *p++ = 0;
    return p;
  }
  // The open documents form a chain through their own length fields: until End() patches it,
  // the length field of an open document holds open_ as it was before the document was opened
  // (for a dropped one, the link sits at its element's start). So nesting costs no side stack
  // and no allocation, at any depth.
  bool Begin(bson_type_t type, BsonKey key) {
    const bool ok = key.ok();
    const uint32_t start = size_;
    // The closing NUL is reserved now (End() never grows), the length written by End().
    if (limit_ - size_ < 1 + key.size() + 1 + 4 + 1) [[unlikely]]
      Grow(1 + key.size() + 1 + 4 + 1);
    limit_ -= 1;
    uint8_t* length = Element(type, key, 4);
    ++depth_;
    if (ok) [[likely]] {
      PutLink(length, open_);
      open_ = static_cast<uint32_t>(length - data_);
      if (depth_ > max_depth_ && dropped_at_ == 0) max_depth_ = depth_;
    } else {
      PutLink(data_ + start, open_);
      open_ = start | kDropped;
      if (dropped_at_ == 0) dropped_at_ = depth_;
    }
    return ok;
  }
  void End() {
    const uint32_t open = open_;
    if (open == kRoot) [[unlikely]]
      return;  // unbalanced: only while an exception unwinds
    limit_ += 1;
    if (depth_-- == dropped_at_) [[unlikely]]
      dropped_at_ = 0;
    if (open & kDropped) [[unlikely]] {
      const uint32_t start = open & ~kDropped;
      open_ = GetLink(data_ + start);
      size_ = start;
      return;
    }
    open_ = GetLink(data_ + open);
    data_[size_++] = 0;
    Put32(data_ + open, size_ - open);
  }
  // Counts the levels of `doc`, appended as a value in the innermost open document.
  void NoteNested(const bson_t* doc);
  // Makes room for `more` bytes besides the closing bytes already reserved; throws
  // std::length_error past BSON's maximum document size.
  void Grow(size_t more);

  // The buffer: data_[0, size_) written; [limit_, capacity_) reserved for the closing NUL of
  // every open document (the root's included), so that End() never needs to grow, and so never
  // throws: it runs in destructors (ArrayWriter), also while an exception unwinds.
  uint8_t* data_;
  uint32_t size_ = 0;
  uint32_t limit_ = kInlineBytes - 1;
  uint32_t capacity_ = kInlineBytes;
  uint32_t open_ = kRoot;  // the innermost open document's length field, or kRoot
  int depth_ = 1;          // the open documents, the root included
  int max_depth_ = 1;
  int dropped_at_ = 0;  // the depth of the outermost open dropped document, or 0
  std::unique_ptr<uint8_t[]> heap_;
  uint8_t inline_[kInlineBytes];
};

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_BSON_WRITER_H_
