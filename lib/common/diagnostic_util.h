// Making diagnostics in the stages: one constructor, so that every stage fills the same fields.
#ifndef QUERYSAFE_LIB_COMMON_DIAGNOSTIC_UTIL_H_
#define QUERYSAFE_LIB_COMMON_DIAGNOSTIC_UTIL_H_

#include <cstdint>
#include <string>

#include "querysafe/diagnostic.h"

namespace querysafe {

inline Diagnostic MakeDiagnostic(Category category, std::string code, std::string message,
                                 int32_t server_code = 0) {
  Diagnostic d;
  d.category = category;
  d.code = std::move(code);
  d.message = std::move(message);
  d.server_code = server_code;
  return d;
}

// A setting (schema, KMS, connection) that is wrong: Django's ImproperlyConfigured.
inline Diagnostic ConfigurationDiagnostic(std::string code, std::string message) {
  return MakeDiagnostic(Category::kImproperlyConfigured, std::move(code), std::move(message));
}

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_DIAGNOSTIC_UTIL_H_
