// Collects the schema's diagnostics. Every check reports here instead of
// stopping, so that one run shows the user every problem at once (up to
// kMaxDiagnostics, as cel-cpp caps its issues).
#ifndef QUERYSAFE_LIB_SCHEMA_DIAGNOSTIC_SINK_H_
#define QUERYSAFE_LIB_SCHEMA_DIAGNOSTIC_SINK_H_

#include <cstdint>
#include <string>
#include <utility>

#include "querysafe/diagnostic.h"

namespace querysafe::schema {

class DiagnosticSink {
 public:
  // ImproperlyConfigured, the category of every schema mistake except the ones
  // Django raises as FieldError.
  void Error(std::string code, std::string message, std::string location, int32_t server_code = 0) {
    Add(Category::kImproperlyConfigured, std::move(code), std::move(message), std::move(location),
        server_code);
  }

  void Add(Category category, std::string code, std::string message, std::string location,
           int32_t server_code = 0, Span span = {}) {
    ++count_;
    if (diagnostics_.size() >= kMaxDiagnostics) return;
    Diagnostic d;
    d.category = category;
    d.code = std::move(code);
    d.message = std::move(message);
    d.location = std::move(location);
    d.server_code = server_code;
    d.span = span;
    diagnostics_.push_back(std::move(d));
  }

  // Every diagnostic seen, including the ones past the cap.
  size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // When the cap is reached nothing further is worth computing.
  bool full() const { return diagnostics_.size() >= kMaxDiagnostics; }
  Diagnostics Take() { return std::move(diagnostics_); }

 private:
  Diagnostics diagnostics_;
  size_t count_ = 0;
};

}  // namespace querysafe::schema

#endif  // QUERYSAFE_LIB_SCHEMA_DIAGNOSTIC_SINK_H_
