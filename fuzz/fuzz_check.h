// Invariant checks shared by the fuzz targets. A target must find more than crashes: querysafe
// promises that every rejected input yields diagnostics (at most kMaxDiagnostics, spans inside
// the input), that its JSON renderers never fail, and that an encrypted command holds no
// placeholder. A broken promise is reported like a crash (Fail() aborts), so that libFuzzer keeps
// the input as a reproducer and the replay driver fails.
#ifndef QUERYSAFE_FUZZ_FUZZ_CHECK_H_
#define QUERYSAFE_FUZZ_FUZZ_CHECK_H_

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "querysafe/diagnostic.h"

namespace querysafe::fuzzing {

// Prints "querysafe fuzz: invariant broken: <what>" to stderr and aborts.
[[noreturn]] void Fail(std::string_view what);

// Fail(what) unless `condition`. `what` is only built when the check fails.
#define QUERYSAFE_FUZZ_CHECK(condition, what)             \
  do {                                                    \
    if (!(condition)) ::querysafe::fuzzing::Fail((what)); \
  } while (false)

// The promises every stage makes about a result: `ok` (a value came out) holds exactly when
// `diagnostics` is empty; there are at most kMaxDiagnostics; each has a code, a message and a
// category, none is "internal.error" (an exception the library caught: always a bug), and each
// span lies inside `text`. The human and JSON renderings are produced, and the JSON must parse
// back with one entry per diagnostic. `stage` names the step in failure messages.
void CheckResult(bool ok, const Diagnostics& diagnostics, std::string_view text,
                 std::string_view stage);

// Parses `json` (relaxed or canonical Extended JSON) into `out`; Fail() naming `what` if it
// does not parse. libbson reads at most kLibbsonJsonDepth nested objects and arrays: deeper JSON
// can only be checked with CheckJsonSyntax.
void CheckJson(std::string_view json, std::string_view what, bson_t* out);
inline constexpr int kLibbsonJsonDepth = 98;

// Checks that `json` is one JSON value as RFC 8259 defines it (valid UTF-8, string escapes,
// number syntax, nothing after it) and returns its nesting depth (0 for a scalar); Fail() naming
// `what` otherwise. No depth limit: for JSON deeper than libbson reads, such as the AST of a
// query nested to ParseOptions::max_depth.
int CheckJsonSyntax(std::string_view json, std::string_view what);

// True if some document in `doc`, at any depth, has a key for which `predicate` holds.
bool AnyKey(const bson_t* doc, bool (*predicate)(std::string_view key));

// True if some document in `doc`, at any depth, has the key "$encrypt".
bool HasPlaceholder(const bson_t* doc);

// Every BinData subtype 6 (an encrypted payload) in `doc`, at any depth.
std::vector<std::string_view> EncryptedPayloads(const bson_t* doc);

// "code code code" for an outcome summary.
std::string Codes(const Diagnostics& diagnostics);

// FNV-1a: a hash of the input that is the same in every build and on every machine, so that
// the values a target derives from it (hostile parameters) replay identically.
uint64_t StableHash(std::string_view data);

}  // namespace querysafe::fuzzing

#endif  // QUERYSAFE_FUZZ_FUZZ_CHECK_H_
