// The allocator the grammar and the interpreter build their nodes with: an
// Arena's own inline pointer bump (lib/common/arena.h). It used to take 1 KiB
// chunks from the Arena and bump inside them, when each Arena allocation was a
// virtual call into a monotonic_buffer_resource; now that the Arena bumps
// inline itself, it only forwards (and no chunk tail is wasted). What it
// allocates lives (and dies) with the Arena, as anything allocated there.
#ifndef QUERYSAFE_GRAMMAR_BUMP_ALLOCATOR_H_
#define QUERYSAFE_GRAMMAR_BUMP_ALLOCATOR_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include "lib/common/arena.h"

namespace querysafe::grammar {

class BumpAllocator {
 public:
  explicit BumpAllocator(Arena* arena) : arena_(arena) {}
  BumpAllocator(const BumpAllocator&) = delete;
  BumpAllocator& operator=(const BumpAllocator&) = delete;

  [[gnu::always_inline]] void* Allocate(size_t bytes, size_t align) {
    return arena_->Allocate(bytes, align);
  }

  template <typename T, typename... Args>
  T* New(Args&&... args) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    return ::new (Allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
  }

  // An array of `n` value-initialized T.
  template <typename T>
  std::span<T> NewArray(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    if (n == 0) return {};
    T* first = static_cast<T*>(Allocate(sizeof(T) * n, alignof(T)));
    for (size_t i = 0; i < n; ++i) ::new (first + i) T();
    return {first, n};
  }

  template <typename T>
  std::span<const T> Copy(std::span<const T> items) {
    if (items.empty()) return {};
    T* out = static_cast<T*>(Allocate(sizeof(T) * items.size(), alignof(T)));
    std::uninitialized_copy(items.begin(), items.end(), out);
    return {out, items.size()};
  }

  std::string_view CopyString(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(Allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

 private:
  Arena* arena_;
};

}  // namespace querysafe::grammar

#endif  // QUERYSAFE_GRAMMAR_BUMP_ALLOCATOR_H_
