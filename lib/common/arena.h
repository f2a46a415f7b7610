// Arena: where a query's trees live. Parsing, analysis and lowering allocate their nodes here
// and never free them one by one; the whole arena goes at once. The first block is inside the
// Arena object, so a small query allocates nothing on the heap, and Reset() lets a caller that
// keeps an Arena per thread (an ORM, a benchmark) reuse its memory for the next query.
//
// Only trivially destructible types live in an arena: no destructor ever runs.
//
// Written by hand rather than as a std::pmr::monotonic_buffer_resource: every allocation of the
// pipeline goes through here (a few hundred per query), and the resource's virtual call and
// std::align made each one a few dozen instructions; here the common case is an inline pointer
// bump and one comparison. Blocks after the inline one grow geometrically, as the resource's do.
#ifndef QUERYSAFE_LIB_COMMON_ARENA_H_
#define QUERYSAFE_LIB_COMMON_ARENA_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

namespace querysafe {

class Arena {
 public:
  static constexpr size_t kInlineBytes = 4096;

  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena() { FreeBlocks(); }

  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    void* p = Allocate(sizeof(T), alignof(T));
    return ::new (p) T(std::forward<Args>(args)...);
  }

  // An array of `n` value-initialized T.
  template <typename T>
  std::span<T> NewArray(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    if (n == 0) return {};
    void* p = Allocate(sizeof(T) * n, alignof(T));
    T* first = static_cast<T*>(p);
    for (size_t i = 0; i < n; ++i) ::new (first + i) T();
    return {first, n};
  }

  // Copies `items` into the arena.
  template <typename T>
  std::span<const T> Copy(std::span<const T> items) {
    if (items.empty()) return {};
    std::span<T> out = NewArray<T>(items.size());
    std::copy(items.begin(), items.end(), out.begin());
    return out;
  }

  std::string_view CopyString(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(Allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // `align` is a power of two. Throws std::bad_alloc when the heap is exhausted. Inlined
  // everywhere: the grammar and the interpreter call it for every node.
  [[gnu::always_inline]] void* Allocate(size_t bytes, size_t align) {
    const uintptr_t p = (cur_ + align - 1) & ~(uintptr_t{align} - 1);
    // With `bytes` below kHugeBytes, p + bytes cannot wrap around, so one comparison with end_
    // decides (the first one folds away for the constant sizes of New<T>()).
    if (bytes < kHugeBytes && p + bytes <= end_) [[likely]] {
      cur_ = p + bytes;
      return reinterpret_cast<void*>(p);
    }
    return AllocateSlow(bytes, align);
  }

  // Frees everything allocated so far; heap blocks are returned, the inline block is reused.
  void Reset() {
    FreeBlocks();
    cur_ = reinterpret_cast<uintptr_t>(inline_);
    end_ = cur_ + sizeof inline_;
    next_block_bytes_ = kInlineBytes * 2;
  }

 private:
  // Larger requests take the slow path, which checks them for overflow.
  static constexpr size_t kHugeBytes = size_t{1} << 48;

  // A heap block: this header, then its bytes.
  struct Block {
    Block* next;
  };

  [[gnu::noinline]] void* AllocateSlow(size_t bytes, size_t align) {
    // The request, aligned, always fits the new block; the block grows geometrically so that a
    // large query needs few of them.
    const size_t need = sizeof(Block) + bytes + align;
    if (bytes >= kHugeBytes || need < bytes) throw std::bad_alloc();
    size_t size = next_block_bytes_;
    while (size < need) size *= 2;
    next_block_bytes_ = size * 2;
    auto* block = static_cast<Block*>(::operator new(size));
    block->next = blocks_;
    blocks_ = block;
    cur_ = reinterpret_cast<uintptr_t>(block + 1);
    end_ = reinterpret_cast<uintptr_t>(block) + size;
    return Allocate(bytes, align);
  }

  void FreeBlocks() {
    while (blocks_ != nullptr) {
      Block* next = blocks_->next;
      ::operator delete(blocks_);
      blocks_ = next;
    }
  }

  alignas(std::max_align_t) std::byte inline_[kInlineBytes];
  uintptr_t cur_ = reinterpret_cast<uintptr_t>(inline_);
  uintptr_t end_ = reinterpret_cast<uintptr_t>(inline_) + kInlineBytes;
  size_t next_block_bytes_ = kInlineBytes * 2;
  Block* blocks_ = nullptr;
};

}  // namespace querysafe

#endif  // QUERYSAFE_LIB_COMMON_ARENA_H_
