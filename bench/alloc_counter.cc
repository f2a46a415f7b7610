// Replaces the global allocation functions of the benchmark binary to count
// calls (per thread, so that a benchmark counts its own allocations only).
// Deallocation is unchanged.
#include "bench/alloc_counter.h"

#include <cstdlib>
#include <new>

namespace querysafe::bench {
namespace {
thread_local uint64_t allocations = 0;

void* Allocate(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* AllocateAligned(std::size_t size, std::align_val_t align) {
  ++allocations;
  const auto alignment = static_cast<std::size_t>(align);
  const std::size_t rounded = (size + alignment - 1) / alignment * alignment;
  if (void* p = std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded)) return p;
  throw std::bad_alloc();
}
}  // namespace

uint64_t AllocationCount() { return allocations; }

}  // namespace querysafe::bench

void* operator new(std::size_t size) { return querysafe::bench::Allocate(size); }
void* operator new[](std::size_t size) { return querysafe::bench::Allocate(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  return querysafe::bench::AllocateAligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return querysafe::bench::AllocateAligned(size, align);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
