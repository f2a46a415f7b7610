// How every C entry point reports: diagnostics into the caller's querysafe_error, exceptions
// caught at the boundary (a C caller cannot catch them, and unwinding through C frames is
// undefined), NULL arguments turned into QUERYSAFE_EINVALID with the function's name.
#ifndef QUERYSAFE_LIB_CAPI_STATUS_H_
#define QUERYSAFE_LIB_CAPI_STATUS_H_

#include <cstddef>
#include <cstring>
#include <new>
#include <string_view>

#include "querysafe/diagnostic.h"
#include "querysafe/querysafe.h"

namespace querysafe::capi {

// Fills `error` (which may be NULL) with `diagnostics`, formatted against `text` (the input their
// spans point into) under `source_name`; returns `status`. Never throws: if even the error cannot
// be stored, it is left with its status and a static out-of-memory message.
int Fail(querysafe_error* error, int status, const Diagnostics& diagnostics,
         std::string_view text = {}, std::string_view source_name = "input") noexcept;

// QUERYSAFE_EINVALID with a message naming the function and what was wrong with its arguments.
int Invalid(querysafe_error* error, const char* function, std::string_view what) noexcept;

// QUERYSAFE_EINTERNAL: an exception reached the C boundary (a bug; the message says where).
int Internal(querysafe_error* error, const char* function, std::string_view what) noexcept;

// A NUL-terminated copy of `s` for a `char **out`, freed with querysafe_string_free; nullptr
// when memory runs out.
char* CopyString(std::string_view s) noexcept;

// (text, length) as the API takes it: length < 0 means NUL-terminated.
inline std::string_view TextArg(const char* text, ptrdiff_t length) {
  return length < 0 ? std::string_view(text) : std::string_view(text, static_cast<size_t>(length));
}

// Runs `body` (returning an int status), turning any exception into a status and a diagnostic:
// std::bad_alloc is QUERYSAFE_ENOMEM, anything else QUERYSAFE_EINTERNAL (a bug: the library
// reports bad input as diagnostics, so an exception here means an invariant broke).
template <typename Body>
int Guard(querysafe_error* error, const char* function, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(error, QUERYSAFE_ENOMEM, {});
  } catch (const std::exception& e) {
    return Internal(error, function, e.what());
  } catch (...) {
    return Internal(error, function, "unknown exception");
  }
}

}  // namespace querysafe::capi

#endif  // QUERYSAFE_LIB_CAPI_STATUS_H_
