// libFuzzer target for decode + the whole engine: any bytes either fail with a specific
// one-line Error or go through analysis, crop, render and all 33 checks without a crash,
// UB or exception, and every check comes back with an id and a verdict.
//
//   cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_check
//   build/fuzz/fuzz/fuzz_check -max_total_time=60 -rss_limit_mb=2048 corpus_dir/ seed_dir/
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "setup/engine_setup.h"

namespace {

const pd::engine::PhotoEngine* g_engine = nullptr;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_check invariant broken: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cv::setNumThreads(0);
    static auto eng = pd::setup::make_engine({});
    if (!eng) {
        std::fprintf(stderr, "fuzz_check: engine setup failed: %s\n", eng.error().message.c_str());
        std::abort();
    }
    g_engine = eng.value().get();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    auto out = g_engine->process(bytes);
    if (!out) {
        const auto& m = out.error().message;
        if (m.empty() || m.find('\n') != std::string::npos) fail("error message empty or multi-line");
        return 0;
    }
    if (out->checks.size() < 20) fail("fewer than 20 checks on a decodable image");
    for (const auto& c : out->checks) {
        if (c.id.empty()) fail("check without id");
    }
    if (out->photo && (out->photo->bgr.cols != g_engine->config().spec.width ||
                       out->photo->bgr.rows != g_engine->config().spec.height)) {
        fail("rendered photo not at the spec size");
    }
    return 0;
}
