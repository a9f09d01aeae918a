#include "workstation/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> g_allocations{0};
thread_local std::uint64_t t_allocations = 0;   // this thread's (the UI thread's, for the bench)
}

namespace pd::workstation {

std::uint64_t allocation_count() { return g_allocations.load(std::memory_order_relaxed); }
std::uint64_t thread_allocation_count() { return t_allocations; }

void* counted_imgui_alloc(std::size_t size, void*) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    ++t_allocations;
    return std::malloc(size);
}

void counted_imgui_free(void* ptr, void*) { std::free(ptr); }

}  // namespace pd::workstation

// The global replacements: every operator new of the process goes through here.
void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    ++t_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    ++t_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
