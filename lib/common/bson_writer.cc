#include "lib/common/bson_writer.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace querysafe {

namespace {

// BSON's own limit on a document (libbson's BSON_MAX_SIZE): an int32 length.
constexpr size_t kMaxDocumentBytes = INT32_MAX;

}  // namespace

BsonWriter::BsonWriter() : data_(inline_) {
  size_ = 4;  // the root document's length, patched by Finish()
}

void BsonWriter::Grow(size_t more) {
  const size_t closing = capacity_ - limit_;
  const size_t need = size_t{size_} + more + closing;
  if (need > kMaxDocumentBytes) {
    throw std::length_error("a BSON document cannot be larger than 2 GiB");
  }
  const size_t capacity = std::min(std::max(need, size_t{capacity_} * 2), kMaxDocumentBytes);
  auto bigger = std::make_unique_for_overwrite<uint8_t[]>(capacity);
  std::memcpy(bigger.get(), data_, size_);
  heap_ = std::move(bigger);
  data_ = heap_.get();
  capacity_ = static_cast<uint32_t>(capacity);
  limit_ = static_cast<uint32_t>(capacity - closing);
}

bool BsonWriter::AppendDouble(BsonKey key, double value) {
  if (!key.ok()) return false;
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  Put64(Element(BSON_TYPE_DOUBLE, key, 8), bits);
  return true;
}

bool BsonWriter::AppendBinary(BsonKey key, bson_subtype_t subtype, const uint8_t* data,
                              uint32_t length) {
  if (!key.ok()) return false;
  if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) {
    // The old subtype 2 repeats the length inside the payload: libbson writes it.
    bson_value_t v{};
    v.value_type = BSON_TYPE_BINARY;
    v.value.v_binary.subtype = subtype;
    v.value.v_binary.data = const_cast<uint8_t*>(data);
    v.value.v_binary.data_len = length;
    return AppendValue(key, v);
  }
  uint8_t* p = Element(BSON_TYPE_BINARY, key, 4 + 1 + size_t{length});
  p = Put32(p, length);
  *p++ = static_cast<uint8_t>(subtype);
  if (length != 0) std::memcpy(p, data, length);
  return true;
}

bool BsonWriter::AppendValue(BsonKey key, const bson_value_t& value) {
  // Each case checks the key once (here, or in the Append* it calls; libbson for the rare types).
  const auto& v = value.value;
  switch (value.value_type) {
    case BSON_TYPE_UTF8:
      // A null pointer is written as null (AppendUtf8), as libbson does.
      return AppendUtf8(key, std::string_view(v.v_utf8.str, v.v_utf8.len));
    case BSON_TYPE_INT32:
      return AppendInt32(key, v.v_int32);
    case BSON_TYPE_INT64:
      return AppendInt64(key, v.v_int64);
    case BSON_TYPE_DOUBLE:
      return AppendDouble(key, v.v_double);
    case BSON_TYPE_BOOL:
      return AppendBool(key, v.v_bool);
    case BSON_TYPE_NULL:
      return AppendNull(key);
    case BSON_TYPE_DATE_TIME:
      if (!key.ok()) return false;
      Put64(Element(BSON_TYPE_DATE_TIME, key, 8), static_cast<uint64_t>(v.v_datetime));
      return true;
    case BSON_TYPE_OID:
      if (!key.ok()) return false;
      std::memcpy(Element(BSON_TYPE_OID, key, 12), v.v_oid.bytes, 12);
      return true;
    case BSON_TYPE_DECIMAL128: {
      if (!key.ok()) return false;
      uint8_t* p = Element(BSON_TYPE_DECIMAL128, key, 16);
      Put64(Put64(p, v.v_decimal128.low), v.v_decimal128.high);
      return true;
    }
    case BSON_TYPE_BINARY:
      if (v.v_binary.subtype != BSON_SUBTYPE_BINARY_DEPRECATED) {
        return AppendBinary(key, v.v_binary.subtype, v.v_binary.data, v.v_binary.data_len);
      }
      break;
    default:
      break;
  }
  // The rare types: libbson encodes the element into a scratch document, and its bytes (between
  // the scratch document's length and its final NUL) are copied over.
  bson_t scratch = BSON_INITIALIZER;
  const bool ok = bson_append_value(&scratch, key.data(), static_cast<int>(key.size()), &value);
  if (ok) {
    const uint8_t* bytes = bson_get_data(&scratch);
    const size_t n = scratch.len - 5;
    if (limit_ - size_ < n) Grow(n);
    std::memcpy(data_ + size_, bytes + 4, n);
    size_ += static_cast<uint32_t>(n);
  }
  bson_destroy(&scratch);
  if (ok && (value.value_type == BSON_TYPE_DOCUMENT || value.value_type == BSON_TYPE_ARRAY)) {
    bson_t nested;
    if (bson_init_static(&nested, v.v_doc.data, v.v_doc.data_len)) NoteNested(&nested);
  }
  return ok;
}

void BsonWriter::NoteNested(const bson_t* doc) {
  // Below the innermost open document, `doc` adds its own levels; counted up to a bound far
  // past any depth MongoDB takes, so that a pathological value cannot recurse without end.
  constexpr int kWalkLimit = 1000;
  const int depth = depth_ + BsonDepth(doc, kWalkLimit);
  if (depth > max_depth_ && dropped_at_ == 0) max_depth_ = depth;
}

bool BsonWriter::AppendDocument(BsonKey key, const bson_t* doc) {
  if (!key.ok()) return false;
  std::memcpy(Element(BSON_TYPE_DOCUMENT, key, doc->len), bson_get_data(doc), doc->len);
  NoteNested(doc);
  return true;
}

std::span<const uint8_t> BsonWriter::Close() {
  assert(open_ == kRoot && "every Begin* needs its End*");
  data_[size_++] = 0;  // reserved since construction
  Put32(data_, size_);
  return {data_, size_};
}

void BsonWriter::Finish(BsonDoc* out) {
  Close();
  out->Clear();
  uint8_t* dst = bson_reserve_buffer(out->get(), size_);
  if (dst == nullptr) throw std::length_error("libbson refused a document of this size");
  std::memcpy(dst, data_, size_);
}

}  // namespace querysafe
