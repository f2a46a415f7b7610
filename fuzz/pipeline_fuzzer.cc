// libFuzzer entry point of the `pipeline` target (fuzz/README.md); the target itself is
// RunPipeline() in pipeline_target.cc, shared with the corpus replay driver and the regression
// tests.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  querysafe::fuzzing::RunPipeline(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
