// `photodesk --demo`: a local photodeskd on 127.0.0.1 (a free port) with SQLite under the
// user's data directory, three accounts (an admin to build the queue, the demo reviewer who
// logs in, a senior reviewer who rejected the resubmissions' first attempts), and the demo
// queue built on first run by `photodeskd demo` (src/demo) in a child process, reported as it
// goes so the window shows a progress bar and the queue opens as soon as the first items land.
// The next run reuses the data; `--demo-reset` deletes it (and the demo reviewer's journal and
// cache, whose submission ids would no longer mean anything).
//
// The server and the builder are child processes that die with the workstation
// (PR_SET_PDEATHSIG, from threads that live as long as they do), even on a kill -9, and are
// stopped with SIGTERM on a normal exit.
//
// Threading: start() blocks (run it off the UI thread); status() may be called from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"

namespace pd::workstation {

struct DemoServerOptions {
    std::filesystem::path data_dir;      // the server's --data
    std::string photodeskd;              // the binary (next to photodesk)
    std::string config_dir;
    std::string shared_portraits;        // ../shared/data/portraits when present
    int count = 0;                       // 0: demo.toml's
};

struct DemoStatus {
    bool building = false, finished = false, failed = false;
    int done = 0, total = 0;
    std::string stage, message;
};

class DemoServer {
public:
    static Result<std::unique_ptr<DemoServer>> start(const DemoServerOptions& options);
    ~DemoServer();

    const std::string& url() const { return url_; }
    const std::string& reviewer_token() const { return reviewer_; }
    const std::string& admin_token() const { return admin_; }

    // Builds the queue on a background thread unless an earlier run finished it; then, when
    // `at_least` > 0, grows the queue until that many items are pending (benchmarks).
    void build_queue(int at_least = 0);
    DemoStatus status() const;

private:
    DemoServer() = default;
    void run_builder(int at_least);
    // The server's supervisor thread: forks it, reports its address, waits for it to exit.
    void supervise(DemoServerOptions o, std::filesystem::path log, std::promise<Result<std::string>>& address);

    DemoServerOptions opt_;
    std::string url_, admin_, reviewer_, senior_;
    std::atomic<pid_t> pid_{-1};
    std::atomic<pid_t> builder_pid_{-1};    // `photodeskd demo` while it runs
    std::thread supervisor_;
    std::thread builder_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;              // guards status_
    DemoStatus status_;
};

// The demo reviewer's account name and the server identity its journal is filed under (the
// port changes every run, the journal must not).
inline constexpr const char* kDemoReviewer = "demo";
inline constexpr const char* kDemoServerIdentity = "demo";

// Deletes the demo data directory (refusing paths that do not look like one).
Status reset_demo_data(const std::filesystem::path& data_dir);

}  // namespace pd::workstation
