#include "fuzz/targets.h"

namespace querysafe::fuzzing {

TargetFunction FindTarget(std::string_view name) {
  if (name == "parse") return &RunParse;
  if (name == "pipeline") return &RunPipeline;
  if (name == "schema") return &RunSchema;
  if (name == "crypt_shared") return &RunCryptShared;
  return nullptr;
}

}  // namespace querysafe::fuzzing
