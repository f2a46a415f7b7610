// LoadSchema: the loader's phases in order, then the hash indexes of the
// compiled schema.
#include "lib/schema/load.h"

#include <memory>
#include <utility>

#include "lib/schema/json_input.h"
#include "lib/schema/json_locate.h"
#include "lib/schema/load_context.h"

namespace querysafe::schema {
namespace {

void BuildIndexes(Schema& schema) {
  for (const auto& model : schema.models) {
    if (!model->embedded) schema.models_by_table.try_emplace(model->db_table, model.get());
    for (const EncryptedPath& path : model->encrypted_paths) {
      model->encrypted_by_path.try_emplace(path.path, &path);
    }
  }
}

}  // namespace

SchemaLoadResult LoadSchema(std::string_view json, const SchemaLoadOptions& options) {
  LoadContext ctx(options);
  SchemaLoadResult result;
  std::optional<BsonDoc> doc = ParseSchemaJson(json, ctx.sink);
  if (doc) {
    // Each phase runs even after errors (so that every problem is reported),
    // unless the cap on diagnostics is reached.
    ParseSchemaDocument(*doc, ctx);
    if (!ctx.sink.full()) ResolveReferences(ctx);
    if (!ctx.sink.full()) BuildEncryptedPaths(ctx);
    if (!ctx.sink.full()) FinalizeQueries(ctx);
    if (!ctx.sink.full()) BindKeys(ctx);
    if (!ctx.sink.full()) RunChecks(ctx);
  }
  if (ctx.sink.empty()) {
    BuildIndexes(*ctx.schema);
    result.schema = std::shared_ptr<const Schema>(std::move(ctx.schema));
  }
  result.diagnostics = ctx.sink.Take();
  // Rule violations know their JSON path; give them the position a human needs too.
  for (Diagnostic& d : result.diagnostics) {
    if (!d.location.empty() && d.span == Span{}) d.span = LocateJsonPath(json, d.location);
  }
  return result;
}

}  // namespace querysafe::schema
