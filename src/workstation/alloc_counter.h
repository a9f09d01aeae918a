// Counts heap allocations made through operator new (the global replacement in
// alloc_counter.cpp) and through ImGui's allocator, so the benchmark can say how many a frame
// makes. Relaxed atomic increments: negligible, and always on.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pd::workstation {

std::uint64_t allocation_count();          // every thread
std::uint64_t thread_allocation_count();   // the calling thread
// ImGui's allocator functions with counting (ImGui::SetAllocatorFunctions).
void* counted_imgui_alloc(std::size_t size, void* user);
void counted_imgui_free(void* ptr, void* user);

}  // namespace pd::workstation
