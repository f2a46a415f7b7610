// The commands around the filter: find where a find says it all (filter, sort, projection,
// skip/limit), count, an aggregate pipeline where a pipeline is needed (joins, annotations,
// aggregate(), distinct, dates), and one-statement update/delete.

#include <format>
#include <string>

#include "lib/lower/lower.h"
#include "lib/lower/lowering.h"

namespace querysafe::lower {

using bound::Operation;
using bound::ResultShape;

std::string_view CommandKindName(CommandKind kind) {
  switch (kind) {
    case CommandKind::kFind:
      return "find";
    case CommandKind::kAggregate:
      return "aggregate";
    case CommandKind::kCount:
      return "count";
    case CommandKind::kUpdate:
      return "update";
    case CommandKind::kDelete:
      return "delete";
  }
  return "";
}

namespace {

bool NeedsPipeline(const bound::Query& q) {
  return !q.joins.empty() || !q.annotations.empty() || q.distinct ||
         q.operation == Operation::kAggregate || q.operation == Operation::kDates ||
         q.operation == Operation::kDatetimes;
}

// The output key of a projected field: Django names values() keys by the lookup path.
std::string OutputKey(const bound::FieldRef& f) { return std::string(f.django_path); }

void AppendInt64Or(bson_t* doc, const char* key, const Lowering& l, const bound::Value* param,
                   int64_t fallback) {
  if (param != nullptr) {
    std::span<const bson_value_t> v = l.ValuesOf(*param);
    if (!v.empty()) {
      bson_append_value(doc, key, -1, &v[0]);
      return;
    }
  }
  bson_append_int64(doc, key, -1, fallback);
}

bool HasOffset(const bound::Query& q) { return q.offset_param != nullptr || q.offset > 0; }
bool HasLimit(const bound::Query& q) { return q.limit_param != nullptr || q.limit >= 0; }

// The filter clause, ANDed with in_bulk()'s key list.
void WriteFilter(Lowering& l, bson_t* doc, const bound::Query& q) {
  if (!q.in_bulk_ids) {
    l.WriteClause(doc, *q.filter);
    return;
  }
  auto write_in = [&](bson_t* target) {
    bson_t cond;
    const std::string_view path = q.in_bulk_field.db_path;
    bson_append_document_begin(target, path.data(), static_cast<int>(path.size()), &cond);
    {
      ArrayWriter list(&cond, "$in");
      for (const bound::Value& v : q.in_bulk_values) list.Value(v.constant);
    }
    bson_append_document_end(target, &cond);
  };
  if (q.filter->kind == bound::Filter::Kind::kTrue) {
    write_in(doc);
    return;
  }
  ArrayWriter both(doc, "$and");
  bson_t a, b;
  both.BeginDocument(&a);
  l.WriteClause(&a, *q.filter);
  both.EndDocument(&a);
  both.BeginDocument(&b);
  write_in(&b);
  both.EndDocument(&b);
}

void WriteSort(bson_t* doc, const char* key, const bound::Query& q, bool by_output_key) {
  if (q.order_by.empty()) return;
  bson_t sort;
  bson_append_document_begin(doc, key, -1, &sort);
  for (const bound::OrderBy& o : q.order_by) {
    std::string path = by_output_key ? OutputKey(o.field) : std::string(o.field.db_path);
    bson_append_int32(&sort, path.c_str(), static_cast<int>(path.size()), o.descending ? -1 : 1);
  }
  bson_append_document_end(doc, &sort);
}

void WriteFind(Lowering& l, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kFind;
  bson_t* body = out->body.get();
  AppendString(body, "find", out->collection);
  bson_t filter;
  bson_append_document_begin(body, "filter", 6, &filter);
  WriteFilter(l, &filter, q);
  bson_append_document_end(body, &filter);
  WriteSort(body, "sort", q, false);
  // Projection: values() fields (without _id unless asked for), only(), defer(); exists()
  // needs no field at all.
  bson_t projection;
  if (q.operation == Operation::kExists) {
    bson_append_document_begin(body, "projection", -1, &projection);
    BSON_APPEND_INT32(&projection, "_id", 1);
    bson_append_document_end(body, &projection);
  } else if (!q.fields.empty() || !q.deferred.empty()) {
    bson_append_document_begin(body, "projection", -1, &projection);
    bool has_pk = false;
    for (const bound::FieldRef& f : q.fields) {
      has_pk = has_pk || f.db_path == "_id";
      bson_append_int32(&projection, f.db_path.data(), static_cast<int>(f.db_path.size()), 1);
    }
    for (const bound::FieldRef& f : q.deferred) {
      bson_append_int32(&projection, f.db_path.data(), static_cast<int>(f.db_path.size()), 0);
    }
    if (!q.fields.empty() && q.shape != ResultShape::kModels && !has_pk) {
      BSON_APPEND_INT32(&projection, "_id", 0);
    }
    bson_append_document_end(body, &projection);
  }
  if (HasOffset(q)) AppendInt64Or(body, "skip", l, q.offset_param, q.offset);
  if (HasLimit(q)) AppendInt64Or(body, "limit", l, q.limit_param, q.limit);
  if (q.operation == Operation::kFirst || q.operation == Operation::kLast ||
      q.operation == Operation::kExists) {
    BSON_APPEND_BOOL(body, "singleBatch", true);
  }
}

void WriteCount(Lowering& l, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kCount;
  bson_t* body = out->body.get();
  AppendString(body, "count", out->collection);
  bson_t filter;
  bson_append_document_begin(body, "query", 5, &filter);
  WriteFilter(l, &filter, q);
  bson_append_document_end(body, &filter);
  if (HasOffset(q)) AppendInt64Or(body, "skip", l, q.offset_param, q.offset);
  if (HasLimit(q)) AppendInt64Or(body, "limit", l, q.limit_param, q.limit);
}

template <typename Fn>
void Stage(ArrayWriter& pipeline, Fn&& write) {
  bson_t stage;
  pipeline.BeginDocument(&stage);
  write(&stage);
  pipeline.EndDocument(&stage);
}

// {$project: {...}} for the aggregates after a $group: sizes of distinct counts, squares of
// standard deviations for Variance.
void ProjectAggregates(bson_t* project, std::span<const bound::Aggregate> aggregates) {
  for (const bound::Aggregate& a : aggregates) {
    if (!a.selected) continue;
    const std::string ref = std::format("${}", a.alias);
    if (a.func == bound::AggregateFunc::kCount && a.distinct && a.arg != nullptr) {
      bson_t size;
      bson_append_document_begin(project, a.alias.data(), static_cast<int>(a.alias.size()), &size);
      AppendString(&size, "$size", ref);
      bson_append_document_end(project, &size);
    } else if (a.func == bound::AggregateFunc::kVariance) {
      bson_t pow;
      bson_append_document_begin(project, a.alias.data(), static_cast<int>(a.alias.size()), &pow);
      {
        ArrayWriter args(&pow, "$pow");
        AppendString(args.array(), args.NextKey(), ref);
        bson_append_int32(args.array(), args.NextKey(), -1, 2);
      }
      bson_append_document_end(project, &pow);
    } else {
      bson_append_int32(project, a.alias.data(), static_cast<int>(a.alias.size()), 1);
    }
  }
}

void WriteAggregate(Lowering& l, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kAggregate;
  bson_t* body = out->body.get();
  AppendString(body, "aggregate", out->collection);
  {
    ArrayWriter pipeline(body, "pipeline");
    for (const bound::Join& j : q.joins) {
      // localField/foreignField only: `let` is refused on databases with encryption.
      Stage(pipeline, [&](bson_t* s) {
        bson_t lookup;
        bson_append_document_begin(s, "$lookup", 7, &lookup);
        AppendString(&lookup, "from", j.target->db_table);
        AppendString(&lookup, "localField", j.local_column);
        AppendString(&lookup, "foreignField", j.target->pk->column);
        AppendString(&lookup, "as", j.alias);
        bson_append_document_end(s, &lookup);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t unwind;
        bson_append_document_begin(s, "$unwind", 7, &unwind);
        AppendFieldRef(&unwind, "path", j.alias);
        BSON_APPEND_BOOL(&unwind, "preserveNullAndEmptyArrays", true);
        bson_append_document_end(s, &unwind);
      });
    }
    if (q.filter->kind != bound::Filter::Kind::kTrue || q.in_bulk_ids) {
      Stage(pipeline, [&](bson_t* s) {
        bson_t match;
        bson_append_document_begin(s, "$match", 6, &match);
        WriteFilter(l, &match, q);
        bson_append_document_end(s, &match);
      });
    }
    bool sort_by_output = false;
    if (q.operation == Operation::kDates || q.operation == Operation::kDatetimes) {
      // dates(): distinct truncated values of a non-null field, ordered.
      const std::string_view path = q.dates_field.db_path;
      Stage(pipeline, [&](bson_t* s) {
        bson_t match, cond;
        bson_append_document_begin(s, "$match", 6, &match);
        bson_append_document_begin(&match, path.data(), static_cast<int>(path.size()), &cond);
        BSON_APPEND_NULL(&cond, "$ne");
        bson_append_document_end(&match, &cond);
        bson_append_document_end(s, &match);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t group, trunc, args;
        bson_append_document_begin(s, "$group", 6, &group);
        bson_append_document_begin(&group, "_id", 3, &trunc);
        bson_append_document_begin(&trunc, "$dateTrunc", -1, &args);
        AppendFieldRef(&args, "date", path);
        AppendString(&args, "unit", q.dates_kind);
        if (q.dates_kind == "week") AppendString(&args, "startOfWeek", "monday");
        bson_append_document_end(&trunc, &args);
        bson_append_document_end(&group, &trunc);
        bson_append_document_end(s, &group);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t sort;
        bson_append_document_begin(s, "$sort", 5, &sort);
        BSON_APPEND_INT32(&sort, "_id", q.dates_descending ? -1 : 1);
        bson_append_document_end(s, &sort);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t project;
        bson_append_document_begin(s, "$project", 8, &project);
        BSON_APPEND_INT32(&project, "_id", 0);
        AppendString(&project, "datefield", "$_id");
        bson_append_document_end(s, &project);
      });
    } else if (q.operation == Operation::kAggregate) {
      Stage(pipeline, [&](bson_t* s) {
        bson_t group;
        bson_append_document_begin(s, "$group", 6, &group);
        BSON_APPEND_NULL(&group, "_id");
        for (const bound::Aggregate& a : q.aggregates) l.WriteAggregate(&group, a);
        bson_append_document_end(s, &group);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t project;
        bson_append_document_begin(s, "$project", 8, &project);
        BSON_APPEND_INT32(&project, "_id", 0);
        ProjectAggregates(&project, q.aggregates);
        bson_append_document_end(s, &project);
      });
    } else if (!q.annotations.empty() || (q.distinct && q.distinct_on.empty())) {
      // Group on the values() fields (Django's GROUP BY); without values(), on the document.
      const std::span<const bound::FieldRef> keys = q.fields;
      Stage(pipeline, [&](bson_t* s) {
        bson_t group;
        bson_append_document_begin(s, "$group", 6, &group);
        if (keys.empty()) {
          AppendString(&group, "_id", "$_id");
          for (const auto& f : q.model->fields) {
            if (f->column == "_id") continue;
            bson_t first;
            bson_append_document_begin(&group, f->column.c_str(), -1, &first);
            AppendFieldRef(&first, "$first", f->column);
            bson_append_document_end(&group, &first);
          }
        } else {
          bson_t id;
          bson_append_document_begin(&group, "_id", 3, &id);
          for (size_t i = 0; i < keys.size(); ++i) {
            AppendFieldRef(&id, std::format("f{}", i), keys[i].db_path);
          }
          bson_append_document_end(&group, &id);
        }
        for (const bound::Aggregate& a : q.annotations) {
          if (a.selected) l.WriteAggregate(&group, a);
        }
        bson_append_document_end(s, &group);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t project;
        bson_append_document_begin(s, "$project", 8, &project);
        if (keys.empty()) {
          for (const auto& f : q.model->fields) {
            bson_append_int32(&project, f->column.c_str(), -1, 1);
          }
        } else {
          BSON_APPEND_INT32(&project, "_id", 0);
          for (size_t i = 0; i < keys.size(); ++i) {
            AppendString(&project, OutputKey(keys[i]), std::format("$_id.f{}", i));
          }
        }
        ProjectAggregates(&project, q.annotations);
        bson_append_document_end(s, &project);
      });
      sort_by_output = !keys.empty();
    } else if (!q.distinct_on.empty()) {
      // distinct(*fields): the first document of each group, in the query's order.
      if (!q.order_by.empty()) {
        Stage(pipeline, [&](bson_t* s) { WriteSort(s, "$sort", q, false); });
      }
      Stage(pipeline, [&](bson_t* s) {
        bson_t group, id, first;
        bson_append_document_begin(s, "$group", 6, &group);
        bson_append_document_begin(&group, "_id", 3, &id);
        for (size_t i = 0; i < q.distinct_on.size(); ++i) {
          AppendFieldRef(&id, std::format("f{}", i), q.distinct_on[i].db_path);
        }
        bson_append_document_end(&group, &id);
        bson_append_document_begin(&group, "doc", 3, &first);
        AppendString(&first, "$first", "$$ROOT");
        bson_append_document_end(&group, &first);
        bson_append_document_end(s, &group);
      });
      Stage(pipeline, [&](bson_t* s) {
        bson_t replace;
        bson_append_document_begin(s, "$replaceRoot", -1, &replace);
        AppendString(&replace, "newRoot", "$doc");
        bson_append_document_end(s, &replace);
      });
    }
    if (q.operation != Operation::kDates && q.operation != Operation::kDatetimes &&
        !q.order_by.empty()) {
      Stage(pipeline, [&](bson_t* s) { WriteSort(s, "$sort", q, sort_by_output); });
    }
    if (q.operation != Operation::kAggregate && q.annotations.empty() && !q.distinct &&
        !q.fields.empty()) {
      Stage(pipeline, [&](bson_t* s) {
        bson_t project;
        bson_append_document_begin(s, "$project", 8, &project);
        bool has_pk = false;
        for (const bound::FieldRef& f : q.fields) {
          has_pk = has_pk || f.db_path == "_id";
          AppendFieldRef(&project, OutputKey(f), f.db_path);
        }
        if (!has_pk && q.shape != ResultShape::kModels) BSON_APPEND_INT32(&project, "_id", 0);
        bson_append_document_end(s, &project);
      });
    }
    if (HasOffset(q)) {
      Stage(pipeline, [&](bson_t* s) { AppendInt64Or(s, "$skip", l, q.offset_param, q.offset); });
    }
    if (HasLimit(q)) {
      Stage(pipeline, [&](bson_t* s) { AppendInt64Or(s, "$limit", l, q.limit_param, q.limit); });
    }
    if (q.operation == Operation::kCount) {
      Stage(pipeline, [&](bson_t* s) { AppendString(s, "$count", "n"); });
    }
  }
  bson_t cursor;
  bson_append_document_begin(body, "cursor", 6, &cursor);
  bson_append_document_end(body, &cursor);
}

void WriteUpdate(Lowering& l, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kUpdate;
  bson_t* body = out->body.get();
  AppendString(body, "update", out->collection);
  {
    ArrayWriter updates(body, "updates");
    bson_t statement;
    updates.BeginDocument(&statement);
    bson_t filter, u, set;
    bson_append_document_begin(&statement, "q", 1, &filter);
    WriteFilter(l, &filter, q);
    bson_append_document_end(&statement, &filter);
    bson_append_document_begin(&statement, "u", 1, &u);
    bson_append_document_begin(&u, "$set", 4, &set);
    for (const bound::Assignment& a : q.assignments) {
      std::span<const bson_value_t> v = l.ValuesOf(a.value);
      if (v.empty()) continue;
      if (a.field.is_encrypted() && v[0].value_type != BSON_TYPE_NULL) {
        l.WriteStoredValue(&set, a.field.db_path, a.field, v[0], a.value.span);
      } else {
        AppendKey(&set, a.field.db_path, v[0]);
      }
    }
    bson_append_document_end(&u, &set);
    bson_append_document_end(&statement, &u);
    BSON_APPEND_BOOL(&statement, "multi", q.multi_update);
    updates.EndDocument(&statement);
  }
}

void WriteDelete(Lowering& l, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kDelete;
  bson_t* body = out->body.get();
  AppendString(body, "delete", out->collection);
  ArrayWriter deletes(body, "deletes");
  bson_t statement, filter;
  deletes.BeginDocument(&statement);
  bson_append_document_begin(&statement, "q", 1, &filter);
  WriteFilter(l, &filter, q);
  bson_append_document_end(&statement, &filter);
  BSON_APPEND_INT32(&statement, "limit", 0);
  deletes.EndDocument(&statement);
}

}  // namespace

void Lower(const bound::Query& query, const Bindings& bindings, Command* out) {
  out->database = std::string(query.database);
  out->collection = query.model->db_table;
  out->model = query.model->name;
  out->operation = query.operation;
  out->shape = query.shape;
  out->encryptions.clear();
  out->body.Clear();
  out->too_large = false;
  out->field_names.clear();
  for (const bound::FieldRef& f : query.fields) out->field_names.emplace_back(f.django_path);
  if (query.operation == Operation::kInBulk) out->key_path = std::string(query.in_bulk_field.db_path);
  Lowering lowering(query, bindings, out);
  switch (query.operation) {
    case Operation::kUpdate:
      WriteUpdate(lowering, out, query);
      return;
    case Operation::kDelete:
      WriteDelete(lowering, out, query);
      return;
    case Operation::kCount:
      if (NeedsPipeline(query)) {
        WriteAggregate(lowering, out, query);
      } else {
        WriteCount(lowering, out, query);
      }
      return;
    default:
      if (NeedsPipeline(query)) {
        WriteAggregate(lowering, out, query);
      } else {
        WriteFind(lowering, out, query);
      }
  }
}

std::string CommandToJson(const Command& command) {
  BsonDoc doc;
  AppendString(doc.get(), "database", command.database);
  AppendString(doc.get(), "collection", command.collection);
  bson_append_document(doc.get(), "command", 7, command.body.get());
  return ToCanonicalJson(doc.get());
}

}  // namespace querysafe::lower
