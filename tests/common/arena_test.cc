// The Arena's bump allocation: alignment, the inline block, heap blocks of every size, Reset().

#include "lib/common/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace querysafe {
namespace {

bool Aligned(const void* p, size_t align) { return reinterpret_cast<uintptr_t>(p) % align == 0; }

TEST(Arena, AllocationsAreAlignedAndDisjoint) {
  Arena arena;
  std::vector<std::pair<uint8_t*, size_t>> blocks;
  // Odd sizes and every alignment up to 64, past the inline block and through several heap
  // blocks; each allocation is filled with its own byte and checked at the end.
  for (size_t i = 0; i < 4000; ++i) {
    const size_t align = size_t{1} << (i % 7);
    const size_t bytes = 1 + (i * 37) % 101;
    auto* p = static_cast<uint8_t*>(arena.Allocate(bytes, align));
    ASSERT_TRUE(Aligned(p, align)) << i;
    std::memset(p, static_cast<int>(i % 251), bytes);
    blocks.push_back({p, bytes});
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    for (size_t j = 0; j < blocks[i].second; ++j) {
      ASSERT_EQ(blocks[i].first[j], i % 251) << i;
    }
  }
}

TEST(Arena, LargerThanAnyBlock) {
  Arena arena;
  arena.Allocate(10, 1);
  const size_t big = 10 * Arena::kInlineBytes + 3;
  auto* p = static_cast<char*>(arena.Allocate(big, 16));
  ASSERT_TRUE(Aligned(p, 16));
  std::memset(p, 'x', big);
  // Small allocations go on after it.
  auto* q = static_cast<char*>(arena.Allocate(8, 8));
  std::memset(q, 'y', 8);
  EXPECT_EQ(p[big - 1], 'x');
}

TEST(Arena, ZeroBytesAndOverAlignment) {
  Arena arena;
  void* a = arena.Allocate(0, 1);
  EXPECT_NE(a, nullptr);
  EXPECT_TRUE(Aligned(arena.Allocate(1, 256), 256));
  EXPECT_TRUE(Aligned(arena.Allocate(Arena::kInlineBytes, 512), 512));
}

TEST(Arena, CopiesAndArrays) {
  Arena arena;
  const std::string text(5000, 'q');
  std::string_view copy = arena.CopyString(text);
  EXPECT_EQ(copy, text);
  EXPECT_NE(copy.data(), text.data());
  EXPECT_TRUE(arena.CopyString("").empty());
  std::span<int64_t> zeros = arena.NewArray<int64_t>(3000);
  for (int64_t v : zeros) ASSERT_EQ(v, 0);
  const int values[] = {1, 2, 3};
  std::span<const int> copied = arena.Copy(std::span<const int>(values));
  EXPECT_EQ(copied[2], 3);
}

TEST(Arena, ResetReusesTheInlineBlock) {
  Arena arena;
  void* first = arena.Allocate(64, 8);
  for (int i = 0; i < 100; ++i) arena.Allocate(1000, 8);  // into heap blocks
  arena.Reset();
  EXPECT_EQ(arena.Allocate(64, 8), first);
  for (int i = 0; i < 100; ++i) arena.Allocate(1000, 8);
}

}  // namespace
}  // namespace querysafe
