#include "lib/exec/row_shape.h"

#include <format>
#include <string_view>

namespace querysafe::exec {
namespace {

using bound::ResultShape;

bool FindDocument(const bson_t* doc, std::string_view key, bson_t* out, bool array = false) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return false;
  while (bson_iter_next(&it)) {
    if (std::string_view(bson_iter_key(&it)) != key) continue;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    if (array ? !BSON_ITER_HOLDS_ARRAY(&it) : !BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return false;
    }
    if (array) {
      bson_iter_array(&it, &len, &data);
    } else {
      bson_iter_document(&it, &len, &data);
    }
    return bson_init_static(out, data, len);
  }
  return false;
}

bool IsNonZero(const bson_iter_t& it) {
  if (BSON_ITER_HOLDS_INT32(&it)) return bson_iter_int32(&it) != 0;
  if (BSON_ITER_HOLDS_INT64(&it)) return bson_iter_int64(&it) != 0;
  if (BSON_ITER_HOLDS_DOUBLE(&it)) return bson_iter_double(&it) != 0;
  if (BSON_ITER_HOLDS_BOOL(&it)) return bson_iter_bool(&it);
  return true;  // an expression: the field is included
}

void AppendIndexed(bson_t* row, size_t index, const bson_value_t* value) {
  const std::string key = std::to_string(index);
  if (value != nullptr) {
    bson_append_value(row, key.c_str(), -1, value);
  } else {
    bson_append_null(row, key.c_str(), -1);
  }
}

bool IsInt32(const bson_iter_t& it, int32_t v) {
  return BSON_ITER_HOLDS_INT32(&it) && bson_iter_int32(&it) == v;
}

// {$sum: {$cond: [<test>, 1, 0]}}: how lowering counts rows.
bool IsCountAccumulator(const bson_t* accumulator) {
  bson_t sum, cond;
  if (!FindDocument(accumulator, "$sum", &sum) || !FindDocument(&sum, "$cond", &cond, true)) {
    return false;
  }
  bson_iter_t it;
  return bson_iter_init_find(&it, &cond, "1") && IsInt32(it, 1) &&
         bson_iter_init_find(&it, &cond, "2") && IsInt32(it, 0) && !bson_iter_next(&it);
}

// {$size: "$<alias>"} in the $project stage: a distinct count.
bool IsSizeOf(const bson_t* project, std::string_view alias) {
  bson_t size_doc;
  if (!FindDocument(project, alias, &size_doc)) return false;
  bson_iter_t it;
  return bson_iter_init_find(&it, &size_doc, "$size") && BSON_ITER_HOLDS_UTF8(&it) &&
         std::string_view(bson_iter_utf8(&it, nullptr)) == std::format("${}", alias);
}

// The keys a projection ({"a": 1}, {"k": "$a.b"}, {"n": {...}}) includes, in order; `path` is
// empty for a computed value (an aggregate, a $literal).
std::vector<OutputKey> ReadProjection(const bson_t* projection) {
  std::vector<OutputKey> out;
  bson_iter_t it;
  if (!bson_iter_init(&it, projection)) return out;
  while (bson_iter_next(&it)) {
    const std::string key = bson_iter_key(&it);
    if (BSON_ITER_HOLDS_UTF8(&it)) {
      std::string_view ref = bson_iter_utf8(&it, nullptr);
      const bool field_ref = ref.starts_with('$') && !ref.starts_with("$$");
      out.push_back({key, field_ref ? std::string(ref.substr(1)) : std::string()});
    } else if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
      out.push_back({key, ""});
    } else if (IsNonZero(it)) {
      out.push_back({key, key});
    }
  }
  return out;
}

bool SubDocument(bson_iter_t* it, bson_t* out) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_DOCUMENT(it)) {
    bson_iter_document(it, &len, &data);
  } else if (BSON_ITER_HOLDS_ARRAY(it)) {
    bson_iter_array(it, &len, &data);
  } else {
    return false;
  }
  return bson_init_static(out, data, len);
}

}  // namespace

std::optional<std::vector<OutputKey>> SelectedKeys(const lower::Command& command) {
  const bson_t* body = command.body.get();
  const lower::CommandKind kind = command.kind;
  bson_iter_t it;
  bson_t doc;
  if (kind == lower::CommandKind::kFind) {
    if (!bson_iter_init_find(&it, body, "projection") || !SubDocument(&it, &doc)) {
      return std::nullopt;
    }
    return ReadProjection(&doc);
  }
  std::optional<std::vector<OutputKey>> last;
  bson_t pipeline;
  if (!bson_iter_init_find(&it, body, "pipeline") || !SubDocument(&it, &pipeline)) return last;
  bson_iter_t stage;
  bson_iter_init(&stage, &pipeline);
  while (bson_iter_next(&stage)) {
    bson_t s, project;
    bson_iter_t op;
    if (!SubDocument(&stage, &s)) continue;
    if (bson_iter_init_find(&op, &s, "$project") && SubDocument(&op, &project)) {
      last = ReadProjection(&project);
    } else if (bson_iter_init_find(&op, &s, "$group") || bson_iter_init_find(&op, &s, "$count") ||
               bson_iter_init_find(&op, &s, "$replaceRoot")) {
      last.reset();  // the documents change shape: an earlier $project says nothing
    }
  }
  return last;
}

RowShaper::RowShaper(const lower::Command& command) {
  switch (command.shape) {
    case ResultShape::kModels:
      return;
    case ResultShape::kValues:
    case ResultShape::kNamed:
      kind_ = RowKind::kDocument;
      break;
    case ResultShape::kValuesList:
      kind_ = RowKind::kTuple;
      break;
    case ResultShape::kFlat:
      kind_ = RowKind::kScalar;
      break;
  }
  pass_through_ = false;
  if (command.kind != lower::CommandKind::kFind) {
    // A tuple is read by the $project's keys, in order, so that a key the stage left out (a
    // grouped field the documents lack) is None in its place rather than shifting the others.
    if (std::optional<std::vector<OutputKey>> keys = SelectedKeys(command)) {
      for (OutputKey& k : *keys) {
        output_keys_.push_back(std::move(k.key));
      }
    }
    return;
  }
  // The projection lists the fields' db paths in field_names' order (then
  // {_id: 0} when the primary key was not asked for).
  bson_t projection;
  std::vector<std::string> paths;
  if (FindDocument(command.body.get(), "projection", &projection)) {
    bson_iter_t it;
    bson_iter_init(&it, &projection);
    while (bson_iter_next(&it)) {
      if (IsNonZero(it)) paths.emplace_back(bson_iter_key(&it));
    }
  }
  if (paths.size() == command.field_names.size() && !paths.empty()) {
    by_path_ = true;
    paths_ = std::move(paths);
    names_ = command.field_names;
  }
}

BsonDoc RowShaper::Shape(const bson_t* document) const {
  if (pass_through_) return BsonDoc(document);
  BsonDoc row;
  if (by_path_) {
    for (size_t i = 0; i < paths_.size(); ++i) {
      bson_iter_t it, found;
      const bson_value_t* value = nullptr;
      if (bson_iter_init(&it, document) &&
          bson_iter_find_descendant(&it, paths_[i].c_str(), &found)) {
        value = bson_iter_value(&found);
      }
      if (kind_ == RowKind::kDocument) {
        if (value != nullptr) {
          bson_append_value(row.get(), names_[i].c_str(), -1, value);
        } else {
          bson_append_null(row.get(), names_[i].c_str(), -1);
        }
      } else {
        AppendIndexed(row.get(), i, value);
      }
      if (kind_ == RowKind::kScalar) break;
    }
    return row;
  }
  // An aggregate's $project named the keys already.
  if (kind_ == RowKind::kDocument) return BsonDoc(document);
  if (!output_keys_.empty()) {
    for (size_t i = 0; i < output_keys_.size(); ++i) {
      bson_iter_t it;
      AppendIndexed(row.get(), i,
                    bson_iter_init_find(&it, document, output_keys_[i].c_str())
                        ? bson_iter_value(&it)
                        : nullptr);
      if (kind_ == RowKind::kScalar) break;
    }
    return row;
  }
  bson_iter_t it;
  size_t index = 0;
  if (bson_iter_init(&it, document)) {
    while (bson_iter_next(&it)) {
      AppendIndexed(row.get(), index++, bson_iter_value(&it));
      if (kind_ == RowKind::kScalar) break;
    }
  }
  if (index == 0 && kind_ == RowKind::kScalar) AppendIndexed(row.get(), 0, nullptr);
  return row;
}

BsonDoc EmptyAggregateRow(const bson_t* command) {
  BsonDoc row;
  bson_t pipeline;
  if (!FindDocument(command, "pipeline", &pipeline, true)) return row;
  bson_t group, project;
  bool have_group = false, have_project = false;
  bson_iter_t stage;
  bson_iter_init(&stage, &pipeline);
  while (bson_iter_next(&stage)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&stage)) continue;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&stage, &len, &data);
    bson_t s;
    if (!bson_init_static(&s, data, len)) continue;
    if (!have_group) have_group = FindDocument(&s, "$group", &group);
    if (have_group && !have_project) {
      have_project = FindDocument(&s, "$project", &project);
    }
  }
  if (!have_group) return row;
  bson_iter_t acc;
  bson_iter_init(&acc, &group);
  while (bson_iter_next(&acc)) {
    const std::string_view alias = bson_iter_key(&acc);
    if (alias == "_id") continue;
    bool is_count = false;
    if (BSON_ITER_HOLDS_DOCUMENT(&acc)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&acc, &len, &data);
      bson_t accumulator;
      if (bson_init_static(&accumulator, data, len)) {
        is_count = IsCountAccumulator(&accumulator) || (have_project && IsSizeOf(&project, alias));
      }
    }
    if (is_count) {
      bson_append_int32(row.get(), alias.data(), static_cast<int>(alias.size()), 0);
    } else {
      bson_append_null(row.get(), alias.data(), static_cast<int>(alias.size()));
    }
  }
  return row;
}

Diagnostic DoesNotExist(std::string_view model) {
  Diagnostic d;
  d.category = Category::kDoesNotExist;
  d.code = "exec.does_not_exist";
  d.message = std::format("{} matching query does not exist.", model);
  return d;
}

Diagnostic MultipleObjectsReturned(std::string_view model, int64_t count) {
  Diagnostic d;
  d.category = Category::kMultipleObjectsReturned;
  d.code = "exec.multiple_objects_returned";
  d.message = std::format("get() returned more than one {} -- it returned {}!", model,
                          count < kMaxGetResults ? std::to_string(count)
                                                 : std::format("more than {}", kMaxGetResults - 1));
  return d;
}

}  // namespace querysafe::exec
