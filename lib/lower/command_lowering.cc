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
std::string_view OutputKey(const bound::FieldRef& f) { return f.django_path; }

void AppendInt64Or(BsonWriter& w, BsonKey key, const Lowering& l, const bound::Value* param,
                   int64_t fallback) {
  if (param != nullptr) {
    std::span<const bson_value_t> v = l.ValuesOf(*param);
    if (!v.empty()) {
      w.AppendValue(key, v[0]);
      return;
    }
  }
  w.AppendInt64(key, fallback);
}

bool HasOffset(const bound::Query& q) { return q.offset_param != nullptr || q.offset > 0; }
bool HasLimit(const bound::Query& q) { return q.limit_param != nullptr || q.limit >= 0; }

// The filter clause, ANDed with in_bulk()'s key list.
void WriteFilter(Lowering& l, BsonWriter& w, const bound::Query& q) {
  if (!q.in_bulk_ids) {
    l.WriteClause(w, *q.filter);
    return;
  }
  auto write_in = [&] {
    w.BeginDocument(q.in_bulk_field.db_path);
    {
      ArrayWriter list(w, "$in");
      for (const bound::Value& v : q.in_bulk_values) list.Value(v.constant);
    }
    w.EndDocument();
  };
  if (q.filter->kind == bound::Filter::Kind::kTrue) {
    write_in();
    return;
  }
  ArrayWriter both(w, "$and");
  both.BeginDocument();
  l.WriteClause(w, *q.filter);
  both.EndDocument();
  both.BeginDocument();
  write_in();
  both.EndDocument();
}

void WriteSort(BsonWriter& w, BsonKey key, const bound::Query& q, bool by_output_key) {
  if (q.order_by.empty()) return;
  w.BeginDocument(key);
  for (const bound::OrderBy& o : q.order_by) {
    w.AppendInt32(by_output_key ? OutputKey(o.field) : o.field.db_path, o.descending ? -1 : 1);
  }
  w.EndDocument();
}

void WriteFind(Lowering& l, BsonWriter& w, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kFind;
  w.AppendUtf8("find", out->collection);
  w.BeginDocument("filter");
  WriteFilter(l, w, q);
  w.EndDocument();
  WriteSort(w, "sort", q, false);
  // Projection: values() fields (without _id unless asked for), only(), defer(); exists()
  // needs no field at all.
  if (q.operation == Operation::kExists) {
    w.BeginDocument("projection");
    w.AppendInt32("_id", 1);
    w.EndDocument();
  } else if (!q.fields.empty() || !q.deferred.empty()) {
    w.BeginDocument("projection");
    bool has_pk = false;
    for (const bound::FieldRef& f : q.fields) {
      has_pk = has_pk || f.db_path == "_id";
      w.AppendInt32(f.db_path, 1);
    }
    for (const bound::FieldRef& f : q.deferred) w.AppendInt32(f.db_path, 0);
    if (!q.fields.empty() && q.shape != ResultShape::kModels && !has_pk) {
      w.AppendInt32("_id", 0);
    }
    w.EndDocument();
  }
  if (HasOffset(q)) AppendInt64Or(w, "skip", l, q.offset_param, q.offset);
  if (HasLimit(q)) AppendInt64Or(w, "limit", l, q.limit_param, q.limit);
  if (q.operation == Operation::kFirst || q.operation == Operation::kLast ||
      q.operation == Operation::kExists) {
    w.AppendBool("singleBatch", true);
  }
}

void WriteCount(Lowering& l, BsonWriter& w, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kCount;
  w.AppendUtf8("count", out->collection);
  w.BeginDocument("query");
  WriteFilter(l, w, q);
  w.EndDocument();
  if (HasOffset(q)) AppendInt64Or(w, "skip", l, q.offset_param, q.offset);
  if (HasLimit(q)) AppendInt64Or(w, "limit", l, q.limit_param, q.limit);
}

// One pipeline stage: a document element of the pipeline array.
template <typename Fn>
void Stage(ArrayWriter& pipeline, Fn&& write) {
  pipeline.BeginDocument();
  write();
  pipeline.EndDocument();
}

// {$project: {...}} for the aggregates after a $group: sizes of distinct counts, squares of
// standard deviations for Variance.
void ProjectAggregates(BsonWriter& w, std::span<const bound::Aggregate> aggregates) {
  for (const bound::Aggregate& a : aggregates) {
    if (!a.selected) continue;
    if (a.func == bound::AggregateFunc::kCount && a.distinct && a.arg != nullptr) {
      w.BeginDocument(a.alias);
      AppendFieldRef(w, "$size", a.alias);
      w.EndDocument();
    } else if (a.func == bound::AggregateFunc::kVariance) {
      w.BeginDocument(a.alias);
      {
        ArrayWriter args(w, "$pow");
        AppendFieldRef(w, args.NextKey(), a.alias);
        w.AppendInt32(args.NextKey(), 2);
      }
      w.EndDocument();
    } else {
      w.AppendInt32(a.alias, 1);
    }
  }
}

void WriteAggregate(Lowering& l, BsonWriter& w, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kAggregate;
  w.AppendUtf8("aggregate", out->collection);
  {
    ArrayWriter pipeline(w, "pipeline");
    for (const bound::Join& j : q.joins) {
      // localField/foreignField only: `let` is refused on databases with encryption.
      Stage(pipeline, [&] {
        w.BeginDocument("$lookup");
        w.AppendUtf8("from", j.target->db_table);
        w.AppendUtf8("localField", j.local_column);
        w.AppendUtf8("foreignField", j.target->pk->column);
        w.AppendUtf8("as", j.alias);
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$unwind");
        AppendFieldRef(w, "path", j.alias);
        w.AppendBool("preserveNullAndEmptyArrays", true);
        w.EndDocument();
      });
    }
    if (q.filter->kind != bound::Filter::Kind::kTrue || q.in_bulk_ids) {
      Stage(pipeline, [&] {
        w.BeginDocument("$match");
        WriteFilter(l, w, q);
        w.EndDocument();
      });
    }
    bool sort_by_output = false;
    if (q.operation == Operation::kDates || q.operation == Operation::kDatetimes) {
      // dates(): distinct truncated values of a non-null field, ordered.
      const std::string_view path = q.dates_field.db_path;
      Stage(pipeline, [&] {
        w.BeginDocument("$match");
        w.BeginDocument(path);
        w.AppendNull("$ne");
        w.EndDocument();
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$group");
        w.BeginDocument("_id");
        w.BeginDocument("$dateTrunc");
        AppendFieldRef(w, "date", path);
        w.AppendUtf8("unit", q.dates_kind);
        if (q.dates_kind == "week") w.AppendUtf8("startOfWeek", "monday");
        // Truncated in the current time zone: the instant of the local boundary.
        if (!q.dates_time_zone.empty()) w.AppendUtf8("timezone", q.dates_time_zone);
        w.EndDocument();
        w.EndDocument();
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$sort");
        w.AppendInt32("_id", q.dates_descending ? -1 : 1);
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$project");
        w.AppendInt32("_id", 0);
        if (q.operation == Operation::kDates && !q.dates_time_zone.empty()) {
          // dates() gives dates: the local date of each boundary, at midnight UTC as a DateField
          // stores it (datetimes() keeps the instant, which is Django's aware datetime).
          w.BeginDocument("datefield");
          w.BeginDocument("$dateFromParts");
          for (const auto& [unit, op] : kLocalDateParts) {
            w.BeginDocument(unit);
            w.BeginDocument(op);
            w.AppendUtf8("date", "$_id");
            w.AppendUtf8("timezone", q.dates_time_zone);
            w.EndDocument();
            w.EndDocument();
          }
          w.EndDocument();
          w.EndDocument();
        } else {
          w.AppendUtf8("datefield", "$_id");
        }
        w.EndDocument();
      });
    } else if (q.operation == Operation::kAggregate) {
      Stage(pipeline, [&] {
        w.BeginDocument("$group");
        w.AppendNull("_id");
        for (const bound::Aggregate& a : q.aggregates) l.WriteAggregate(w, a);
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$project");
        w.AppendInt32("_id", 0);
        ProjectAggregates(w, q.aggregates);
        w.EndDocument();
      });
    } else if (!q.annotations.empty() || (q.distinct && q.distinct_on.empty())) {
      // Group on the values() fields (Django's GROUP BY); without values(), on the document.
      const std::span<const bound::FieldRef> keys = q.fields;
      Stage(pipeline, [&] {
        w.BeginDocument("$group");
        if (keys.empty()) {
          w.AppendUtf8("_id", "$_id");
          for (const auto& f : q.model->fields) {
            if (f->column == "_id") continue;
            w.BeginDocument(f->column);
            AppendFieldRef(w, "$first", f->column);
            w.EndDocument();
          }
        } else {
          w.BeginDocument("_id");
          for (size_t i = 0; i < keys.size(); ++i) {
            AppendFieldRef(w, std::format("f{}", i), keys[i].db_path);
          }
          w.EndDocument();
        }
        for (const bound::Aggregate& a : q.annotations) {
          if (a.selected) l.WriteAggregate(w, a);
        }
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$project");
        if (keys.empty()) {
          for (const auto& f : q.model->fields) w.AppendInt32(f->column, 1);
        } else {
          w.AppendInt32("_id", 0);
          for (size_t i = 0; i < keys.size(); ++i) {
            w.AppendUtf8(OutputKey(keys[i]), std::format("$_id.f{}", i));
          }
        }
        ProjectAggregates(w, q.annotations);
        w.EndDocument();
      });
      sort_by_output = !keys.empty();
    } else if (!q.distinct_on.empty()) {
      // distinct(*fields): the first document of each group, in the query's order.
      if (!q.order_by.empty()) {
        Stage(pipeline, [&] { WriteSort(w, "$sort", q, false); });
      }
      Stage(pipeline, [&] {
        w.BeginDocument("$group");
        w.BeginDocument("_id");
        for (size_t i = 0; i < q.distinct_on.size(); ++i) {
          AppendFieldRef(w, std::format("f{}", i), q.distinct_on[i].db_path);
        }
        w.EndDocument();
        w.BeginDocument("doc");
        w.AppendUtf8("$first", "$$ROOT");
        w.EndDocument();
        w.EndDocument();
      });
      Stage(pipeline, [&] {
        w.BeginDocument("$replaceRoot");
        w.AppendUtf8("newRoot", "$doc");
        w.EndDocument();
      });
    }
    if (q.operation != Operation::kDates && q.operation != Operation::kDatetimes &&
        !q.order_by.empty()) {
      Stage(pipeline, [&] { WriteSort(w, "$sort", q, sort_by_output); });
    }
    if (q.operation != Operation::kAggregate && q.annotations.empty() && !q.distinct &&
        !q.fields.empty()) {
      Stage(pipeline, [&] {
        w.BeginDocument("$project");
        bool has_pk = false;
        for (const bound::FieldRef& f : q.fields) {
          has_pk = has_pk || f.db_path == "_id";
          AppendFieldRef(w, OutputKey(f), f.db_path);
        }
        if (!has_pk && q.shape != ResultShape::kModels) w.AppendInt32("_id", 0);
        w.EndDocument();
      });
    }
    if (HasOffset(q)) {
      Stage(pipeline, [&] { AppendInt64Or(w, "$skip", l, q.offset_param, q.offset); });
    }
    if (HasLimit(q)) {
      Stage(pipeline, [&] { AppendInt64Or(w, "$limit", l, q.limit_param, q.limit); });
    }
    if (q.operation == Operation::kCount) {
      Stage(pipeline, [&] { w.AppendUtf8("$count", "n"); });
    }
  }
  w.BeginDocument("cursor");
  w.EndDocument();
}

void WriteUpdate(Lowering& l, BsonWriter& w, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kUpdate;
  w.AppendUtf8("update", out->collection);
  ArrayWriter updates(w, "updates");
  updates.BeginDocument();
  w.BeginDocument("q");
  WriteFilter(l, w, q);
  w.EndDocument();
  w.BeginDocument("u");
  w.BeginDocument("$set");
  for (const bound::Assignment& a : q.assignments) {
    std::span<const bson_value_t> v = l.ValuesOf(a.value);
    if (v.empty()) continue;
    if (a.field.is_encrypted() && v[0].value_type != BSON_TYPE_NULL) {
      l.WriteStoredValue(w, a.field.db_path, a.field, v[0], a.value.span);
    } else {
      w.AppendValue(a.field.db_path, v[0]);
    }
  }
  w.EndDocument();
  w.EndDocument();
  w.AppendBool("multi", q.multi_update);
  updates.EndDocument();
}

void WriteDelete(Lowering& l, BsonWriter& w, Command* out, const bound::Query& q) {
  out->kind = CommandKind::kDelete;
  w.AppendUtf8("delete", out->collection);
  ArrayWriter deletes(w, "deletes");
  deletes.BeginDocument();
  w.BeginDocument("q");
  WriteFilter(l, w, q);
  w.EndDocument();
  w.AppendInt32("limit", 0);
  deletes.EndDocument();
}

}  // namespace

void Lower(const bound::Query& query, const Bindings& bindings, Command* out) {
  out->database.assign(query.database);
  out->collection.assign(query.model->db_table);
  out->model.assign(query.model->name);
  out->operation = query.operation;
  out->shape = query.shape;
  out->encryptions.clear();
  out->too_large = false;
  out->depth = 0;
  out->field_names.clear();
  for (const bound::FieldRef& f : query.fields) out->field_names.emplace_back(f.django_path);
  if (query.operation == Operation::kInBulk) out->key_path.assign(query.in_bulk_field.db_path);
  Lowering lowering(query, bindings, out);
  // The command is written front to back into a BsonWriter (on this stack frame for a command
  // of up to 1 KiB) and copied into the command's bson_t once, at the end.
  BsonWriter w;
  switch (query.operation) {
    case Operation::kUpdate:
      WriteUpdate(lowering, w, out, query);
      break;
    case Operation::kDelete:
      WriteDelete(lowering, w, out, query);
      break;
    case Operation::kCount:
      if (NeedsPipeline(query)) {
        WriteAggregate(lowering, w, out, query);
      } else {
        WriteCount(lowering, w, out, query);
      }
      break;
    default:
      if (NeedsPipeline(query)) {
        WriteAggregate(lowering, w, out, query);
      } else {
        WriteFind(lowering, w, out, query);
      }
  }
  out->depth = w.max_depth();
  w.Finish(&out->body);
}

std::string CommandToJson(const Command& command) {
  BsonDoc doc;
  bson_append_utf8(doc.get(), "database", 8, command.database.data(),
                   static_cast<int>(command.database.size()));
  bson_append_utf8(doc.get(), "collection", 10, command.collection.data(),
                   static_cast<int>(command.collection.size()));
  bson_append_document(doc.get(), "command", 7, command.body.get());
  return ToCanonicalJson(doc.get());
}

}  // namespace querysafe::lower
