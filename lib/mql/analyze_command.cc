// The commands query analysis handles, and for each the parts that hold match expressions,
// documents to store, updates and sorts (MongoDB's query_analysis.cpp dispatches the same way,
// one handler per command). Everything else in a command is copied as it is; a command, stage or
// option this front end does not analyse on an encrypted collection is refused by name.
#include "lib/mql/analyze_command.h"

#include <format>
#include <string>

#include "lib/analyze/context.h"
#include "lib/analyze/rules/rules.h"
#include "lib/common/arena.h"
#include "lib/common/bson_array.h"
#include "lib/mql/bson_iter.h"
#include "lib/mql/encryption_schema.h"
#include "lib/mql/marker.h"
#include "lib/mql/valid_command.h"

namespace querysafe::mql {
namespace {

Diagnostic Error(std::string code, std::string message, std::string location = {}) {
  Diagnostic d;
  d.category = Category::kNotSupportedError;
  d.code = std::move(code);
  d.message = std::move(message);
  d.location = std::move(location);
  return d;
}

// Calls `each(element, location)` on each document of the array `it`, copying it into `out`
// at `key` as an array of what `each` writes (Marker::MarkArrayOfDocuments).
template <typename Each>
void MarkArray(const bson_iter_t& it, const std::string& location, bson_t* out, Marker& marker,
               Each each) {
  if (!BSON_ITER_HOLDS_ARRAY(&it)) {
    marker.Unsupported(it, location, std::format("a '{}' that is not an array", Key(it)));
    return;
  }
  marker.MarkArrayOfDocuments(it, location, out,
                              std::format("a '{}' element that is not an object", Key(it)), each);
}

// A match expression at `it` (a document), copied marked into `out`.
void Match(Marker& marker, const bson_iter_t& it, const std::string& location, bson_t* out) {
  bson_t filter;
  if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !IterChild(&it, &filter)) {
    Append(out, it);  // the server refuses a filter that is not a document
    return;
  }
  bson_t marked;
  bson_append_document_begin(out, bson_iter_key(&it), static_cast<int>(bson_iter_key_len(&it)),
                             &marked);
  marker.MarkMatch(&filter, location, &marked);
  bson_append_document_end(out, &marked);
}

void Pipeline(Marker& marker, const bson_iter_t& it, const std::string& location, bson_t* out) {
  MarkArray(it, location, out, marker,
            [&](const bson_t& stage, const bson_iter_t&, const std::string& here, bson_t* o) {
              bson_iter_t s;
              bson_iter_init(&s, &stage);
              while (bson_iter_next(&s)) {
                const std::string_view name = Key(s);
                const std::string at = Dotted(here, name);
                if (name == "$match") {
                  Match(marker, s, at, o);
                } else if (name == "$sort") {
                  marker.CheckSort(s, at);
                  Append(o, s);
                } else if (name == "$limit" || name == "$skip" || name == "$count") {
                  Append(o, s);
                } else {
                  marker.Unsupported(s, at, std::format("the aggregation stage {}", name));
                }
              }
            });
}

// One command (the explained one for explain): its marked copy into `out`, without `$db`.
void MarkCommand(Marker& marker, const bson_t* cmd, std::string_view name, bson_t* out) {
  bson_iter_t it;
  bson_iter_init(&it, cmd);
  while (bson_iter_next(&it)) {
    const std::string_view key = Key(it);
    const std::string here(key);
    if (key == "$db") continue;
    if (name == "find" && key == "filter") {
      Match(marker, it, here, out);
    } else if ((name == "count" || name == "distinct" || name == "findAndModify") &&
               key == "query") {
      Match(marker, it, here, out);
    } else if ((name == "find" || name == "findAndModify") && key == "sort") {
      marker.CheckSort(it, here);
      Append(out, it);
    } else if (name == "distinct" && key == "key") {
      marker.CheckDistinctKey(it, here);
      Append(out, it);
    } else if (name == "aggregate" && key == "pipeline") {
      Pipeline(marker, it, here, out);
    } else if (name == "insert" && key == "documents") {
      MarkArray(it, here, out, marker,
                [&](const bson_t& doc, const bson_iter_t&, const std::string& at, bson_t* o) {
                  marker.MarkDocument(&doc, "", at, o);
                });
    } else if (name == "delete" && key == "deletes") {
      MarkArray(it, here, out, marker,
                [&](const bson_t& del, const bson_iter_t&, const std::string& at, bson_t* o) {
                  bson_iter_t d;
                  bson_iter_init(&d, &del);
                  while (bson_iter_next(&d)) {
                    if (Key(d) == "q") {
                      Match(marker, d, at + ".q", o);
                    } else {
                      Append(o, d);
                    }
                  }
                });
    } else if (name == "update" && key == "updates") {
      MarkArray(it, here, out, marker,
                [&](const bson_t& upd, const bson_iter_t&, const std::string& at, bson_t* o) {
                  bson_iter_t u;
                  bson_iter_init(&u, &upd);
                  while (bson_iter_next(&u)) {
                    const std::string_view k = Key(u);
                    if (k == "q") {
                      Match(marker, u, at + ".q", o);
                    } else if (k == "u") {
                      marker.MarkUpdate(u, at + ".u", o, "u");
                    } else if (k == "multi" && bson_iter_as_bool(&u)) {
                      marker.MultiUpdate(u, at + ".multi");
                    } else if (k == "arrayFilters") {
                      marker.Unsupported(u, at + ".arrayFilters", "arrayFilters");
                    } else {
                      Append(o, u);
                    }
                  }
                });
    } else if (name == "createIndexes" && key == "indexes") {
      MarkArray(it, here, out, marker,
                [&](const bson_t& index, const bson_iter_t&, const std::string& at, bson_t* o) {
                  marker.CheckIndex(&index, at);
                  bson_iter_t copy;
                  bson_iter_init(&copy, &index);
                  while (bson_iter_next(&copy)) Append(o, copy);
                });
    } else if (name == "findAndModify" && key == "update") {
      marker.MarkUpdate(it, here, out, "update");
    } else if (name == "findAndModify" && key == "arrayFilters") {
      marker.Unsupported(it, here, "arrayFilters");
    } else {
      Append(out, it);
    }
  }
}

bool Handled(std::string_view name) {
  return name == "find" || name == "count" || name == "distinct" || name == "aggregate" ||
         name == "insert" || name == "delete" || name == "update" || name == "findAndModify" ||
         name == "create" || name == "createIndexes";
}

void Reply(CommandAnalysis& out, bool requires_encryption, const bson_t* result) {
  BSON_APPEND_BOOL(out.reply.get(), "hasEncryptionPlaceholders", out.placeholders > 0);
  BSON_APPEND_BOOL(out.reply.get(), "schemaRequiresEncryption", requires_encryption);
  BSON_APPEND_DOCUMENT(out.reply.get(), "result", result);
  BSON_APPEND_DOUBLE(out.reply.get(), "ok", 1.0);
}

// `cmd` without `$db` (and, for explain, without the explained command's `$db`).
void CopyWithoutDb(const bson_t* cmd, bson_t* out) {
  bson_iter_t it;
  bson_iter_init(&it, cmd);
  while (bson_iter_next(&it)) {
    if (Key(it) == "$db") continue;
    bson_t inner;
    if (Key(it) == "explain" && BSON_ITER_HOLDS_DOCUMENT(&it) && IterChild(&it, &inner)) {
      bson_t copy;
      bson_append_document_begin(out, "explain", 7, &copy);
      CopyWithoutDb(&inner, &copy);
      bson_append_document_end(out, &copy);
      continue;
    }
    Append(out, it);
  }
}

}  // namespace

CommandAnalysis AnalyzeCommand(const uint8_t* bytes, size_t len, std::string_view ns_in) {
  std::string_view ns = ns_in;
  CommandAnalysis out;
  bson_t cmd;
  // The validation also bounds the nesting, which keeps the recursive walk below shallow.
  if (bytes == nullptr || !bson_init_static(&cmd, bytes, len) || !ValidCommand(&cmd)) {
    out.diagnostics.push_back(
        Error("mql.invalid_bson", "The command is not a valid BSON document"));
    return out;
  }
  bson_iter_t it;
  if (!bson_iter_init(&it, &cmd) || !bson_iter_next(&it)) {
    out.diagnostics.push_back(Error("mql.empty_command", "The command is empty"));
    return out;
  }
  const std::string_view top = Key(it);
  // explain: the explained command carries encryptionInformation and $db.
  bson_t explained;
  const bson_t* target = &cmd;
  if (top == "explain") {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !IterChild(&it, &explained)) {
      out.diagnostics.push_back(
          Error("mql.explain", "explain must name a command document", "explain"));
      return out;
    }
    target = &explained;
  }
  bson_iter_t first;
  if (!bson_iter_init(&first, target) || !bson_iter_next(&first)) {
    out.diagnostics.push_back(Error("mql.empty_command", "The explained command is empty"));
    return out;
  }
  const std::string name(Key(first));

  bson_iter_t info;
  bson_t information;
  // crypt_shared gets an explain's encryptionInformation inside the explained command,
  // mongocryptd next to it (libmongocrypt's _create_markings_cmd_bson); both are read.
  // bulkWrite carries it in its one namespace, nsInfo.0 (libmongocrypt's
  // _fle2_strip_encryptionInformation); ns is then that namespace.
  const bool has_info = bson_iter_init_find(&info, target, "encryptionInformation") ||
                        bson_iter_init_find(&info, &cmd, "encryptionInformation") ||
                        (name == "bulkWrite" && bson_iter_init(&info, &cmd) &&
                         bson_iter_find_descendant(&info, "nsInfo.0.encryptionInformation", &info));
  if (!has_info) {
    bson_iter_t schema;
    bson_t json_schema;
    if ((bson_iter_init_find(&schema, target, "jsonSchema") && BSON_ITER_HOLDS_DOCUMENT(&schema) &&
         IterChild(&schema, &json_schema) && !bson_empty(&json_schema)) ||
        bson_iter_init_find(&schema, target, "csfleEncryptionSchemas")) {
      out.diagnostics.push_back(
          Error("mql.csfle",
                "querysafe analyses Queryable Encryption (encryptionInformation) "
                "only; Client-Side Field Level Encryption (jsonSchema) is not "
                "supported",
                "jsonSchema"));
      return out;
    }
    BsonDoc result;
    CopyWithoutDb(&cmd, result.get());
    Reply(out, false, result.get());
    return out;
  }
  bson_iter_t ns_it;
  if (name == "bulkWrite" && bson_iter_init(&ns_it, &cmd) &&
      bson_iter_find_descendant(&ns_it, "nsInfo.0.ns", &ns_it) && BSON_ITER_HOLDS_UTF8(&ns_it)) {
    uint32_t ns_len = 0;
    const char* text = bson_iter_utf8(&ns_it, &ns_len);
    ns = std::string_view(text, ns_len);
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(&info) || !IterChild(&info, &information)) {
    out.diagnostics.push_back(Error("mql.encryption_information",
                                    "encryptionInformation must be a document",
                                    "encryptionInformation"));
    return out;
  }
  EncryptedCollection collection = LoadEncryptedCollection(&information, ns);
  if (!collection.diagnostics.empty()) {
    out.diagnostics = std::move(collection.diagnostics);
    return out;
  }
  if (!collection.schema || !collection.collection->has_encrypted_fields()) {
    BsonDoc result;
    CopyWithoutDb(&cmd, result.get());
    Reply(out, false, result.get());
    return out;
  }
  if (!Handled(name)) {
    out.diagnostics.push_back(
        Error("mql.not_analyzed",
              std::format("querysafe's query analysis does not handle the command '{}' on a "
                          "collection with encrypted fields; it refuses the command rather than "
                          "send it unmarked",
                          name),
              name));
    return out;
  }

  analyze::AnalyzeOptions options;
  Arena arena;
  analyze::Context ctx(*collection.schema, options, &arena);
  Marker marker(ctx, *collection.collection, bytes);
  BsonDoc result;
  if (top == "explain") {
    // The reply carries encryptionInformation inside the explained command, where
    // libmongocrypt strips it from (_fle2_strip_encryptionInformation), wherever it came in.
    bson_iter_init(&it, &cmd);
    while (bson_iter_next(&it)) {
      if (Key(it) == "$db" || Key(it) == "encryptionInformation") continue;
      if (Key(it) == "explain") {
        bson_t marked;
        bson_append_document_begin(result.get(), "explain", 7, &marked);
        MarkCommand(marker, target, name, &marked);
        if (!bson_has_field(target, "encryptionInformation")) {
          BSON_APPEND_DOCUMENT(&marked, "encryptionInformation", &information);
        }
        bson_append_document_end(result.get(), &marked);
      } else {
        Append(result.get(), it);
      }
    }
  } else {
    MarkCommand(marker, target, name, result.get());
  }
  if (ctx.failed()) {
    out.diagnostics = ctx.TakeDiagnostics();
    return out;
  }
  out.placeholders = marker.placeholders();
  Reply(out, true, result.get());
  return out;
}

}  // namespace querysafe::mql
