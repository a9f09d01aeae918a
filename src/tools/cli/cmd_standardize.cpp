// photodesk-cli standardize: one photo to OUT.jpg (+ report), or many to a folder with a
// progress bar and a summary of failures. Models are loaded once per process.
// A JPEG already at the spec's pixel size is judged as it is and written through unchanged
// (as the server keeps it), with its report; stderr says so.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "setup/engine_setup.h"
#include "tools/cli/commands.h"
#include "wire/engine_json.h"

namespace pd::cli {

namespace fs = std::filesystem;

namespace {

struct PhotoResult {
    bool ok = false;
    int exit = kOk;
    std::string message;  // why it failed, or (ok) a note for stderr
};

PhotoResult standardize_one(const engine::PhotoEngine& eng, const std::string& in, const std::string& out,
                            const std::string& report) {
    auto bytes = engine::read_file_bytes(in, std::size_t(eng.config().settings.max_file_bytes));
    if (!bytes) return {false, exit_code_for(bytes.error()), bytes.error().message};
    auto outcome = eng.process(bytes.value());
    if (!outcome) return {false, exit_code_for(outcome.error()), outcome.error().message};
    const auto& o = outcome.value();
    if (!report.empty()) {
        const auto j = wire::report_json(o, eng.config().spec, eng.config().settings.version);
        if (auto st = write_text_atomic(report, j.dump(2) + "\n"); !st) return {false, kOutput, st.error().message};
    }
    if (o.spec_error) return {false, exit_code_for(*o.spec_error), o.spec_error->message};
    if (auto st = write_file_atomic(out, o.photo->jpeg.bytes); !st) return {false, kOutput, st.error().message};
    if (o.judged_as_final) {
        const auto& spec = eng.config().spec;
        return {true, kOk,
                "already " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                    ": judged as it is and written unchanged"};
    }
    return {true, kOk, {}};
}

void draw_progress(std::size_t done, std::size_t total, std::size_t failed, bool tty) {
    if (!tty) {
        // Not a terminal (CI, logs): one line per tenth.
        if (total >= 10 && done % (total / 10) != 0 && done != total) return;
        std::fprintf(stderr, "standardize: %zu/%zu done, %zu failed\n", done, total, failed);
        return;
    }
    constexpr int kWidth = 40;
    const int filled = int(kWidth * done / std::max<std::size_t>(1, total));
    std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu  failed %zu", filled, "########################################",
                 kWidth - filled, "", done, total, failed);
    if (done == total) std::fputc('\n', stderr);
    std::fflush(stderr);
}

}  // namespace

int run_standardize(const StandardizeArgs& a) {
    const bool many = !a.output_dir.empty();
    if (many == !a.output.empty()) {
        std::cerr << "photodesk-cli standardize: give exactly one of -o OUT.jpg or -O OUT_DIR\n";
        return kUsage;
    }
    if (!many && a.inputs.size() != 1) {
        std::cerr << "photodesk-cli standardize: -o takes one input; use -O OUT_DIR for " << a.inputs.size() << " inputs\n";
        return kUsage;
    }
    if (many && !a.report.empty()) {
        std::cerr << "photodesk-cli standardize: --report is for one input; -O writes NAME.json beside each output\n";
        return kUsage;
    }
    auto eng = setup::make_engine({a.config_dir, a.spec});
    if (!eng) {
        std::cerr << "photodesk-cli: " << eng.error().message << "\n";
        return exit_code_for(eng.error());
    }
    const engine::PhotoEngine& E = *eng.value();

    if (!many) {
        const auto r = standardize_one(E, a.inputs[0], a.output, a.report);
        if (!r.message.empty()) std::cerr << a.inputs[0] << ": " << r.message << "\n";
        return r.exit;
    }

    std::error_code ec;
    fs::create_directories(a.output_dir, ec);
    if (!fs::is_directory(a.output_dir)) {
        std::cerr << "photodesk-cli: cannot create output folder " << a.output_dir << "\n";
        return kOutput;
    }
    const std::size_t n = a.inputs.size();
    std::vector<PhotoResult> results(n);
    std::atomic<std::size_t> next{0};
    std::mutex progress_mutex;  // guards done/failed and the progress line
    std::size_t done = 0, failed = 0;
    const bool tty = ::isatty(2);
    const auto worker = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < n;) {
            const fs::path in(a.inputs[i]);
            const fs::path out = fs::path(a.output_dir) / (in.stem().string() + ".jpg");
            const fs::path rep = fs::path(a.output_dir) / (in.stem().string() + ".json");
            results[i] = standardize_one(E, in.string(), out.string(), rep.string());
            std::lock_guard lock(progress_mutex);
            ++done;
            failed += !results[i].ok;
            draw_progress(done, n, failed, tty);
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < std::min<int>(a.jobs, int(n)); ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();

    for (std::size_t i = 0; i < n; ++i) {
        if (results[i].ok && !results[i].message.empty()) std::cerr << a.inputs[i] << ": " << results[i].message << "\n";
    }
    if (failed) {
        std::cerr << "standardize: " << failed << " of " << n << " photos failed:\n";
        for (std::size_t i = 0; i < n; ++i) {
            if (!results[i].ok) std::cerr << "  " << a.inputs[i] << ": " << results[i].message << "\n";
        }
        return kSpecUnreachable;
    }
    std::cerr << "standardize: " << n << " photos written to " << a.output_dir << "\n";
    return kOk;
}

}  // namespace pd::cli
