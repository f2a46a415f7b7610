// Whether a command libmongocrypt hands the analysis is valid BSON, as bson_validate with
// BSON_VALIDATE_NONE judges it: element structure and lengths, and nesting no deeper than
// libbson's validation limit, which keeps the analysis's recursive walk shallow.
#ifndef QUERYSAFE_LIB_MQL_VALID_COMMAND_H_
#define QUERYSAFE_LIB_MQL_VALID_COMMAND_H_

#include <bson/bson.h>

namespace querysafe::mql {

// `cmd` must have been made with bson_init_static over the caller's bytes (its length checked).
bool ValidCommand(const bson_t* cmd);

}  // namespace querysafe::mql

#endif  // QUERYSAFE_LIB_MQL_VALID_COMMAND_H_
