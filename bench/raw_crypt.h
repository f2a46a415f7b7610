// What the encryption benchmarks compare against: libmongocrypt used directly, as a driver's
// explicit encryption would, with the spec tests' data key and local master key. Shared by
// crypt_bench.cc (the Encryptor on lowering's requests) and explain_bench.cc (the public
// Explain on translations).
#ifndef QUERYSAFE_BENCH_RAW_CRYPT_H_
#define QUERYSAFE_BENCH_RAW_CRYPT_H_

#include <benchmark/benchmark.h>

extern "C" {
#include <mongocrypt/mongocrypt.h>
}

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/common/bson_util.h"

namespace querysafe::bench {

// The spec's key vault document and local master key (fle2v2-Rangev2-Int-InsertFind; the same
// key, EjRWeBI0mHYSNBI0VniQEg==, serves every spec collection).
struct SpecKeys {
  BsonDoc spec;
  BsonDoc key_document;
  std::vector<uint8_t> master_key;
  std::array<uint8_t, 16> key_id{};
};
const SpecKeys& Keys();

// One explicit encryption: the options a driver's ClientEncryption.encrypt() would set.
struct RawRequest {
  const char* algorithm = "Indexed";  // or "Range"
  const char* query_type = "equality";
  int64_t contention = 0;
  BsonDoc range_options;  // {min, max, sparsity, trimFactor} for Range
  // {"v": value}, or {"v": {"$and": [...]}} for a range expression.
  BsonDoc message;
  bool expression = false;  // encryptExpression (range) instead of encrypt
};

// One mongocrypt_t (so one key cache) for every call; one context per value.
class RawLibmongocrypt {
 public:
  RawLibmongocrypt();
  ~RawLibmongocrypt();
  RawLibmongocrypt(const RawLibmongocrypt&) = delete;
  RawLibmongocrypt& operator=(const RawLibmongocrypt&) = delete;

  // The payload's length (so the work cannot be optimized away); aborts on failure.
  size_t Encrypt(const RawRequest& request);

 private:
  mongocrypt_t* crypt_;
};

int64_t ThreadCpuNanos();

// Times `raw` and `ours` in every iteration, on the thread's CPU clock (the machine is shared:
// a preempted iteration would charge someone else's work to whichever side it hit), alternating
// which runs first so neither always finds the other's data in cache. Sets the counters raw_ns,
// querysafe_ns and overhead_pct.
template <typename Raw, typename Ours>
void RunPaired(benchmark::State& state, Raw&& raw, Ours&& ours) {
  raw();
  ours();
  int64_t raw_total = 0, ours_total = 0;
  bool raw_first = true;
  for (auto _ : state) {
    const int64_t t0 = ThreadCpuNanos();
    if (raw_first) {
      raw();
    } else {
      ours();
    }
    const int64_t t1 = ThreadCpuNanos();
    if (raw_first) {
      ours();
    } else {
      raw();
    }
    const int64_t t2 = ThreadCpuNanos();
    raw_total += raw_first ? t1 - t0 : t2 - t1;
    ours_total += raw_first ? t2 - t1 : t1 - t0;
    raw_first = !raw_first;
  }
  const double n = static_cast<double>(state.iterations());
  const double raw_ns = static_cast<double>(raw_total) / n;
  const double ours_ns = static_cast<double>(ours_total) / n;
  state.counters["raw_ns"] = raw_ns;
  state.counters["querysafe_ns"] = ours_ns;
  state.counters["overhead_pct"] = 100.0 * (ours_ns - raw_ns) / raw_ns;
}

}  // namespace querysafe::bench

#endif  // QUERYSAFE_BENCH_RAW_CRYPT_H_
