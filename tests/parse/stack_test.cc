// Stack use: the grammar and the interpreter recurse once per bracket or
// operand level, and ParseOptions::max_depth bounds that recursion. These
// tests run the worst shapes at the default limit on a thread whose stack the
// test owns and paints, so a regression that makes frames much larger shows up
// as a number here long before it overflows a caller's thread.
#include <gtest/gtest.h>
#include <pthread.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lib/common/arena.h"
#include "lib/parse/parse.h"

namespace querysafe {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define QUERYSAFE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define QUERYSAFE_SANITIZED 1
#endif
#endif

// The stack budget the README promises for a parse at the default depth limit
// in an optimized build. Sanitizers make frames several times larger.
#ifdef QUERYSAFE_SANITIZED
constexpr size_t kBudget = size_t{8} << 20;
#else
constexpr size_t kBudget = size_t{512} << 10;
#endif
constexpr unsigned char kPaint = 0xA5;

struct Job {
  std::string text;
  bool accepted = false;
  size_t diagnostics = 0;
};

void* RunParse(void* arg) {
  Job* job = static_cast<Job*>(arg);
  Arena arena;
  const ParseResult r = ParseQuery(job->text, ParseOptions{}, &arena);
  job->accepted = r.query != nullptr;
  job->diagnostics = r.diagnostics.size();
  return nullptr;
}

// Parses job->text on a thread with a painted stack of `size` bytes; returns
// how many bytes of it were touched (the stack grows down on every platform
// this project builds on).
size_t StackUsed(Job* job, size_t size) {
  void* stack = nullptr;
  if (posix_memalign(&stack, 4096, size) != 0) std::abort();
  std::memset(stack, kPaint, size);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, size);
  pthread_t thread;
  EXPECT_EQ(pthread_create(&thread, &attr, RunParse, job), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  const auto* bytes = static_cast<const unsigned char*>(stack);
  size_t untouched = 0;
  while (untouched < size && bytes[untouched] == kPaint) ++untouched;
  std::free(stack);
  return size - untouched;
}

struct Shape {
  const char* name;
  const char* open;
  const char* inner;
  const char* close;
};

const Shape kShapes[] = {
    {"parentheses", "(", "1", ")"},
    {"lists", "[", "1", "]"},
    {"dicts", "{1: ", "1", "}"},
    {"calls", "Q(", "b=1", ")"},
    {"negated_calls", "~Q(", "b=1", ")"},
    {"signs", "-(", "1", ")"},
    {"arithmetic", "F(\"x\") + (", "1", ")"},
    {"subqueries", "A.objects.filter(a=", "1", ")"},
};

std::string Nest(const Shape& shape, int n) {
  std::string text = "Patient.objects.filter(a=";
  for (int i = 0; i < n; ++i) text += shape.open;
  text += shape.inner;
  for (int i = 0; i < n; ++i) text += shape.close;
  return text + ")";
}

bool Accepted(const std::string& text) {
  Arena arena;
  return ParseQuery(text, ParseOptions{}, &arena).query != nullptr;
}

// The deepest nesting of `shape` the default limit accepts, so that the
// whole recursion runs.
int DeepestAccepted(const Shape& shape) {
  int low = 0;
  int high = static_cast<int>(ParseOptions{}.max_depth);
  while (low < high) {
    const int mid = (low + high + 1) / 2;
    if (Accepted(Nest(shape, mid))) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low;
}

TEST(ParseStack, DeepestQueriesFitTheBudget) {
  for (const Shape& shape : kShapes) {
    const int n = DeepestAccepted(shape);
    // Each shape costs at most five levels per repetition (subqueries: the
    // subquery expression, its query, its step, its Q and the lookup), so
    // reaching the limit takes at least 200 / 5 repetitions.
    EXPECT_GE(n, static_cast<int>(ParseOptions{}.max_depth) / 5 - 2) << shape.name;
    Job job{Nest(shape, n)};
    const size_t used = StackUsed(&job, kBudget + (size_t{64} << 10));
    EXPECT_TRUE(job.accepted) << shape.name;
    EXPECT_LE(used, kBudget) << shape.name;
    std::printf("[   STACK  ] %-14s x%-3d %7zu bytes\n", shape.name, n, used);
  }
}

TEST(ParseStack, OneLevelBeyondTheLimitIsRejectedWithinTheBudget) {
  for (const Shape& shape : kShapes) {
    Job job{Nest(shape, DeepestAccepted(shape) + 1)};
    const size_t used = StackUsed(&job, kBudget + (size_t{64} << 10));
    EXPECT_FALSE(job.accepted) << shape.name;
    EXPECT_GT(job.diagnostics, 0u) << shape.name;
    EXPECT_LE(used, kBudget) << shape.name;
  }
}

}  // namespace
}  // namespace querysafe
