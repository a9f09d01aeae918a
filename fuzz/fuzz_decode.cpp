// libFuzzer target for the decoder: any bytes must give either upright 8-bit BGR (and a
// matching alpha plane) or a specific one-line Error: never a crash, leak, UB or exception.
//
//   cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_decode
//   LSAN_OPTIONS=suppressions=fuzz/lsan.supp \
//     build/fuzz/fuzz/fuzz_decode -max_total_time=60 -rss_limit_mb=2048 corpus_dir/ seed_dir/
// (lsan.supp silences a 40-byte leak inside Debian's libheif dav1d plugin on bad AVIF data.)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "engine/decode/decode.h"

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_decode invariant broken: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cv::setNumThreads(0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    pd::engine::DecodeOptions opt;
    opt.max_pixels = 4'000'000;
    // Exercise DCT-scaled decoding on a third of the inputs, chosen by size so a saved crash
    // reproduces with the same options.
    if (size % 3 == 1) opt.min_long_side = 64;
    if (size % 5 == 2) opt.apply_orientation = false;

    (void)pd::engine::sniff_format(bytes);
    (void)pd::engine::parse_exif(bytes);

    const auto r = pd::engine::decode_image(bytes, opt);
    if (r.ok()) {
        const auto& img = r.value();
        if (img.bgr.empty() || img.bgr.type() != CV_8UC3) fail("bgr is not CV_8UC3");
        if (!img.alpha.empty() && (img.alpha.type() != CV_8UC1 || img.alpha.size() != img.bgr.size()))
            fail("alpha does not match bgr");
        if (std::int64_t(img.facts.width) * img.facts.height > opt.max_pixels) fail("over max_pixels");
        if (img.scale <= 0 || img.scale > 1) fail("scale out of (0, 1]");
        if (img.exif.orientation < 1 || img.exif.orientation > 8) fail("orientation out of 1..8");
    } else {
        const auto& msg = r.error().message;
        if (msg.empty()) fail("empty error message");
        if (msg.find('\n') != std::string::npos) fail("multi-line error message");
    }
    return 0;
}
