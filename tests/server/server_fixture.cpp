#include "server/server_fixture.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <regex>

#include "domain/id_number.h"
#include "storage/pg_cluster.h"
#include "storage/sql_conn.h"

namespace pd::test {

namespace fs = std::filesystem;

std::string server_backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

INSTANTIATE_TEST_SUITE_P(Backends, ServerTest, ::testing::Values("sqlite", "postgres"),
                         server_backend_name);

std::vector<unsigned char> read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string ServerTest::valid_id(int i) {
    // Region 110105, a birth date varied with i, sequence i % 1000: distinct for i < 3,360,000.
    char first17[32];
    const int day = 1 + (i / 1000) % 28, month = 1 + (i / 28000) % 12;
    std::snprintf(first17, sizeof first17, "110105%04d%02d%02d%03d", 1990 + (i / 336000) % 10,
                  month, day, i % 1000);
    return std::string(first17) + domain::id_number_check_char(first17);
}

void ServerTest::SetUp() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("pd-server-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (is_postgres()) {
        if (postgres_skipped()) GTEST_SKIP() << "PD_SKIP_POSTGRES=1";
        std::string err;
        conninfo_ = PgCluster::instance().create_database(&err);
        ASSERT_FALSE(conninfo_.empty()) << err;
    }
    for (const auto& [name, role] : std::vector<std::pair<std::string, std::string>>{
             {"admin", "admin"}, {"sup", "supervisor"}, {"ing", "ingest"}, {"rev1", "reviewer"},
             {"rev2", "reviewer"}}) {
        int code = -1;
        std::string err;
        std::string out = run_photodeskd({"user", "add", name, "--role", role}, &code, &err);
        ASSERT_EQ(code, 0) << err;
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        ASSERT_EQ(out.rfind("pdt_", 0), 0u) << out;
        tokens_[name] = out;
    }
    start_server();
}

void ServerTest::TearDown() {
    if (pid_ > 0) stop_server();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::string ServerTest::photodeskd_path() {
    const char* env = std::getenv("PD_TEST_PHOTODESKD");
    return env && *env ? env : PD_PHOTODESKD_PATH;
}

std::string ServerTest::config_dir_path() {
    const char* env = std::getenv("PD_TEST_CONFIG_DIR");
    return env && *env ? env : PD_TEST_CONFIG_DIR;
}

std::vector<std::string> ServerTest::data_args() const {
    std::vector<std::string> a = {"--data", (dir_ / "data").string(), "--config-dir", config_dir_path()};
    if (is_postgres()) {
        a.push_back("--db");
        a.push_back(conninfo_);
    }
    return a;
}

std::string ServerTest::run_photodeskd(const std::vector<std::string>& args, int* exit_code,
                                       std::string* err) const {
    std::string cmd = "'" + photodeskd_path() + "'";
    std::vector<std::string> all = args;
    for (const auto& a : data_args()) all.push_back(a);
    for (const auto& a : all) {
        std::string q;
        for (char ch : a) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        cmd += " '" + q + "'";
    }
    const fs::path errf = dir_ / "cli.err";
    cmd += " 2>'" + errf.string() + "'";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        *exit_code = -1;
        return out;
    }
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = ::pclose(p);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (err) {
        std::ifstream in(errf);
        *err = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
}

void ServerTest::start_server() {
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    std::vector<std::string> args = {photodeskd_path(), "serve", "--listen", "127.0.0.1:" + std::to_string(listen_port_)};
    for (const auto& a : data_args()) args.push_back(a);
    for (const auto& a : extra_serve_args_) args.push_back(a);
    const std::string log = (dir_ / "server.log").string();
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
        // The server dies with the test process, even when a test crashes.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::dup2(pipefd[1], STDOUT_FILENO);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) ::dup2(fd, STDERR_FILENO);
        ::close(pipefd[0]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(pipefd[1]);
    // Wait for "photodeskd listening on http://127.0.0.1:PORT ..." (ASan builds load slowly).
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{pipefd[0], POLLIN, 0};
        if (::poll(&pfd, 1, 200) <= 0) continue;
        char buf[256];
        const ssize_t n = ::read(pipefd[0], buf, sizeof buf);
        if (n <= 0) break;
        line.append(buf, size_t(n));
    }
    ::close(pipefd[0]);
    const auto at = line.find("127.0.0.1:");
    ASSERT_NE(at, std::string::npos) << "photodeskd did not start: '" << line << "'\n" << server_log();
    port_ = std::stoi(line.substr(at + 10));
    scheme_ = line.find("https://") != std::string::npos ? "https" : "http";
    ASSERT_GT(port_, 0);
}

void ServerTest::stop_server() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    // A stop answers the requests in flight and returns; one that never comes is a failure
    // to report, not a test run that hangs until ctest's timeout.
    int status = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (done == 0) {
        ADD_FAILURE() << "photodeskd did not stop within 60 s of SIGTERM; killed\n" << server_log();
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return;
    }
    pid_ = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "photodeskd did not stop cleanly (status " << status << ")\n" << server_log();
}

void ServerTest::kill_server() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string ServerTest::server_log() const {
    std::ifstream in(dir_ / "server.log");
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
}

client::ApiClient ServerTest::client(const std::string& user, client::ClientOptions opt) const {
    return client::ApiClient(base_url(), user.empty() ? "" : tokens_.at(user), opt);
}

std::unique_ptr<storage::Store> ServerTest::open_store() const {
    auto r = is_postgres() ? storage::open_postgres_store(conninfo_, dir_ / "data")
                           : storage::open_sqlite_store(dir_ / "data");
    if (!r.ok()) {
        ADD_FAILURE() << "open store: " << r.error().message;
        return nullptr;
    }
    return std::move(r).value();
}

std::vector<std::int64_t> ServerTest::seed(int n, const std::string& school, const std::string& grade,
                                           int first) {
    auto store = open_store();
    std::vector<std::int64_t> ids;
    if (!store) return ids;
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    for (int i = 0; i < n; ++i) {
        const int k = first + i;
        storage::NewSubmission s;
        s.student = {"学生" + std::to_string(k), valid_id(k), "S" + std::to_string(k), school, "本部", grade};
        const std::string orig = "original-" + std::to_string(k) + "-" + school;
        const std::string std_ = "standardized-" + std::to_string(k) + "-" + school;
        auto o = store->put_image({reinterpret_cast<const unsigned char*>(orig.data()), orig.size()});
        auto st = store->put_image({reinterpret_cast<const unsigned char*>(std_.data()), std_.size()});
        if (!o || !st) {
            ADD_FAILURE() << "put_image failed";
            return ids;
        }
        s.images.original = o.value();
        s.images.standardized = st.value();
        s.submitted_at = now;
        s.sla_deadline = now + 2 * 86400 + k;
        auto r = store->add_submission(s);
        if (!r || r->status != storage::AddStatus::added) {
            ADD_FAILURE() << "seed " << k << ": " << (r ? storage::to_string(r->status) : r.error().message);
            return ids;
        }
        ids.push_back(r->id);
    }
    return ids;
}

fs::path ServerTest::write_settings(const std::map<std::string, std::string>& overrides,
                                   const std::string& file_name) const {
    std::ifstream in(fs::path(config_dir_path()) / "server.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& [key, value] : overrides) {
        const std::regex line("(^|\n)" + key + " *=[^\n]*");
        if (!std::regex_search(text, line)) ADD_FAILURE() << "server.toml has no key '" << key << "'";
        text = std::regex_replace(text, line, "$1" + key + " = " + value);
    }
    const fs::path out = dir_ / file_name;
    std::ofstream(out) << text;
    return out;
}

void ServerTest::restart_with_settings(const std::map<std::string, std::string>& overrides) {
    stop_server();
    extra_serve_args_ = {"--config", write_settings(overrides).string()};
    start_server();
}

void ServerTest::exec_sql(const std::string& sql, const std::vector<std::string>& params) const {
    try {
        auto conn = is_postgres() ? storage::sql::connect_postgres(conninfo_)
                                  : storage::sql::connect_sqlite((dir_ / "data" / "photodesk.db").string());
        storage::sql::Params p(params.begin(), params.end());
        conn->begin(true);
        conn->query(sql, p);
        conn->commit();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "exec_sql " << sql << ": " << e.what();
    }
}

std::int64_t ServerTest::seed_one(const storage::Student& student, bool standardized, int k) {
    auto store = open_store();
    if (!store) return 0;
    const std::string orig = "original-one-" + student.id_number;
    const std::string std_ = "standardized-one-" + student.id_number;
    auto o = store->put_image({reinterpret_cast<const unsigned char*>(orig.data()), orig.size()});
    auto st = store->put_image({reinterpret_cast<const unsigned char*>(std_.data()), std_.size()});
    if (!o || !st) {
        ADD_FAILURE() << "put_image failed";
        return 0;
    }
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    storage::NewSubmission s;
    s.student = student;
    s.images.original = o.value();
    if (standardized) s.images.standardized = st.value();
    s.submitted_at = now;
    s.sla_deadline = now + 2 * 86400 + k;
    auto r = store->add_submission(s);
    if (!r || r->status != storage::AddStatus::added) {
        ADD_FAILURE() << "seed_one: " << (r ? storage::to_string(r->status) : r.error().message);
        return 0;
    }
    return r->id;
}

}  // namespace pd::test
