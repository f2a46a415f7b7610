// What the C API's opaque handles are: each wraps the C++ API object it stands for, plus whatever
// the C side needs to hand out borrowed, NUL-terminated pointers that stay valid as long as the
// handle (the C++ API returns std::string and string_view, which C cannot hold).
#ifndef QUERYSAFE_LIB_CAPI_HANDLES_H_
#define QUERYSAFE_LIB_CAPI_HANDLES_H_

#include <memory>
#include <string>
#include <vector>

#include "querysafe/client.h"
#include "querysafe/crypt.h"
#include "querysafe/query.h"
#include "querysafe/querysafe.h"
#include "querysafe/schema.h"

struct querysafe_schema {
  querysafe::Schema schema;
};

struct querysafe_query {
  querysafe::Query query;
  // Computed once at compile time, so that querysafe_query_param can lend pointers into it.
  std::vector<querysafe::ParamInfo> params;
};

struct querysafe_builder {
  querysafe::QueryBuilder builder;
};

struct querysafe_translation {
  querysafe::Translation translation;
  std::string command_name;  // NUL-terminated copy of Translation::command_name()
};

struct querysafe_encryptor {
  querysafe::Encryptor encryptor;
};

struct querysafe_client {
  std::unique_ptr<querysafe::Client> client;
  std::string time_zone;  // what querysafe_client_compile_options points to
};

struct querysafe_result {
  querysafe::RunResult result;
};

namespace querysafe::capi {

// Reads the C options into `out`; false for an unknown options version. NULL keeps the defaults.
bool ToCompileOptions(const querysafe_compile_options* in, CompileOptions* out);

// Wrap a compile or translate result in its handle, or fill `error` with its diagnostics (spans
// into `text`); return the status.
int FinishCompile(querysafe_query** out, CompileResult result, std::string_view text,
                  querysafe_error* error);
int FinishTranslate(querysafe_translation** out, TranslateResult result, std::string_view text,
                    querysafe_error* error);

}  // namespace querysafe::capi

#endif  // QUERYSAFE_LIB_CAPI_HANDLES_H_
