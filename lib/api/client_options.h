// ConnectOptions (the public, text-only settings) into exec::ClientOptions. Shared by the C++
// API and the querysafe command's connection flags, so that both accept exactly the same
// settings with the same diagnostics.
#ifndef QUERYSAFE_LIB_API_CLIENT_OPTIONS_H_
#define QUERYSAFE_LIB_API_CLIENT_OPTIONS_H_

#include "lib/exec/client.h"
#include "querysafe/client.h"
#include "querysafe/schema.h"

namespace querysafe::internal {

// False, with ImproperlyConfigured diagnostics naming the setting, when a setting is wrong
// (both or neither KMS setting for a schema with encrypted fields, JSON that does not parse, a
// local key that is not 96 bytes...).
bool ToExecOptions(const Schema& schema, const ConnectOptions& options, exec::ClientOptions* out,
                   Diagnostics* diagnostics);

}  // namespace querysafe::internal

#endif  // QUERYSAFE_LIB_API_CLIENT_OPTIONS_H_
