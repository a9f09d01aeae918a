// Process-wide memory setting for the programs that run the photo engine on phone photos
// (photodeskd, photodesk-cli, bench_engine). The workstation keeps its own opposite setting
// (small blocks mapped, so its resident set stays flat over a day of reviewing).
#pragma once

namespace pd {

// Keeps the memory freed after a photo in the process's heap instead of handing it back to the
// kernel. The engine allocates and frees tens of MB per 12 MP photo (a 9 MB decode, its grey
// and Lab copies, the matte at full size); glibc serves blocks that large with mmap and unmaps
// them on free, so the next photo page-faults all of it in again. On a virtual machine each
// fault is a trip to the hypervisor: measured on the 2-core CI kind of machine, standardize
// 12 MP took 237-393 ms that way and 115-186 ms with this (docs/benchmarks.md, "page faults").
// Blocks up to 64 MB come from the heap, and the heap keeps up to 128 MB free at its top; the
// peak resident set is unchanged (201 MB for three 12 MP photos either way). Call once, first
// thing in main(), before threads start.
void keep_freed_memory();

}  // namespace pd
