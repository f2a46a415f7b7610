// djongo's ENFORCE_SCHEMA on reads (a schema with "engine": "djongo"). MongoDB keeps no schema,
// so a document written before a field was added to its model lacks it. djongo 1.3 builds every
// row of a SELECT in one place (sql2mongo/query.py, SelectQuery._align_results): each selected
// column that is a column of a table (an SQLIdentifier) is read from the document, and a missing
// one raises MigrationError(column) when ENFORCE_SCHEMA is True and reads as None when it is
// False (djongo's default); a selected expression (an aggregate, COUNT(*), exists()'s constant)
// is read by its alias, which djongo's own $group/$project always writes. So, by read shape:
//
//   - model rows (all(), filter(), get(), first(), last(), in_bulk(), slices): every concrete
//     column Django selects; with only()/defer() the columns they keep (Django's deferred
//     loading selects no others). ArrayReferenceField is not concrete: never selected;
//   - values()/values_list() (flat, named): the columns they name;
//   - values(...).annotate(...) and values(...).distinct(): the grouped columns (djongo's
//     GroupbyConverter and DistinctConverter in sql2mongo/converters.py put them in the $group
//     key and read them back with "$_id.<column>", absent when the document lacks the column),
//     not the aggregates;
//   - aggregate(), count(), exists(), dates(): nothing (aliases only). MongoDB's accumulators
//     skip a missing field as SQL skips NULL, and djongo's COUNT(column) counts `$gt: [field,
//     None]` (sql2mongo/functions.py, CountFuncSingle), which is false for a missing field too.
//
// querysafe checks the same columns in the documents the server returns, before the row is
// shaped, and names the document's _id as well, so that the stale document can be found.
// Not detectable here: annotate() and distinct() over whole models, which querysafe lowers to a
// $group whose $first accumulator reads a missing field as null (MongoDB's documented $first
// behaviour), so such a row has the field, as null, whatever ENFORCE_SCHEMA says.
#ifndef QUERYSAFE_LIB_EXEC_ENFORCE_SCHEMA_H_
#define QUERYSAFE_LIB_EXEC_ENFORCE_SCHEMA_H_

#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/exec/row_shape.h"
#include "lib/lower/lower.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::exec {

class SchemaEnforcer {
 public:
  // Nothing to enforce (nullopt) unless the schema's engine is djongo and the command returns
  // rows that select columns (see above).
  static std::optional<SchemaEnforcer> For(const schema::Schema& schema,
                                           const lower::Command& command);

  // `document` as the server returned it and `row`, the row shaped from it: with
  // enforce_schema, a selected column `document` lacks is an error (djongo's MigrationError);
  // without, the row is left with None there (the shaper already writes None for the values()
  // shapes; a model row or an aggregate's dict gets the key added as null).
  std::optional<Diagnostic> Apply(const bson_t* document, BsonDoc* row) const;

 private:
  struct Column {
    std::string path;     // where the document returned holds it: the column, or an output key
    std::string column;   // the column, as djongo's MigrationError names it
    std::string field;    // the model's field name, for the message
    std::string row_key;  // the key of a dict row to add as null; empty for tuples and scalars
  };
  std::string model_;
  std::string collection_;
  bool enforce_ = false;
  std::vector<Column> columns_;
};

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_ENFORCE_SCHEMA_H_
