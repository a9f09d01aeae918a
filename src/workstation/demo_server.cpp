#include "workstation/demo_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/api_client.h"

namespace pd::workstation {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Runs photodeskd with args; returns its stdout. stderr goes to `log`.
Result<std::string> run(const std::string& exe, const std::vector<std::string>& args, const fs::path& log) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return make_error(ErrorCode::Internal, "pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) return make_error(ErrorCode::Internal, "fork failed");
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) ::dup2(fd, STDERR_FILENO);
        std::vector<char*> argv{const_cast<char*>(exe.c_str())};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(exe.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return make_error(ErrorCode::Unavailable, exe + " " + args.front() + " " + (args.size() > 1 ? args[1] : "") +
                                                      " failed (see " + log.string() + ")");
    return text;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

Status reset_demo_data(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return Ok{};
    // Only a folder that holds a demo (its tokens file) or nothing at all is deleted.
    if (!fs::exists(dir / "tokens.json", ec) && !fs::is_empty(dir, ec))
        return make_error(ErrorCode::InvalidArgument, dir.string() + " does not look like a demo data folder; not deleting it");
    fs::remove_all(dir, ec);
    if (ec) return make_error(ErrorCode::Internal, "cannot delete " + dir.string() + ": " + ec.message());
    return Ok{};
}

Result<std::unique_ptr<DemoServer>> DemoServer::start(const DemoServerOptions& o) {
    std::unique_ptr<DemoServer> d(new DemoServer());
    d->opt_ = o;
    std::error_code ec;
    fs::create_directories(o.data_dir, ec);
    if (ec) return make_error(ErrorCode::Unavailable, "cannot create " + o.data_dir.string() + ": " + ec.message());
    if (!fs::exists(o.photodeskd))
        return make_error(ErrorCode::NotFound, "photodeskd not found at " + o.photodeskd + " (build it: scripts/build.sh)");
    const fs::path log = o.data_dir / "server.log";
    const fs::path tokens = o.data_dir / "tokens.json";

    // Accounts, once.
    json t = json::object();
    if (std::ifstream in(tokens); in) t = json::parse(in, nullptr, false);
    if (!t.is_object() || !t.contains("demo-admin") || !t.contains(kDemoReviewer) || !t.contains("demo-senior")) {
        t = json::object();
        for (const auto& [name, role] : {std::pair{"demo-admin", "admin"}, {kDemoReviewer, "reviewer"}, {"demo-senior", "reviewer"}}) {
            auto out = run(o.photodeskd, {"user", "add", name, "--role", role, "--data", o.data_dir.string()}, log);
            if (!out) return out.error();
            t[name] = trim(out.value());
        }
        const int fd = ::open(tokens.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) return make_error(ErrorCode::Internal, "cannot write " + tokens.string());
        const std::string text = t.dump(2);
        const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
        ::close(fd);
        if (!ok) return make_error(ErrorCode::Internal, "cannot write " + tokens.string());
    }
    d->admin_ = t["demo-admin"].get<std::string>();
    d->reviewer_ = t[kDemoReviewer].get<std::string>();
    d->senior_ = t["demo-senior"].get<std::string>();

    // The server, on a free port, from a thread that lives as long as this object:
    // PR_SET_PDEATHSIG fires when the thread that forked the child ends, not the process.
    auto address = std::make_shared<std::promise<Result<std::string>>>();
    auto got = address->get_future();
    DemoServer* self = d.get();
    d->supervisor_ = std::thread([self, o, log, address] { self->supervise(o, log, *address); });
    if (got.wait_for(std::chrono::seconds(90)) != std::future_status::ready)
        return make_error(ErrorCode::Unavailable, "the demo photodeskd did not start within 90 s (see " + log.string() + ")");
    auto url = got.get();
    if (!url) return url.error();
    d->url_ = url.value();
    return d;
}

void DemoServer::supervise(DemoServerOptions o, fs::path log, std::promise<Result<std::string>>& address) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return address.set_value(make_error(ErrorCode::Internal, "pipe failed"));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) return address.set_value(make_error(ErrorCode::Internal, "fork failed"));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);     // dies with the workstation, even on kill -9
        if (::getppid() != parent) ::_exit(0);  // the parent died before prctl
        ::dup2(out[1], STDOUT_FILENO);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) ::dup2(fd, STDERR_FILENO);
        if (!o.config_dir.empty()) ::setenv("PHOTODESK_CONFIG_DIR", o.config_dir.c_str(), 1);
        const std::string data = o.data_dir.string();
        const char* argv[] = {o.photodeskd.c_str(), "serve", "--data", data.c_str(), "--listen", "127.0.0.1:0", nullptr};
        ::execv(o.photodeskd.c_str(), const_cast<char**>(argv));
        ::_exit(127);
    }
    pid_ = pid;
    ::close(out[1]);
    // It prints "photodeskd listening on http://127.0.0.1:PORT" once it is ready.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        char buf[256];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        line.append(buf, size_t(n));
    }
    ::close(out[0]);
    const auto at = line.find("http://127.0.0.1:");
    if (at == std::string::npos)
        address.set_value(make_error(ErrorCode::Unavailable, "the demo photodeskd did not start (see " + log.string() + ")"));
    else
        address.set_value(trim(line.substr(at, line.find_first_of(" \n", at) - at)));
    // Stay alive (and so keep the child alive) until the server exits.
    int status = 0;
    ::waitpid(pid, &status, 0);
}

DemoServer::~DemoServer() {
    stop_ = true;
    if (builder_pid_ > 0) ::kill(builder_pid_, SIGTERM);
    if (builder_.joinable()) builder_.join();
    if (pid_ > 0) ::kill(pid_, SIGTERM);   // the supervisor reaps it and returns
    if (supervisor_.joinable()) supervisor_.join();
}

DemoStatus DemoServer::status() const {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
}

void DemoServer::build_queue(int at_least) {
    if (builder_.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(mu_);
        status_.building = true;
    }
    builder_ = std::thread([this, at_least] { run_builder(at_least); });
}

void DemoServer::run_builder(int at_least) {
    auto finish = [this](bool ok, const std::string& message) {
        std::lock_guard<std::mutex> lock(mu_);
        status_.building = false;
        status_.finished = ok;
        status_.failed = !ok;
        status_.message = message;
    };
    const fs::path marker = opt_.data_dir / "demo-complete";
    const bool complete = fs::exists(marker);
    if (complete && at_least <= 0) return finish(true, "");
    // `photodeskd demo` builds it in its own process (the engine, dlib and the photos stay out
    // of the workstation's memory); progress arrives as JSON lines on its stdout.
    std::vector<std::string> args = {"demo", "--server", url_, "--tokens", (opt_.data_dir / "tokens.json").string()};
    if (!opt_.config_dir.empty()) args.insert(args.end(), {"--config-dir", opt_.config_dir});
    if (!opt_.shared_portraits.empty()) args.insert(args.end(), {"--shared-portraits", opt_.shared_portraits});
    if (opt_.count > 0) args.insert(args.end(), {"--count", std::to_string(opt_.count)});
    if (at_least > 0) args.insert(args.end(), {"--at-least", std::to_string(at_least)});
    if (complete) args.push_back("--grow-only");
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return finish(false, "pipe failed");
    const pid_t parent = ::getpid();
    const fs::path log = opt_.data_dir / "demo-build.log";
    const pid_t pid = ::fork();
    if (pid < 0) return finish(false, "fork failed");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);   // this thread is its parent: it lives until the child exits
        if (::getppid() != parent) ::_exit(0);
        ::dup2(out[1], STDOUT_FILENO);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) ::dup2(fd, STDERR_FILENO);
        std::vector<char*> argv{const_cast<char*>(opt_.photodeskd.c_str())};
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(opt_.photodeskd.c_str(), argv.data());
        ::_exit(127);
    }
    builder_pid_ = pid;
    ::close(out[1]);
    std::string buffer, failure;
    bool finished = false;
    char chunk[4096];
    for (ssize_t n; (n = ::read(out[0], chunk, sizeof chunk)) > 0;) {
        buffer.append(chunk, size_t(n));
        for (size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
            const json j = json::parse(buffer.substr(0, nl), nullptr, false);
            if (!j.is_object()) continue;
            std::lock_guard<std::mutex> lock(mu_);
            if (j.contains("done")) {
                status_.done = j.value("done", 0);
                status_.total = j.value("total", 0);
                status_.stage = j.value("stage", "");
            }
            if (j.contains("failed")) failure = j.value("failed", "");
            if (j.contains("finished")) finished = true;
        }
    }
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    builder_pid_ = -1;
    if (stop_) return finish(false, "stopped");
    if (!finished)
        return finish(false, failure.empty() ? "photodeskd demo exited early (see " + log.string() + ")" : failure);
    if (!complete) std::ofstream(marker) << "done\n";
    finish(true, "");
}

}  // namespace pd::workstation
