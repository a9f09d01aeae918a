#include "workstation/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

namespace pd::workstation {

std::uint64_t allocation_count() { return g_allocations.load(std::memory_order_relaxed); }

void* counted_imgui_alloc(std::size_t size, void*) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size);
}

void counted_imgui_free(void* ptr, void*) { std::free(ptr); }

}  // namespace pd::workstation

// The global replacements: every operator new of the process goes through here.
void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
