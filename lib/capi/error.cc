// querysafe_error: the C view of a Diagnostics vector. The error owns one heap block
// (ErrorStorage) holding the diagnostics, their C views and the formatted text; the public struct
// only points into it, so querysafe_error_clear has one thing to free.

#include <cstdlib>
#include <format>
#include <memory>
#include <string>
#include <vector>

#include "lib/capi/status.h"
#include "querysafe/version.h"

namespace querysafe::capi {
namespace {

struct ErrorStorage {
  Diagnostics diagnostics;
  std::vector<querysafe_diagnostic> views;
  std::string formatted;
};

constexpr char kOutOfMemory[] = "querysafe: out of memory";

querysafe_diagnostic View(const Diagnostic& d, std::string_view text) {
  querysafe_diagnostic v{};
  v.category = static_cast<querysafe_category>(d.category);
  v.code = d.code.c_str();
  v.message = d.message.c_str();
  v.server_code = d.server_code;
  v.span_begin = d.span.begin;
  v.span_end = d.span.end;
  const LineColumn lc = LocateOffset(text, d.span.begin);
  v.line = lc.line;
  v.column = lc.column;
  v.location = d.location.c_str();
  return v;
}

Diagnostic Make(Category category, std::string code, std::string message) {
  Diagnostic d;
  d.category = category;
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

}  // namespace

int Fail(querysafe_error* error, int status, const Diagnostics& diagnostics, std::string_view text,
         std::string_view source_name) noexcept {
  if (error == nullptr) return status;
  querysafe_error_clear(error);
  error->status = status;
  try {
    auto storage = std::make_unique<ErrorStorage>();
    storage->diagnostics = diagnostics;
    if (status == QUERYSAFE_ENOMEM && storage->diagnostics.empty()) {
      storage->diagnostics.push_back(
          Make(Category::kDatabaseError, "capi.out_of_memory", "querysafe: out of memory."));
    }
    storage->views.reserve(storage->diagnostics.size());
    for (const Diagnostic& d : storage->diagnostics) storage->views.push_back(View(d, text));
    storage->formatted = FormatDiagnostics(storage->diagnostics, text, source_name);
    error->count = storage->views.size();
    error->diagnostics = storage->views.data();
    error->formatted = storage->formatted.c_str();
    error->internal_ = storage.release();
  } catch (...) {
    error->formatted = kOutOfMemory;
  }
  return status;
}

int Invalid(querysafe_error* error, const char* function, std::string_view what) noexcept {
  try {
    return Fail(error, QUERYSAFE_EINVALID,
                {Make(Category::kImproperlyConfigured, "capi.invalid_argument",
                      std::format("{}: {}", function, what))});
  } catch (...) {
    return Fail(error, QUERYSAFE_EINVALID, {});
  }
}

int Internal(querysafe_error* error, const char* function, std::string_view what) noexcept {
  try {
    return Fail(error, QUERYSAFE_EINTERNAL,
                {Make(Category::kDatabaseError, "internal.exception",
                      std::format("internal error in {}: {}. Please report it.", function, what))});
  } catch (...) {
    return Fail(error, QUERYSAFE_EINTERNAL, {});
  }
}

char* CopyString(std::string_view s) noexcept {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

}  // namespace querysafe::capi

extern "C" {

void querysafe_error_clear(querysafe_error* error) {
  if (error == nullptr) return;
  delete static_cast<querysafe::capi::ErrorStorage*>(error->internal_);
  *error = querysafe_error QUERYSAFE_ERROR_INIT;
}

const char* querysafe_category_name(querysafe_category category) {
  switch (category) {
    case QUERYSAFE_SYNTAX_ERROR:
    case QUERYSAFE_FIELD_ERROR:
    case QUERYSAFE_VALIDATION_ERROR:
    case QUERYSAFE_NOT_SUPPORTED_ERROR:
    case QUERYSAFE_IMPROPERLY_CONFIGURED:
    case QUERYSAFE_DATABASE_ERROR:
    case QUERYSAFE_DOES_NOT_EXIST:
    case QUERYSAFE_MULTIPLE_OBJECTS_RETURNED:
      // CategoryName returns views of string literals: NUL-terminated.
      return querysafe::CategoryName(static_cast<querysafe::Category>(category)).data();
    case QUERYSAFE_CATEGORY_MAX_ENUM_:
      break;
  }
  return "";
}

void querysafe_string_free(char* string) { std::free(string); }

const char* querysafe_version(void) { return QUERYSAFE_VERSION_STRING; }

}  // extern "C"
