// File: querysafe/diagnostic.h
//
// Diagnostics are how querysafe reports a rejected input: a query that does not
// parse, a lookup on a field that does not exist, a value of the wrong type, a
// query Queryable Encryption cannot run, a schema that MongoDB would refuse.
// They are values, returned next to (instead of) the result; querysafe never
// throws for bad input. `absl::Status` is kept for "could not complete" (a file
// that cannot be read, a key vault that does not answer).
//
// Example:
//   querysafe::Diagnostic d = ...;
//   std::cerr << querysafe::FormatDiagnostic(d, query_text, "query");
//   // query:1:24: NotSupportedError: Invalid match expression operator on
//   encrypted field
//   //   'patient_record.ssn': $regex [server code 51092]
//   //   Patient.objects.filter(patient_record__ssn__startswith="987")
//   //                          ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
#ifndef QUERYSAFE_DIAGNOSTIC_H_
#define QUERYSAFE_DIAGNOSTIC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/export.h"

namespace querysafe {

// Django's exception names, so that an ORM can raise the exception its users
// already expect.
enum class Category : uint8_t {
  kSyntaxError,              // the query text does not parse
  kFieldError,               // unknown field or lookup (django.core.exceptions.FieldError)
  kValidationError,          // a value that cannot become the field's type
  kNotSupportedError,        // QE rules and documented QuerySet limitations
  kImproperlyConfigured,     // the schema (or configuration) is wrong
  kDatabaseError,            // the server, the key vault or the driver said no
  kDoesNotExist,             // get() matched nothing
  kMultipleObjectsReturned,  // get() matched more than one document
};

// "SyntaxError", "FieldError", ... as Django (and the JSON output) spells them.
QUERYSAFE_EXPORT std::string_view CategoryName(Category category);

// A byte range [begin, end) in the text the diagnostic is about: the query, or
// the schema file.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;

  friend bool operator==(const Span&, const Span&) = default;
};

struct Diagnostic {
  Category category = Category::kSyntaxError;
  // Stable identifier for programs and tests, e.g. "syntax.expected",
  // "qe.order_by_encrypted".
  std::string code;
  // For humans; the documented text wherever one exists (seeds, MongoDB's own
  // messages).
  std::string message;
  // The MongoDB error code the server or its query analysis would have raised,
  // 0 if none.
  int32_t server_code = 0;
  Span span;
  // Where in a structured input the problem is, e.g.
  // "models.Patient.fields.ssn.queries" for a schema; empty for query
  // diagnostics, whose span says where.
  std::string location;

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

using Diagnostics = std::vector<Diagnostic>;

// The most diagnostics any single input produces; after that, querysafe stops
// looking.
inline constexpr size_t kMaxDiagnostics = 20;

// 1-based line and column (in characters, not bytes) of a byte offset in
// `text`.
struct LineColumn {
  uint32_t line = 1;
  uint32_t column = 1;
};
QUERYSAFE_EXPORT LineColumn LocateOffset(std::string_view text, uint32_t offset);

// Compiler-style rendering: "<source_name>:<line>:<col>: <Category>: <message>
// [server code N]", then the offending line and a caret under the span. `text`
// is the input the span refers to.
QUERYSAFE_EXPORT std::string FormatDiagnostic(const Diagnostic& diagnostic, std::string_view text,
                                              std::string_view source_name);

// Every diagnostic, each formatted as above, separated by newlines.
QUERYSAFE_EXPORT std::string FormatDiagnostics(const Diagnostics& diagnostics,
                                               std::string_view text, std::string_view source_name);

// {"errors": [{"category", "code", "server_code", "message", "span": {"begin",
// "end", "line", "column"}, "location"}]} as compact JSON.
QUERYSAFE_EXPORT std::string DiagnosticsToJson(const Diagnostics& diagnostics,
                                               std::string_view text);

}  // namespace querysafe

#endif  // QUERYSAFE_DIAGNOSTIC_H_
