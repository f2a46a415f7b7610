// The fuzz targets as plain functions, so that three callers share them: the libFuzzer entry
// points (*_fuzzer.cc), the corpus replay driver built with the normal compiler
// (standalone_driver.cc), and the regression tests (tests/regression/), which also compare the
// outcome summary with the expected one.
//
// Each Run*() feeds one input through its stages, checks the invariants of fuzz_check.h on
// every result and aborts on a broken one. When `outcome` is not null it receives a short,
// deterministic summary of what each stage did ("compile: ok", "explain: rejected crypt.x"),
// one line per step; fuzzing passes null and pays nothing for it.
#ifndef QUERYSAFE_FUZZ_TARGETS_H_
#define QUERYSAFE_FUZZ_TARGETS_H_

#include <string>
#include <string_view>

namespace querysafe::fuzzing {

// Query text through ParseQuery (default and tight limits), ParseLookupKey and the lookup-key
// splitters.
void RunParse(std::string_view input, std::string* outcome = nullptr);

// Query text compiled against fixed schemas (medical, qe_matrix, risk, anchor and the spec-qe
// range/indexed schemas), translated with typical and hostile parameter values, and explained
// offline with the spec key material.
void RunPipeline(std::string_view input, std::string* outcome = nullptr);

// Schema JSON loaded for MongoDB 7.0, 8.0 and 8.2; a schema that loads is rendered and probed
// with queries on its fields, explained with a key source that has a key for every name.
void RunSchema(std::string_view input, std::string* outcome = nullptr);

// A BSON command through mongo_crypt_v1_analyze_query (lib/crypt_shared), as it is and with a
// fixed encryptionInformation.
void RunCryptShared(std::string_view input, std::string* outcome = nullptr);

// The target named "parse", "pipeline", "schema" or "crypt_shared"; null for any other name.
using TargetFunction = void (*)(std::string_view, std::string*);
TargetFunction FindTarget(std::string_view name);

}  // namespace querysafe::fuzzing

#endif  // QUERYSAFE_FUZZ_TARGETS_H_
