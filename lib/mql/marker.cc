#include "lib/mql/marker.h"

#include <format>

#include "lib/analyze/rules/rules.h"
#include "lib/common/bson_array.h"
#include "lib/common/bson_util.h"
#include "lib/mql/bson_iter.h"

namespace querysafe::mql {
namespace {

bool StartsWithOperator(const bson_t* doc) {
  bson_iter_t it;
  return bson_iter_init(&it, doc) && bson_iter_next(&it) && bson_iter_key(&it)[0] == '$';
}

}  // namespace

Span Marker::SpanOf(const bson_iter_t& it) const {
  const uint32_t begin = static_cast<uint32_t>(it.raw + it.off - base_);
  return Span{begin, begin + (it.next_off - it.off)};
}

Marker::Classified Marker::Classify(std::string_view path) const {
  Classified out;
  for (const schema::EncryptedPath& ep : collection_.encrypted_paths) {
    const std::string_view p = ep.path;
    if (p == path) return Classified{Relation::kEncrypted, &ep};
    if (path.size() > p.size() && path.starts_with(p) && path[p.size()] == '.') {
      return Classified{Relation::kBelowEncrypted, &ep};
    }
    if (p.size() > path.size() && p.starts_with(path) && p[path.size()] == '.') {
      out = Classified{Relation::kAboveEncrypted, &ep};
    }
  }
  return out;
}

bound::FieldRef Marker::Ref(const schema::EncryptedPath& path, std::string_view as_written) {
  bound::FieldRef ref;
  ref.field = path.field;
  ref.model = path.field != nullptr ? path.field->model : nullptr;
  ref.db_path = path.path;
  ref.django_path = as_written;
  ref.encrypted = &path;
  return ref;
}

void Marker::Unsupported(const bson_iter_t& at, const std::string& location,
                         std::string_view what) {
  At(location);
  ctx_.Report(Category::kNotSupportedError, "mql.not_analyzed",
              std::format("querysafe's query analysis does not handle {} on a collection with "
                          "encrypted fields; it refuses the command rather than send it unmarked",
                          what),
              SpanOf(at));
}

void Marker::MarkArrayOfMatches(const bson_iter_t& it, const std::string& location, bson_t* out) {
  MarkArrayOfDocuments(it, location, out, std::format("a {} clause that is not an object", Key(it)),
                       [this](const bson_t& clause, const bson_iter_t&, const std::string& here,
                              bson_t* marked) { MarkMatch(&clause, here, marked); });
}

void Marker::MarkMatch(const bson_t* filter, const std::string& location, bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, filter)) return;
  while (bson_iter_next(&it)) {
    const std::string_view key = Key(it);
    const std::string here = Dotted(location, key);
    if (key == "$and" || key == "$or" || key == "$nor") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        Unsupported(it, here, std::format("a {} that is not an array", key));
        continue;
      }
      MarkArrayOfMatches(it, here, out);
      continue;
    }
    if (key == "$comment") {
      Append(out, it);
      continue;
    }
    if (key.starts_with('$')) {
      Unsupported(it, here, std::format("the match operator {}", key));
      continue;
    }
    const Classified c = Classify(key);
    switch (c.relation) {
      case Relation::kPlain:
        Append(out, it);
        break;
      case Relation::kEncrypted:
        MarkLeaf(it, *c.path, here, out);
        break;
      case Relation::kBelowEncrypted:
        At(here);
        analyze::rules::ReportEncryptedPrefix(ctx_, key, SpanOf(it));
        break;
      case Relation::kAboveEncrypted: {
        // Only whether the sub-document exists can be asked without comparing its ciphertext.
        bson_t value;
        bson_iter_t op;
        if (BSON_ITER_HOLDS_DOCUMENT(&it) && IterChild(&it, &value) &&
            bson_iter_init_find(&op, &value, "$exists") && bson_count_keys(&value) == 1) {
          Append(out, it);
          break;
        }
        At(here);
        analyze::rules::ReportEncryptedDescendant(ctx_, key, c.path->path, SpanOf(it));
        break;
      }
    }
  }
}

void Marker::MarkDocument(const bson_t* doc, const std::string& prefix, const std::string& location,
                          bson_t* out) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return;
  while (bson_iter_next(&it)) {
    const std::string_view key = Key(it);
    const std::string path = prefix.empty() ? std::string(key) : Dotted(prefix, key);
    const std::string here = Dotted(location, key);
    const Classified c = Classify(path);
    switch (c.relation) {
      case Relation::kPlain:
        Append(out, it);
        break;
      case Relation::kEncrypted:
        MarkStoredValue(it, *c.path, here, out, key);
        break;
      case Relation::kBelowEncrypted:
        At(here);
        analyze::rules::ReportEncryptedPrefix(ctx_, path, SpanOf(it));
        break;
      case Relation::kAboveEncrypted: {
        bson_t child;
        if (BSON_ITER_HOLDS_DOCUMENT(&it) && IterChild(&it, &child)) {
          bson_t marked;
          bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &marked);
          MarkDocument(&child, path, here, &marked);
          bson_append_document_end(out, &marked);
        } else if (BSON_ITER_HOLDS_ARRAY(&it)) {
          Unsupported(it, here,
                      std::format("an array at '{}', which contains the encrypted path '{}'", path,
                                  c.path->path));
        } else {
          Append(out, it);  // a scalar holds no encrypted field
        }
        break;
      }
    }
  }
}

void Marker::MarkUpdate(const bson_iter_t& u, const std::string& location, bson_t* out,
                        std::string_view key) {
  bson_t update;
  if (BSON_ITER_HOLDS_ARRAY(&u)) {
    Unsupported(u, location, "an update pipeline");
    return;
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(&u) || !IterChild(&u, &update)) {
    Append(out, u);  // the server refuses it; there is no value in it to encrypt
    return;
  }
  bson_t marked;
  bson_append_document_begin(out, key.data(), static_cast<int>(key.size()), &marked);
  if (!StartsWithOperator(&update)) {
    MarkDocument(&update, "", location, &marked);  // a replacement document
    bson_append_document_end(out, &marked);
    return;
  }
  bson_iter_t op;
  bson_iter_init(&op, &update);
  while (bson_iter_next(&op)) {
    const std::string_view name = Key(op);
    const std::string here = Dotted(location, name);
    bson_t fields;
    if (!BSON_ITER_HOLDS_DOCUMENT(&op) || !IterChild(&op, &fields)) {
      Append(&marked, op);
      continue;
    }
    if (name == "$unset") {
      Append(&marked, op);
      continue;
    }
    if (name == "$set" || name == "$setOnInsert") {
      bson_t set;
      bson_append_document_begin(&marked, name.data(), static_cast<int>(name.size()), &set);
      MarkDocument(&fields, "", here, &set);
      bson_append_document_end(&marked, &set);
      continue;
    }
    bool touches = false;
    bson_iter_t f;
    bson_iter_init(&f, &fields);
    while (bson_iter_next(&f)) {
      std::string_view target = Key(f);
      bool hit = Classify(target).relation != Relation::kPlain;
      if (!hit && name == "$rename" && BSON_ITER_HOLDS_UTF8(&f)) {
        uint32_t len = 0;
        const char* to = bson_iter_utf8(&f, &len);
        target = std::string_view(to, len);
        hit = Classify(target).relation != Relation::kPlain;
      }
      if (hit) {
        touches = true;
        At(Dotted(here, Key(f)));
        analyze::rules::ReportUpdateOperator(ctx_, name, target, SpanOf(f));
      }
    }
    if (!touches) Append(&marked, op);
  }
  bson_append_document_end(out, &marked);
}

void Marker::CheckSort(const bson_iter_t& sort, const std::string& location) {
  bson_t doc;
  if (!BSON_ITER_HOLDS_DOCUMENT(&sort) || !IterChild(&sort, &doc)) return;
  bson_iter_t it;
  bson_iter_init(&it, &doc);
  while (bson_iter_next(&it)) {
    const std::string_view key = Key(it);
    At(Dotted(location, key));
    const Classified c = Classify(key);
    if (c.relation == Relation::kBelowEncrypted) {
      analyze::rules::ReportEncryptedPrefix(ctx_, key, SpanOf(it));
      continue;
    }
    bound::FieldRef ref;
    ref.db_path = key;
    if (c.relation == Relation::kEncrypted) ref = Ref(*c.path, key);
    analyze::rules::CheckOrderBy(ctx_, collection_, ref, SpanOf(it));
  }
}

void Marker::CheckIndex(const bson_t* index, const std::string& location) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, index, "partialFilterExpression")) {
    Unsupported(it, location + ".partialFilterExpression", "a partial index filter");
  }
  bson_t keys;
  if (!bson_iter_init_find(&it, index, "key") || !BSON_ITER_HOLDS_DOCUMENT(&it) ||
      !IterChild(&it, &keys)) {
    return;
  }
  bson_iter_t key;
  bson_iter_init(&key, &keys);
  while (bson_iter_next(&key)) {
    const Classified c = Classify(Key(key));
    if (c.relation == Relation::kPlain) continue;
    // QE fields are queried through their own encrypted index (the ESC/ECOC collections); a
    // regular index over ciphertext serves no query.
    Unsupported(key, std::format("{}.key.{}", location, Key(key)),
                std::format("an index on '{}', which is or holds the encrypted field '{}'",
                            Key(key), c.path->path));
  }
}

void Marker::MultiUpdate(const bson_iter_t& multi, const std::string& location) {
  At(location);
  analyze::rules::ReportMultiDocumentUpdate(ctx_, SpanOf(multi));
}

void Marker::CheckDistinctKey(const bson_iter_t& key, const std::string& location) {
  if (!BSON_ITER_HOLDS_UTF8(&key)) return;
  uint32_t len = 0;
  const char* text = bson_iter_utf8(&key, &len);
  const std::string_view path(text, len);
  At(location);
  const Classified c = Classify(path);
  if (c.relation == Relation::kBelowEncrypted) {
    analyze::rules::ReportEncryptedPrefix(ctx_, path, SpanOf(key));
    return;
  }
  bound::FieldRef ref;
  ref.db_path = path;
  if (c.relation == Relation::kEncrypted) ref = Ref(*c.path, path);
  analyze::rules::CheckGroupKey(ctx_, collection_, ref, SpanOf(key));
}

}  // namespace querysafe::mql
