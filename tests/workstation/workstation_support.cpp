#include "workstation/workstation_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "support/test_support.h"

namespace pd::test {

namespace fs = std::filesystem;

namespace {

struct Xvfb {
    pid_t pid = -1;
    std::string display, why;
    ~Xvfb() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

Xvfb& xvfb() {
    static Xvfb x;
    static std::once_flag once;
    std::call_once(once, [] {
        int fds[2];
        if (::pipe(fds) != 0) {
            x.why = "pipe failed";
            return;
        }
        x.pid = ::fork();
        if (x.pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            ::close(fds[0]);
            const int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, STDERR_FILENO);
            ::dup2(devnull, STDOUT_FILENO);
            const std::string fd = std::to_string(fds[1]);
            ::execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1600x1000x24", "-nolisten", "tcp",
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(fds[1]);
        std::string n;
        pollfd p{fds[0], POLLIN, 0};
        char buf[32];
        while (n.find('\n') == std::string::npos && ::poll(&p, 1, 20000) > 0) {
            const ssize_t r = ::read(fds[0], buf, sizeof buf);
            if (r <= 0) break;
            n.append(buf, size_t(r));
        }
        ::close(fds[0]);
        while (!n.empty() && (n.back() == '\n' || n.back() == '\r')) n.pop_back();
        if (n.empty()) x.why = "Xvfb did not start (install the xvfb package)";
        else x.display = ":" + n;
    });
    return x;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::string xvfb_display(std::string* why) {
    Xvfb& x = xvfb();
    if (why) *why = x.why;
    return x.display;
}

fs::path test_config_dir(const fs::path& under, const std::map<std::string, std::string>& edits) {
    const fs::path out = under / "config";
    fs::remove_all(out);
    fs::create_directories(under);
    fs::copy(config_dir(), out, fs::copy_options::recursive);
    std::string text = slurp(out / "workstation.toml");
    std::map<std::string, std::string> all = {
        {"lease_seconds = 300", "lease_seconds = 30"},
        {"renew_margin_seconds = 120", "renew_margin_seconds = 10"},
        {"empty_poll_seconds = 5", "empty_poll_seconds = 1"},
        {"stats_poll_seconds = 30", "stats_poll_seconds = 1"},
        {"push_delay_ms = 3000", "push_delay_ms = 500"},
        {"backoff_max_ms = 30000", "backoff_max_ms = 1000"},
    };
    for (const auto& [k, v] : edits) all[k] = v;
    for (const auto& [from, to] : all) {
        const auto at = text.find(from);
        if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    std::ofstream(out / "workstation.toml") << text;
    return out;
}

Photodesk::Photodesk(const fs::path& dir, std::vector<std::string> args) : dir_(dir) {
    fs::create_directories(dir);
    const std::string display = xvfb_display();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int out = ::open((dir / "photodesk.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
        ::setenv("DISPLAY", display.c_str(), 1);
        std::vector<char*> argv{const_cast<char*>(PD_PHOTODESK_PATH)};
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(PD_PHOTODESK_PATH, argv.data());
        ::_exit(127);
    }
}

Photodesk::~Photodesk() {
    if (pid_ > 0) kill9();
}

bool Photodesk::running() {
    if (pid_ <= 0) return false;
    const pid_t r = ::waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

int Photodesk::wait(std::chrono::seconds timeout) {
    if (!eventually([&] { return !running(); }, timeout)) {
        kill9();
        return -1;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void Photodesk::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
}

std::string Photodesk::log() const { return slurp(dir_ / "photodesk.log"); }

JournalCounts journal_counts(const fs::path& journal) {
    JournalCounts c;
    if (!fs::exists(journal)) return c;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(journal.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return c;
    }
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT outcome, count(*) FROM decisions GROUP BY outcome", -1, &st, nullptr) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const std::string o = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            const int n = sqlite3_column_int(st, 1);
            c.total += n;
            if (o == "queued") c.queued = n;
            else if (o == "applied") c.applied = n;
            else if (o == "duplicate") c.duplicate = n;
            else if (o == "conflict") c.conflict = n;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return c;
}

int cached_items(const fs::path& cache_dir) {
    sqlite3* db = nullptr;
    int n = 0;
    if (fs::exists(cache_dir / "items.db") &&
        sqlite3_open_v2((cache_dir / "items.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM items", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

int cached_images(const fs::path& cache_dir) {
    int n = 0;
    std::error_code ec;
    if (!fs::exists(cache_dir / "images")) return 0;
    for (const auto& e : fs::recursive_directory_iterator(cache_dir / "images", ec))
        n += e.is_regular_file() && e.path().extension() != ".tmp";
    return n;
}

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in, nullptr, false);
}

}  // namespace pd::test
