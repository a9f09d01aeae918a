#include "common/process_memory.h"

#include <malloc.h>

namespace pd {

void keep_freed_memory() {
    constexpr int kMmapThreshold = 64 << 20;   // larger blocks still get their own mapping
    constexpr int kTrimThreshold = 128 << 20;  // free memory kept at the heap's top
    mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
    mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace pd
