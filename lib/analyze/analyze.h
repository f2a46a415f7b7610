// The analyzer: AST + schema -> bound tree, or diagnostics. This is where querysafe does what
// MongoDB's Enterprise query analysis would do, in Django's terms: resolve every field, coerce
// every value to its field's BSON type, and reject every query that Queryable Encryption cannot
// run (or that Django itself refuses) with the documented message, before anything leaves the
// process.
//
// Analyze() is pure: no I/O, no globals; it reads the schema through const pointers, so any
// number of threads may analyze against one shared schema at once, each with its own Arena.
#ifndef QUERYSAFE_LIB_ANALYZE_ANALYZE_H_
#define QUERYSAFE_LIB_ANALYZE_ANALYZE_H_

#include <string_view>

#include "lib/analyze/bound.h"
#include "lib/common/arena.h"
#include "lib/common/server_version.h"
#include "lib/common/time_zone.h"
#include "lib/parse/ast.h"
#include "lib/schema/model.h"
#include "querysafe/diagnostic.h"

namespace querysafe::analyze {

// The MongoDB server version the query will run on (lib/common/server_version.h): it decides
// which QE query types exist (7.0: equality; 8.0: range; 8.2: the text previews; 9.0: prefix,
// suffix, substring).
using common::ServerVersion;

// What the linked libmongocrypt can encrypt (lib/crypt/capabilities.h, filled by lib/api), so
// that the analyzer can refuse what it could not, in plain words.
struct EncryptSupport {
  std::string_view crypt_version;     // the linked libmongocrypt's version
  bool text_preview = false;          // the 8.2 previews (libmongocrypt 1.15 to 1.20)
  bool text_preview_removed = false;  // the linked libmongocrypt dropped them (1.21+)
  bool text = false;                  // 9.0's prefix and suffix (1.19+)
  bool text_substring = false;        // 9.0's substring (1.20+)
};

struct AnalyzeOptions {
  ServerVersion server_version;
  size_t max_diagnostics = kMaxDiagnostics;
  // Set when the query will be encrypted (explain, run): queries the linked libmongocrypt cannot
  // encrypt (text, with libmongocrypt 1.13) are then rejected here, in plain words, instead of
  // failing inside libmongocrypt.
  bool require_encryptable = false;
  // Django's TIME_ZONE (USE_TZ=True), loaded and checked by the caller: DateTimeField transforms
  // and dates()/datetimes() on a DateTimeField convert to it, and naive datetime values are
  // local time in it (lib/common/time_zone.h).
  TimeZone time_zone;
  EncryptSupport encrypt;
};

struct AnalyzeResult {
  const bound::Query* query = nullptr;  // null when there are diagnostics
  Diagnostics diagnostics;
};

AnalyzeResult Analyze(const ast::Query& query, const schema::Schema& schema,
                      const AnalyzeOptions& options, Arena* arena);

}  // namespace querysafe::analyze

#endif  // QUERYSAFE_LIB_ANALYZE_ANALYZE_H_
