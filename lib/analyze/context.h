// What every binder and rule of one Analyze() call shares: the schema, the options, the arena,
// the diagnostics collected so far, and the parameters declared so far.
#ifndef QUERYSAFE_LIB_ANALYZE_CONTEXT_H_
#define QUERYSAFE_LIB_ANALYZE_CONTEXT_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "lib/analyze/analyze.h"
#include "lib/analyze/bound.h"
#include "lib/common/arena.h"
#include "lib/common/arena_vector.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::analyze {

class Context {
 public:
  Context(const schema::Schema& schema, const AnalyzeOptions& options, Arena* arena)
      : schema_(schema), options_(options), arena_(arena), params_(arena) {}

  const schema::Schema& schema() const { return schema_; }
  const AnalyzeOptions& options() const { return options_; }
  Arena* arena() const { return arena_; }

  // TIME_ZONE's name for a DateTimeField's transforms to convert to, in the arena (the bound
  // tree keeps it); empty under UTC, MongoDB's default, where nothing is written.
  std::string_view time_zone() {
    if (time_zone_.empty() && !options_.time_zone.is_default()) {
      time_zone_ = arena_->CopyString(options_.time_zone.name);
    }
    return time_zone_;
  }

  // True when the database has encrypted fields anywhere: the connection then uses automatic
  // encryption, and the limitations that apply to every model on such a connection apply.
  bool encrypted_database() const { return schema_.has_encrypted_fields(); }

  void Report(Category category, std::string code, std::string message, Span span,
              int32_t server_code = 0) {
    if (diagnostics_.size() >= options_.max_diagnostics) return;
    Diagnostic d;
    d.category = category;
    d.code = std::move(code);
    d.message = std::move(message);
    d.server_code = server_code;
    d.span = span;
    d.location = location_;
    diagnostics_.push_back(std::move(d));
  }

  // Where in a structured input the next reports are (the MQL front end's BSON path, e.g.
  // "filter.ssn.$gt"); empty for query text, whose spans say where.
  void set_location(std::string location) { location_ = std::move(location); }

  bool failed() const { return !diagnostics_.empty(); }
  size_t error_count() const { return diagnostics_.size(); }
  bool full() const { return diagnostics_.size() >= options_.max_diagnostics; }

  Diagnostics TakeDiagnostics() {
    std::stable_sort(
        diagnostics_.begin(), diagnostics_.end(),
        [](const Diagnostic& a, const Diagnostic& b) { return a.span.begin < b.span.begin; });
    return std::move(diagnostics_);
  }

  // Parameters: the first use of a name declares it; later uses must agree on the type.
  ArenaVector<bound::Param>& params() { return params_; }

  // A string that lives as long as the bound tree.
  std::string_view Keep(std::string_view s) { return arena_->CopyString(s); }

  // Whether a key crossed a ForeignKey (ResolveKey made a bound::Join): most queries have no
  // join, and then nothing needs to look for one in the filter tree.
  void NoteJoin() { made_joins_ = true; }
  bool made_joins() const { return made_joins_; }

  // Set while an aggregate's filter= is bound (aggregate_binder.cc). That condition is
  // evaluated as an aggregation expression inside $group, where Queryable Encryption refuses
  // every encrypted field; the filter binder records such fields here, with the span of the
  // lookup that names them, instead of applying the match-expression rules to them, and the
  // aggregate binder reports them (rules/qe_aggregate_filter.cc) once grouping is checked.
  std::vector<bound::FieldRef>* group_expression_refs() const { return group_expression_refs_; }
  void set_group_expression_refs(std::vector<bound::FieldRef>* refs) {
    group_expression_refs_ = refs;
  }

 private:
  const schema::Schema& schema_;
  std::string_view time_zone_;
  std::string location_;
  const AnalyzeOptions& options_;
  Arena* arena_;
  Diagnostics diagnostics_;
  ArenaVector<bound::Param> params_;
  bool made_joins_ = false;
  std::vector<bound::FieldRef>* group_expression_refs_ = nullptr;
};

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_CONTEXT_H_
