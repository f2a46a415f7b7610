// djongo's ENFORCE_SCHEMA on reads (a schema with "engine": "djongo"). MongoDB keeps no schema,
// so a document written before a field was added to its model lacks it. djongo 1.3 reads each
// selected column of a row (sql2mongo/query.py, SelectQuery._align_results): a missing one
// raises MigrationError(column) when ENFORCE_SCHEMA is True, and reads as None when it is False
// (djongo's default). querysafe does the same to the rows of a query that returns model
// documents, and names the document's _id too, so that the stale document can be found.
#ifndef QUERYSAFE_LIB_EXEC_ENFORCE_SCHEMA_H_
#define QUERYSAFE_LIB_EXEC_ENFORCE_SCHEMA_H_

#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/lower/lower.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

class SchemaEnforcer {
 public:
  // Nothing to enforce (nullopt) unless the schema's engine is djongo and the command is a find
  // whose rows are whole model documents.
  static std::optional<SchemaEnforcer> For(const schema::Schema& schema,
                                           const lower::Command& command);

  // A row as djongo reads it: with enforce_schema, a missing column is an error (the row is left
  // as it was); without, every missing column is added as null.
  std::optional<Diagnostic> Apply(BsonDoc* row) const;

 private:
  struct Column {
    std::string column;
    std::string field;  // the model's field name, for the message
  };
  std::string model_;
  std::string collection_;
  bool enforce_ = false;
  std::vector<Column> columns_;
};

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_ENFORCE_SCHEMA_H_
