// photodesk: the reviewer workstation. Everything lives in src/workstation (app.h); this file
// only hands the command line over, so no ImGui or GL header is included outside that folder.
#include "workstation/app.h"

// Under AddressSanitizer: Mesa's software rasterizer (llvmpipe, the GL of every test under Xvfb)
// frees with free() what LLVM's JIT allocated with operator new, inside libLLVM, on the first
// draw. That mismatch is not ours and aborts the window at once, so this binary alone turns
// that one check off; every other ASan check stays on, and the review model's own tests
// (tests/review, tests/workstation/headless) keep it. ASAN_OPTIONS in the environment still
// overrides this. Without ASan the function is never called.
extern "C" const char* __asan_default_options() { return "alloc_dealloc_mismatch=0"; }

int main(int argc, char** argv) { return pd::workstation::main_entry(argc, argv); }
