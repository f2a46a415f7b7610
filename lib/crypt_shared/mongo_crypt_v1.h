// The crypt_shared ABI, version 1: the thirteen C functions libmongocrypt loads with dlopen from
// the library a driver names as crypt_shared_lib_path / cryptSharedLibPath (their contract is
// documented in libmongocrypt's src/mongo_crypt-v1.h, which MongoDB's Enterprise
// mongo_crypt_v1.so implements). These are querysafe's own declarations of that contract, for
// libquerysafe_crypt_v1.so and its tests.
#ifndef QUERYSAFE_LIB_CRYPT_SHARED_MONGO_CRYPT_V1_H_
#define QUERYSAFE_LIB_CRYPT_SHARED_MONGO_CRYPT_V1_H_

#include <stddef.h>
#include <stdint.h>

#define QUERYSAFE_CRYPT_V1_API __attribute__((used, visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mongo_crypt_v1_status mongo_crypt_v1_status;
typedef struct mongo_crypt_v1_lib mongo_crypt_v1_lib;
typedef struct mongo_crypt_v1_query_analyzer mongo_crypt_v1_query_analyzer;

// The error values of mongo_crypt_v1_status_get_error (the ABI's mongo_crypt_v1_error).
enum {
  QUERYSAFE_CRYPT_V1_ERROR_IN_REPORTING_ERROR = -2,
  QUERYSAFE_CRYPT_V1_ERROR_UNKNOWN = -1,
  QUERYSAFE_CRYPT_V1_SUCCESS = 0,
  QUERYSAFE_CRYPT_V1_ERROR_ENOMEM = 1,
  QUERYSAFE_CRYPT_V1_ERROR_EXCEPTION = 2,
  QUERYSAFE_CRYPT_V1_ERROR_LIBRARY_ALREADY_INITIALIZED = 3,
  QUERYSAFE_CRYPT_V1_ERROR_LIBRARY_NOT_INITIALIZED = 4,
  QUERYSAFE_CRYPT_V1_ERROR_INVALID_LIB_HANDLE = 5,
  QUERYSAFE_CRYPT_V1_ERROR_REENTRANCY_NOT_ALLOWED = 6,
};

// A status: the error (above), the server's error code, and the explanation. Owned by the
// caller; may be null in every call below (nothing is reported then).
QUERYSAFE_CRYPT_V1_API mongo_crypt_v1_status* mongo_crypt_v1_status_create(void);
QUERYSAFE_CRYPT_V1_API void mongo_crypt_v1_status_destroy(mongo_crypt_v1_status* status);
QUERYSAFE_CRYPT_V1_API int mongo_crypt_v1_status_get_error(const mongo_crypt_v1_status* status);
// Valid until the status is next used or destroyed; "" on success.
QUERYSAFE_CRYPT_V1_API const char* mongo_crypt_v1_status_get_explanation(
    const mongo_crypt_v1_status* status);
QUERYSAFE_CRYPT_V1_API int mongo_crypt_v1_status_get_code(const mongo_crypt_v1_status* status);

QUERYSAFE_CRYPT_V1_API mongo_crypt_v1_lib* mongo_crypt_v1_lib_create(mongo_crypt_v1_status* status);
// Returns the error value; destroying a library with live query analyzers is refused.
QUERYSAFE_CRYPT_V1_API int mongo_crypt_v1_lib_destroy(mongo_crypt_v1_lib* lib,
                                                      mongo_crypt_v1_status* status);

// The MongoDB feature level implemented, 16 bits each: 0x000M_000m_000p_0000 for M.m.p.
QUERYSAFE_CRYPT_V1_API uint64_t mongo_crypt_v1_get_version(void);
QUERYSAFE_CRYPT_V1_API const char* mongo_crypt_v1_get_version_str(void);

QUERYSAFE_CRYPT_V1_API mongo_crypt_v1_query_analyzer* mongo_crypt_v1_query_analyzer_create(
    mongo_crypt_v1_lib* lib, mongo_crypt_v1_status* status);
QUERYSAFE_CRYPT_V1_API void mongo_crypt_v1_query_analyzer_destroy(
    mongo_crypt_v1_query_analyzer* analyzer);

// Analyses the command `documentBSON` (for namespace ns_str, ns_len bytes) and returns the reply
// document, *bson_len bytes, to be freed with mongo_crypt_v1_bson_free; null on error.
QUERYSAFE_CRYPT_V1_API uint8_t* mongo_crypt_v1_analyze_query(
    mongo_crypt_v1_query_analyzer* analyzer, const uint8_t* documentBSON, const char* ns_str,
    uint32_t ns_len, uint32_t* bson_len, mongo_crypt_v1_status* status);
QUERYSAFE_CRYPT_V1_API void mongo_crypt_v1_bson_free(uint8_t* bson);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // QUERYSAFE_LIB_CRYPT_SHARED_MONGO_CRYPT_V1_H_
