// libquerysafe_crypt_v1.so: querysafe's MQL query analysis (lib/mql) behind the crypt_shared ABI,
// so that libmongocrypt, and every driver built on it, does automatic Queryable Encryption with
// this library where it would load MongoDB's Enterprise mongo_crypt_v1.so.
//
// The boundary never lets an exception out and never aborts: every function catches everything
// and reports it in the status (ENOMEM for an allocation failure, EXCEPTION for the rest, with
// the server's error code when the analysis has one). Thread safety: the library and analyzer
// handles are immutable once created, and analysis keeps no state between calls, so any number
// of threads may analyse with one analyzer; a status must not be shared between threads (the
// ABI's own rule).
#include "lib/crypt_shared/mongo_crypt_v1.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <format>
#include <new>
#include <string>

#include "lib/mql/analyze_command.h"
#include "querysafe/version.h"

struct mongo_crypt_v1_status {
  int error = QUERYSAFE_CRYPT_V1_SUCCESS;
  int code = 0;
  std::string explanation;
};

struct mongo_crypt_v1_lib {
  std::atomic<int> analyzers{0};
};

struct mongo_crypt_v1_query_analyzer {
  mongo_crypt_v1_lib* lib = nullptr;
};

namespace {

// The MongoDB version whose query analysis this stands in for: libmongocrypt gates features on
// it (mongocrypt.c; a multi-collection $lookup needs 8.1, which this library does not analyse).
constexpr uint64_t kMajor = 8, kMinor = 0, kPatch = 0;

// MongoDB's ErrorCodes::BadValue, for refusals that have no server code of their own.
constexpr int kBadValue = 2;

void Clear(mongo_crypt_v1_status* status) {
  if (status == nullptr) return;
  status->error = QUERYSAFE_CRYPT_V1_SUCCESS;
  status->code = 0;
  status->explanation.clear();
}

void Set(mongo_crypt_v1_status* status, int error, int code, std::string_view explanation) {
  if (status == nullptr) return;
  try {
    status->error = error;
    status->code = code;
    status->explanation.assign(explanation);
  } catch (...) {
    status->error = QUERYSAFE_CRYPT_V1_ERROR_IN_REPORTING_ERROR;
    status->code = 0;
  }
}

// Runs `body` with the boundary's guarantees: the status cleared first, any exception caught.
template <typename T, typename Body>
T Guard(mongo_crypt_v1_status* status, T failed, Body body) noexcept {
  try {
    Clear(status);
    return body();
  } catch (const std::bad_alloc&) {
    Set(status, QUERYSAFE_CRYPT_V1_ERROR_ENOMEM, 0, "out of memory");
  } catch (const std::exception& e) {
    Set(status, QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION, 0, e.what());
  } catch (...) {
    Set(status, QUERYSAFE_CRYPT_V1_ERROR_UNKNOWN, 0, "unknown error");
  }
  return failed;
}

std::string Explain(const querysafe::Diagnostic& d) {
  std::string text = d.message;
  if (!d.location.empty()) text += std::format(" [at {}]", d.location);
  return text;
}

}  // namespace

extern "C" {

mongo_crypt_v1_status* mongo_crypt_v1_status_create(void) {
  return new (std::nothrow) mongo_crypt_v1_status();
}

void mongo_crypt_v1_status_destroy(mongo_crypt_v1_status* status) { delete status; }

int mongo_crypt_v1_status_get_error(const mongo_crypt_v1_status* status) {
  return status == nullptr ? QUERYSAFE_CRYPT_V1_ERROR_UNKNOWN : status->error;
}

const char* mongo_crypt_v1_status_get_explanation(const mongo_crypt_v1_status* status) {
  return status == nullptr ? "" : status->explanation.c_str();
}

int mongo_crypt_v1_status_get_code(const mongo_crypt_v1_status* status) {
  return status == nullptr ? 0 : status->code;
}

mongo_crypt_v1_lib* mongo_crypt_v1_lib_create(mongo_crypt_v1_status* status) {
  return Guard<mongo_crypt_v1_lib*>(status, nullptr, [] { return new mongo_crypt_v1_lib(); });
}

int mongo_crypt_v1_lib_destroy(mongo_crypt_v1_lib* lib, mongo_crypt_v1_status* status) {
  return Guard<int>(status, QUERYSAFE_CRYPT_V1_ERROR_UNKNOWN, [&] {
    if (lib == nullptr) {
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_INVALID_LIB_HANDLE, 0, "null library handle");
      return static_cast<int>(QUERYSAFE_CRYPT_V1_ERROR_INVALID_LIB_HANDLE);
    }
    if (lib->analyzers.load() != 0) {
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION, 0,
          "the library still has query analyzers; destroy them first");
      return static_cast<int>(QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION);
    }
    delete lib;
    return static_cast<int>(QUERYSAFE_CRYPT_V1_SUCCESS);
  });
}

uint64_t mongo_crypt_v1_get_version(void) {
  return (kMajor << 48) | (kMinor << 32) | (kPatch << 16);
}

const char* mongo_crypt_v1_get_version_str(void) {
  return "querysafe_crypt_v1-" QUERYSAFE_VERSION_STRING " (querysafe; MongoDB 8.0.0 feature level)";
}

mongo_crypt_v1_query_analyzer* mongo_crypt_v1_query_analyzer_create(mongo_crypt_v1_lib* lib,
                                                                    mongo_crypt_v1_status* status) {
  return Guard<mongo_crypt_v1_query_analyzer*>(status, nullptr, [&] {
    if (lib == nullptr) {
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_INVALID_LIB_HANDLE, 0, "null library handle");
      return static_cast<mongo_crypt_v1_query_analyzer*>(nullptr);
    }
    auto* analyzer = new mongo_crypt_v1_query_analyzer();
    analyzer->lib = lib;
    lib->analyzers.fetch_add(1);
    return analyzer;
  });
}

void mongo_crypt_v1_query_analyzer_destroy(mongo_crypt_v1_query_analyzer* analyzer) {
  if (analyzer == nullptr) return;
  analyzer->lib->analyzers.fetch_sub(1);
  delete analyzer;
}

uint8_t* mongo_crypt_v1_analyze_query(mongo_crypt_v1_query_analyzer* analyzer,
                                      const uint8_t* documentBSON, const char* ns_str,
                                      uint32_t ns_len, uint32_t* bson_len,
                                      mongo_crypt_v1_status* status) {
  return Guard<uint8_t*>(status, nullptr, [&]() -> uint8_t* {
    if (bson_len != nullptr) *bson_len = 0;
    if (analyzer == nullptr) {
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_INVALID_LIB_HANDLE, 0, "null query analyzer");
      return nullptr;
    }
    if (documentBSON == nullptr || bson_len == nullptr || (ns_str == nullptr && ns_len != 0)) {
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION, kBadValue,
          "analyze_query needs a document, a namespace and a length out-parameter");
      return nullptr;
    }
    // A BSON document starts with its length (little-endian int32); libbson validates the rest.
    int32_t length = 0;
    std::memcpy(&length, documentBSON, sizeof length);
    if (length < 5) {
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION, kBadValue,
          "The command is not a valid BSON document");
      return nullptr;
    }
    querysafe::mql::CommandAnalysis analysis =
        querysafe::mql::AnalyzeCommand(documentBSON, static_cast<size_t>(length),
                                       std::string_view(ns_str == nullptr ? "" : ns_str, ns_len));
    if (!analysis.diagnostics.empty()) {
      const querysafe::Diagnostic& d = analysis.diagnostics.front();
      Set(status, QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION,
          d.server_code != 0 ? d.server_code : kBadValue, Explain(d));
      return nullptr;
    }
    auto* out = static_cast<uint8_t*>(std::malloc(analysis.reply.size()));
    if (out == nullptr) throw std::bad_alloc();
    std::memcpy(out, analysis.reply.data(), analysis.reply.size());
    *bson_len = analysis.reply.size();
    return out;
  });
}

void mongo_crypt_v1_bson_free(uint8_t* bson) { std::free(bson); }

}  // extern "C"
