#include "tests/crypt_shared/spec_command_match.h"

#include <string_view>

#include "lib/common/bson_array.h"

namespace querysafe::testing {
namespace {

// One value as canonical Extended JSON, for the messages.
std::string ValueJson(const bson_iter_t* it) {
  BsonDoc doc;
  bson_append_iter(doc.get(), "v", 1, it);
  return ToCanonicalJson(doc.get());
}

bool SameValue(const bson_iter_t* want, const bson_iter_t* got) {
  BsonDoc a;
  BsonDoc b;
  bson_append_iter(a.get(), "v", 1, want);
  bson_append_iter(b.get(), "v", 1, got);
  return bson_equal(a.get(), b.get());
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// `{"$$type": "binData"}`, the spec's "any binary".
bool IsTypeOperator(const bson_iter_t* it, std::string* type) {
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return false;
  bson_t child;
  IterChild(it, &child);
  bson_iter_t inner;
  if (bson_count_keys(&child) != 1 || !bson_iter_init_find(&inner, &child, "$$type") ||
      !BSON_ITER_HOLDS_UTF8(&inner)) {
    return false;
  }
  *type = bson_iter_utf8(&inner, nullptr);
  return true;
}

class Matcher {
 public:
  explicit Matcher(CommandMatch* out) : out_(out) {}

  void Document(const bson_t* want, const bson_t* got, const std::string& path, bool top) {
    bson_iter_t w;
    bson_iter_init(&w, want);
    while (bson_iter_next(&w)) {
      const std::string where = Join(path, bson_iter_key(&w));
      bson_iter_t g;
      const bool present = bson_iter_init_find(&g, got, bson_iter_key(&w));
      if (top && BSON_ITER_HOLDS_NULL(&w)) {
        if (present) Differ(where, "must be absent, is " + ValueJson(&g));
        continue;
      }
      if (!present) {
        Differ(where, "missing, expected " + ValueJson(&w));
        continue;
      }
      Value(&w, &g, where);
    }
    bson_iter_t g;
    bson_iter_init(&g, got);
    while (bson_iter_next(&g)) {
      // Not bson_has_field: it reads dots as a path, and namespaces ("db.coll") are keys here.
      bson_iter_t expected;
      if (bson_iter_init_find(&expected, want, bson_iter_key(&g))) continue;
      if (top) {
        out_->extra_top_level.emplace_back(bson_iter_key(&g));
      } else {
        Differ(Join(path, bson_iter_key(&g)), "not expected: " + ValueJson(&g));
      }
    }
  }

 private:
  void Array(const bson_t* want, const bson_t* got, const std::string& path) {
    if (bson_count_keys(want) != bson_count_keys(got)) {
      Differ(path, "expected " + std::to_string(bson_count_keys(want)) + " elements, got " +
                       std::to_string(bson_count_keys(got)));
      return;
    }
    bson_iter_t w;
    bson_iter_t g;
    bson_iter_init(&w, want);
    bson_iter_init(&g, got);
    while (bson_iter_next(&w) && bson_iter_next(&g)) Value(&w, &g, Join(path, bson_iter_key(&w)));
  }

  void Value(const bson_iter_t* w, const bson_iter_t* g, const std::string& path) {
    std::string type;
    if (IsTypeOperator(w, &type)) {
      if (type != "binData" || !BSON_ITER_HOLDS_BINARY(g)) {
        Differ(path, "expected $$type " + type + ", got " + ValueJson(g));
        return;
      }
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(g, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_ENCRYPTED) {
        const size_t dot = path.rfind('.');
        out_->payloads.push_back(MatchedPayload{
            path, dot == std::string::npos ? path : path.substr(dot + 1), {data, data + len}});
      }
      return;
    }
    const bool docs = BSON_ITER_HOLDS_DOCUMENT(w) && BSON_ITER_HOLDS_DOCUMENT(g);
    const bool arrays = BSON_ITER_HOLDS_ARRAY(w) && BSON_ITER_HOLDS_ARRAY(g);
    if (docs || arrays) {
      bson_t want;
      bson_t got;
      IterChild(w, &want);
      IterChild(g, &got);
      if (docs) {
        Document(&want, &got, path, false);
      } else {
        Array(&want, &got, path);
      }
      return;
    }
    if (!SameValue(w, g)) Differ(path, "expected " + ValueJson(w) + ", got " + ValueJson(g));
  }

  void Differ(const std::string& path, const std::string& what) {
    out_->differences.push_back(path + ": " + what);
  }

  CommandMatch* out_;
};

bool IsOperatorDocument(const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return false;
  bson_t child;
  IterChild(it, &child);
  bson_iter_t first;
  return bson_iter_init(&first, &child) && bson_iter_next(&first) &&
         bson_iter_key(&first)[0] == '$';
}

void AppendExplicitEq(const bson_t* filter, bson_t* out);

// Appends the array at `it` under its key: each element that is a document as `rewrite(element,
// out)` writes it, any other element as it is.
template <typename Rewrite>
void AppendArrayOfDocuments(const bson_iter_t* it, bson_t* out, Rewrite rewrite) {
  bson_t in;
  bson_t array;
  IterChild(it, &in);
  AppendArrayBegin(out, bson_iter_key(it), -1, &array);
  bson_iter_t element;
  bson_iter_init(&element, &in);
  while (bson_iter_next(&element)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&element)) {
      bson_append_iter(&array, nullptr, 0, &element);
      continue;
    }
    bson_t child;
    bson_t rewritten;
    IterChild(&element, &child);
    bson_append_document_begin(&array, bson_iter_key(&element), -1, &rewritten);
    rewrite(&child, &rewritten);
    bson_append_document_end(&array, &rewritten);
  }
  bson_append_array_end(out, &array);
}

// A `$and`/`$or`/`$nor` array: each element a filter.
void AppendFilterArray(const bson_iter_t* it, bson_t* out) {
  AppendArrayOfDocuments(it, out, AppendExplicitEq);
}

void AppendExplicitEq(const bson_t* filter, bson_t* out) {
  bson_iter_t it;
  bson_iter_init(&it, filter);
  while (bson_iter_next(&it)) {
    const std::string_view key = bson_iter_key(&it);
    if ((key == "$and" || key == "$or" || key == "$nor") && BSON_ITER_HOLDS_ARRAY(&it)) {
      AppendFilterArray(&it, out);
    } else if (key.starts_with("$") || IsOperatorDocument(&it)) {
      bson_append_iter(out, nullptr, 0, &it);
    } else {
      bson_t eq;
      bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &eq);
      bson_append_iter(&eq, "$eq", 3, &it);
      bson_append_document_end(out, &eq);
    }
  }
}

// Appends the document at `it` under its key, its match expression (the field `filter_key` of
// each element for an array, the document itself otherwise) with explicit $eq.
void AppendNormalized(const bson_iter_t* it, const char* filter_key, bson_t* out) {
  bson_t in;
  IterChild(it, &in);
  if (filter_key == nullptr) {
    bson_t filter;
    bson_append_document_begin(out, bson_iter_key(it), -1, &filter);
    AppendExplicitEq(&in, &filter);
    bson_append_document_end(out, &filter);
    return;
  }
  AppendArrayOfDocuments(it, out, [filter_key](const bson_t* statement, bson_t* copy) {
    bson_iter_t field;
    bson_iter_init(&field, statement);
    while (bson_iter_next(&field)) {
      if (std::string_view(bson_iter_key(&field)) == filter_key &&
          BSON_ITER_HOLDS_DOCUMENT(&field)) {
        AppendNormalized(&field, nullptr, copy);
      } else {
        bson_append_iter(copy, nullptr, 0, &field);
      }
    }
  });
}

}  // namespace

CommandMatch MatchCommand(const bson_t* expected, const bson_t* actual) {
  CommandMatch match;
  Matcher(&match).Document(expected, actual, "", true);
  return match;
}

BsonDoc WithExplicitEq(const bson_t* command) {
  BsonDoc out;
  bson_iter_t it;
  bson_iter_init(&it, command);
  while (bson_iter_next(&it)) {
    const std::string_view key = bson_iter_key(&it);
    if ((key == "filter" || key == "query") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      AppendNormalized(&it, nullptr, out.get());
    } else if ((key == "deletes" || key == "updates") && BSON_ITER_HOLDS_ARRAY(&it)) {
      AppendNormalized(&it, "q", out.get());
    } else {
      bson_append_iter(out.get(), nullptr, 0, &it);
    }
  }
  return out;
}

}  // namespace querysafe::testing
