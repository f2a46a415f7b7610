#include "lib/lower/lowered_instance.h"

#include <span>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "lib/analyze/instance.h"
#include "lib/common/bson_array.h"
#include "lib/lower/text_options.h"

namespace querysafe::lower {
namespace {

// Copies `from` into `to`, putting a placeholder (and its request) in place of each value
// `values` (the stored values below this level, depth `depth`) names. Placeholders are numbered in
// document order, the order in which the analyzer listed them.
class InstanceLowering {
 public:
  explicit InstanceLowering(LoweredInstance* out) : out_(out) {}

  void Copy(const bson_t* from, bson_t* to, std::span<const bound::StoredValue* const> values,
            size_t depth) {
    bson_iter_t it;
    if (!bson_iter_init(&it, from)) return;
    std::vector<const bound::StoredValue*> below;
    while (bson_iter_next(&it)) {
      const std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
      const bound::StoredValue* here = nullptr;
      below.clear();
      for (const bound::StoredValue* v : values) {
        if (v->keys[depth] != key) continue;
        if (v->keys.size() == depth + 1) {
          here = v;
        } else {
          below.push_back(v);
        }
      }
      const int key_length = static_cast<int>(key.size());
      if (here != nullptr) {
        AppendPlaceholder(*here, *bson_iter_value(&it), key, to);
      } else if (!below.empty() && (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it))) {
        const bool array = BSON_ITER_HOLDS_ARRAY(&it);
        uint32_t length = 0;
        const uint8_t* data = nullptr;
        if (array) {
          bson_iter_array(&it, &length, &data);
        } else {
          bson_iter_document(&it, &length, &data);
        }
        bson_t child, copy;
        if (!bson_init_static(&child, data, length)) continue;
        if (array) {
          AppendArrayBegin(to, key.data(), key_length, &copy);  // the source's own keys
        } else {
          bson_append_document_begin(to, key.data(), key_length, &copy);
        }
        Copy(&child, &copy, below, depth + 1);
        if (array) {
          bson_append_array_end(to, &copy);
        } else {
          bson_append_document_end(to, &copy);
        }
      } else {
        bson_append_iter(to, key.data(), key_length, &it);
      }
    }
  }

 private:
  void AppendPlaceholder(const bound::StoredValue& stored, const bson_value_t& value,
                         std::string_view key, bson_t* to) {
    const auto id = static_cast<uint32_t>(out_->encryptions.size());
    out_->encryptions.push_back(StoredValueRequest(*stored.path, id, value));
    // The placeholder shape lowering uses (encryption_request.h).
    bson_t outer, p;
    bson_append_document_begin(to, key.data(), static_cast<int>(key.size()), &outer);
    bson_append_document_begin(&outer, "$encrypt", 8, &p);
    BSON_APPEND_INT32(&p, "id", static_cast<int32_t>(id));
    BSON_APPEND_UTF8(&p, "role", "value");
    AppendUtf8(&p, "path", stored.db_path);
    bson_append_document_end(&outer, &p);
    bson_append_document_end(to, &outer);
  }

  LoweredInstance* out_;
};

}  // namespace

LoweredInstance LowerInstance(const bound::Instance& instance) {
  LoweredInstance out;
  std::vector<const bound::StoredValue*> values;
  values.reserve(instance.encrypted.size());
  for (const bound::StoredValue& v : instance.encrypted) values.push_back(&v);
  InstanceLowering(&out).Copy(instance.document.get(), out.document.get(), values, 0);
  out.pk = instance.pk;
  return out;
}

EncryptionRequest StoredValueRequest(const schema::EncryptedPath& path, uint32_t id,
                                     const bson_value_t& value) {
  EncryptionRequest r;
  r.id = id;
  r.is_query = false;
  r.path = path.path;
  r.bson_type = path.bson_type;
  r.key = path.key;
  bson_append_value(r.operands.get(), "v", 1, &value);
  if (!path.queryable()) {
    r.algorithm = Algorithm::kUnindexed;
    return r;
  }
  const schema::QuerySpec& index = path.queries->front();
  r.query_type = std::string(schema::QueryTypeName(index.type));
  r.contention = index.effective_contention;
  switch (index.type) {
    case schema::QueryType::kEquality:
      r.algorithm = Algorithm::kIndexed;
      break;
    case schema::QueryType::kRange: {
      r.algorithm = Algorithm::kRange;
      bson_t* o = r.range_options.get();
      if (index.has_bounds()) {
        bson_value_t min = index.min(), max = index.max();
        bson_append_value(o, "min", 3, &min);
        bson_append_value(o, "max", 3, &max);
      }
      BSON_APPEND_INT64(o, "sparsity", index.effective_sparsity);
      BSON_APPEND_INT32(o, "trimFactor", index.effective_trim_factor);
      if (index.precision) BSON_APPEND_INT32(o, "precision", *index.precision);
      break;
    }
    default: {
      // Text: the encryptor refuses it when the linked libmongocrypt has no
      // text algorithm (1.13), which is the right answer. A stored value
      // carries every text index of the field (prefix with suffix).
      r.algorithm =
          schema::IsTextPreview(index.type) ? Algorithm::kTextPreview : Algorithm::kString;
      absl::InlinedVector<const schema::QuerySpec*, 2> indexes;
      for (const schema::QuerySpec& q : *path.queries) indexes.push_back(&q);
      AppendTextOptions(indexes, r.text_options.get());
      break;
    }
  }
  return r;
}

}  // namespace querysafe::lower
