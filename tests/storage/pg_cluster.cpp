#include "storage/pg_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

namespace pd::test {
namespace fs = std::filesystem;

namespace {

// PD_PG_BINDIR overrides where initdb/pg_ctl are looked for (another PostgreSQL version).
const std::string kPgBin = [] {
    const char* v = std::getenv("PD_PG_BINDIR");
    return std::string(v && *v ? v : "/usr/lib/postgresql/15/bin");
}();

// Registered once for the whole binary.
[[maybe_unused]] const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new PgClusterEnvironment);

std::string as_server_user(const std::string& cmd) {
    return ::geteuid() == 0 ? "runuser -u postgres -- " + cmd : cmd;
}

std::string tail(const fs::path& p, size_t max = 2000) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > max ? s.substr(s.size() - max) : s;
}

// A test binary that crashed (or was killed) cannot stop its cluster. Each cluster directory
// records its owner's pid; clusters whose owner is gone are stopped and removed here.
void reap_orphans() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/tmp", ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("pd-pgtest-", 0) != 0) continue;
        std::ifstream in(e.path() / "owner.pid");
        long pid = 0;
        if (!(in >> pid) || pid <= 0 || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;
        std::string stop = as_server_user(kPgBin + "/pg_ctl -D " +
                                          (e.path() / "data").string() + " -m immediate -w stop") +
                           " >/dev/null 2>&1";
        (void)std::system(stop.c_str());
        fs::remove_all(e.path(), ec);
    }
}

}  // namespace

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

bool postgres_skipped() {
    const char* v = std::getenv("PD_SKIP_POSTGRES");
    return v && std::string(v) == "1";
}

PgCluster& PgCluster::instance() {
    static PgCluster c;
    return c;
}

bool PgCluster::start(std::string* error) {
    if (!fs::exists(fs::path(kPgBin) / "initdb") || !fs::exists(fs::path(kPgBin) / "pg_ctl")) {
        *error = "PostgreSQL server binaries (initdb, pg_ctl) not found in " + kPgBin +
                 " (install postgresql-15, or set PD_SKIP_POSTGRES=1 to skip these tests)";
        return false;
    }
    reap_orphans();
    char tmpl[] = "/tmp/pd-pgtest-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        *error = "mkdtemp failed";
        return false;
    }
    root_ = tmpl;
    fs::create_directories(root_ / "sock");
    std::ofstream(root_ / "owner.pid") << ::getpid() << "\n";
    if (::geteuid() == 0 && std::system(("chown -R postgres:postgres " + root_.string()).c_str()) != 0) {
        *error = "cannot chown " + root_.string() + " to postgres";
        return false;
    }
    const fs::path data = root_ / "data", log = root_ / "initdb.log";
    // --no-sync: a throwaway cluster need not survive a power cut; the server itself keeps
    // its default fsync/synchronous_commit so commits behave as in production.
    std::string initdb = as_server_user(kPgBin + "/initdb -D " + data.string() +
                                        " --auth=trust -U postgres --no-sync") +
                         " >" + log.string() + " 2>&1";
    if (std::system(initdb.c_str()) != 0) {
        *error = "initdb failed:\n" + tail(log);
        return false;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken meanwhile
        port_ = free_port();
        const fs::path server_log = root_ / "server.log";
        std::string ctl = as_server_user(kPgBin + "/pg_ctl -D " + data.string() +
                                         " -l " + server_log.string() + " -w -o \"-p " +
                                         std::to_string(port_) +
                                         " -c listen_addresses=127.0.0.1 -k " +
                                         (root_ / "sock").string() + "\" start") +
                          " >" + (root_ / "pg_ctl.log").string() + " 2>&1";
        if (std::system(ctl.c_str()) == 0) return true;
        *error = "pg_ctl start failed:\n" + tail(root_ / "pg_ctl.log") + "\n" + tail(server_log);
    }
    return false;
}

std::string PgCluster::create_database(std::string* error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ && start_error_.empty()) {
        std::string err;
        if (start(&err)) started_ = true;
        else start_error_ = err.empty() ? "PostgreSQL cluster failed to start" : err;
    }
    if (!started_) {
        *error = start_error_;
        return "";
    }
    const std::string base = "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres";
    const std::string name = "pd_test_" + std::to_string(::getpid()) + "_" + std::to_string(next_db_++);
    try {
        pqxx::connection c(base + " dbname=postgres");
        pqxx::nontransaction tx(c);
        tx.exec("CREATE DATABASE " + name);
    } catch (const std::exception& e) {
        *error = std::string("CREATE DATABASE failed: ") + e.what();
        return "";
    }
    return base + " dbname=" + name;
}

void PgCluster::stop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (root_.empty()) return;
    if (started_) {
        std::string ctl = as_server_user(kPgBin + "/pg_ctl -D " +
                                         (root_ / "data").string() + " -m immediate -w stop") +
                          " >/dev/null 2>&1";
        if (std::system(ctl.c_str()) != 0) ADD_FAILURE() << "pg_ctl stop failed";
        started_ = false;
    }
    std::error_code ec;
    fs::remove_all(root_, ec);
    root_.clear();
}

}  // namespace pd::test
