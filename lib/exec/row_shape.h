// How the documents a command returns become the rows Django's QuerySet
// gives, as lowering shaped the command (lower::Command::shape, field_names):
//   - models: the documents themselves (decrypted);
//   - values() / named values_list(): a dict per row, keyed by the output names
//     (field_names), in their order;
//   - values_list(): a tuple per row, written as a BSON array ({"0": ...,
//   ...});
//   - values_list(flat=True): the single value, as {"0": value}.
// A find projects db paths ("patient_record.ssn") and returns nested
// documents, so its rows are read back by path; an aggregate's $project already
// names its output keys, so its rows are taken as they come (annotations
// included, in the pipeline's order). A field a document lacks is None (null),
// as in Django.
#ifndef QUERYSAFE_LIB_EXEC_ROW_SHAPE_H_
#define QUERYSAFE_LIB_EXEC_ROW_SHAPE_H_

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"
#include "lib/lower/lower.h"

namespace querysafe::exec {

enum class RowKind : uint8_t {
  kDocument,  // a document or a dict: printed as a JSON object
  kTuple,     // values_list(): printed as a JSON array
  kScalar,    // values_list(flat=True): printed as the value
};

class RowShaper {
 public:
  explicit RowShaper(const lower::Command& command);
  RowKind kind() const { return kind_; }
  // `document` as the row the query's shape asks for.
  BsonDoc Shape(const bson_t* document) const;

 private:
  RowKind kind_ = RowKind::kDocument;
  bool pass_through_ = true;  // models, or an aggregate already shaped
  bool by_path_ = false;      // a find: read db paths, name them field_names
  std::vector<std::string> paths_;
  std::vector<std::string> names_;
  std::vector<std::string> output_keys_;  // an aggregate's tuple: its $project's keys
};

// One key of the rows a command returns, as its projection writes it: `key` the output key,
// `path` the field path it reads ("headline", "_id.f0"; empty for a computed value).
struct OutputKey {
  std::string key;
  std::string path;
};

// What the rows of `command` hold: a find's projection, or the last $project of an aggregate's
// pipeline (none after a later $group, $count or $replaceRoot); nullopt when there is none (the
// documents' own fields).
std::optional<std::vector<OutputKey>> SelectedKeys(const lower::Command& command);

// What aggregate() returns over no rows: the pipeline's $group has one
// accumulator per alias, and Django gives 0 for Count and None for the others
// (Sum, Avg, Min, Max, StdDev, Variance). Lowering writes Count as
// {$sum: {$cond: [<test>, 1, 0]}} (or $addToSet then $size when distinct), so
// that shape is what marks a Count here. Empty document if the command has no
// $group stage.
BsonDoc EmptyAggregateRow(const bson_t* command);

// Django's get() messages (django/db/models/query.py):
//   "<Model> matching query does not exist."
//   "get() returned more than one <Model> -- it returned <n>!", with "more
//   than 20" for <n> when get()'s limit of 21 was reached (Django always
//   caps get() at MAX_GET_RESULTS, sliced or not).
Diagnostic DoesNotExist(std::string_view model);
Diagnostic MultipleObjectsReturned(std::string_view model, int64_t count);

// get() fetches at most this many documents (django.db.models.query
// MAX_GET_RESULTS).
inline constexpr int64_t kMaxGetResults = 21;

}  // namespace querysafe::exec

#endif  // QUERYSAFE_LIB_EXEC_ROW_SHAPE_H_
