// libFuzzer entry point of the `crypt_shared` target (fuzz/README.md); the target itself is
// RunCryptShared() in crypt_shared_target.cc, shared with the corpus replay driver and the
// regression tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  querysafe::fuzzing::RunCryptShared(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
