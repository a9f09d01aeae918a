// Running the real workstation in tests: one Xvfb for the test binary (a virtual display, Mesa's
// llvmpipe renders), photodesk as a child process with its own profile folder, a config folder
// with faster timings, and reading its journal from outside.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pd::test {

// The display of the binary's Xvfb (":N"), started on first use and stopped at exit; empty when
// Xvfb cannot start (the test then fails with the reason).
std::string xvfb_display(std::string* why = nullptr);

// A copy of the repository's config/ with the workstation's timings shortened for tests
// (push after 0.5 s, leases of 30 s, queue figures every second); `edits` replaces more lines of
// workstation.toml ("key = old" -> "key = new").
std::filesystem::path test_config_dir(const std::filesystem::path& under,
                                      const std::map<std::string, std::string>& edits = {});

class Photodesk {
public:
    // Starts photodesk on the test display with `args` (its stdout/stderr go to files in `dir`).
    Photodesk(const std::filesystem::path& dir, std::vector<std::string> args);
    ~Photodesk();   // kills it if still running

    bool running();
    // Waits for it to exit; returns its exit code, or -1 on timeout (it is then killed).
    int wait(std::chrono::seconds timeout);
    void kill9();
    std::string log() const;   // stdout + stderr

private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    int status_ = 0;
};

// Rows of the workstation's journal (read-only, from outside the process).
struct JournalCounts {
    int total = 0, queued = 0, applied = 0, duplicate = 0, conflict = 0;
};
JournalCounts journal_counts(const std::filesystem::path& journal);
// Items and image files in the workstation's cache folder.
int cached_items(const std::filesystem::path& cache_dir);
int cached_images(const std::filesystem::path& cache_dir);

// Polls `pred` every 50 ms until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        struct timespec ts{0, 50'000'000};
        nanosleep(&ts, nullptr);
    }
    return pred();
}

nlohmann::json read_json(const std::filesystem::path& p);

}  // namespace pd::test
