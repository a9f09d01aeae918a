// What the operations tests run: photodeskd nodes as separate processes, nginx started from the
// shipped configuration (deploy/nginx/photodesk.conf rendered by deploy/nginx/render.sh with
// test ports and paths), a throwaway PostgreSQL database (tests/storage/pg_cluster.h) and a
// self-signed certificate. Everything lives in one work directory under /tmp, removed at the
// end; every child process dies with the test process (PR_SET_PDEATHSIG), and nginx's workers,
// which do not, are killed with their process group, here or by the next run (reap_orphans).
//
// nginx runs as `nginx -p DIR/ -c nginx.conf -g "daemon off;"`: the main file is the test's
// stand-in for Debian's /etc/nginx/nginx.conf (pid, error log and every *_temp_path inside
// DIR; as root `user nobody nogroup`, the workers' account, for which DIR is made readable),
// and it includes the rendered photodesk.conf exactly as Debian's includes conf.d/*.conf.
//
// Threading: these helpers are used from the test's main thread only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pd::ops {

namespace fs = std::filesystem;

bool nginx_skipped();                 // PD_SKIP_NGINX=1 (a machine without the nginx package)
std::string nginx_binary();           // PD_NGINX or /usr/sbin/nginx
// The photodeskd and config/ under test: the build's, or PD_TEST_PHOTODESKD / PD_TEST_CONFIG_DIR
// (as tests/server: another build, e.g. to measure an earlier commit with its own config).
std::string photodeskd_binary();
std::string config_dir();

// A fresh 0755 directory /tmp/pd-ops-<pid>-<n>; its owner's pid is recorded for reap_orphans.
fs::path make_work_dir();
// Removes it, unless PD_OPS_KEEP=1 (then says where it is: logs, configs, nginx's access log).
void remove_work_dir(const fs::path& dir);
// Stops the nginx process groups of work directories whose test process is gone, removes them.
void reap_orphans();
// Runs a shell command; returns its stdout, sets *code to its exit status.
std::string run_command(const std::string& cmd, int* code);
// A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in dir), by the openssl CLI.
bool make_certificate(const fs::path& dir, std::string* error);
std::vector<std::string> read_lines(const fs::path& file);
std::string read_file(const fs::path& file);
// CPU seconds (user + system) of a process and, with children = true, its direct children
// (nginx's workers, PostgreSQL's backends).
double cpu_seconds(pid_t pid, bool children);

// Plain HTTP(S) calls through libcurl, one keep-alive connection per client (tests' own
// requests; the load goes through bench/load).
struct HttpAnswer {
    long status = 0;                   // 0: transport error (see error)
    std::string body, error;
    std::map<std::string, std::string> headers;   // lower-case names
    double seconds = 0;
};
class HttpClient {
public:
    // ca_file: trust this certificate (https); source: connect from this local address.
    explicit HttpClient(std::string ca_file = "", std::string source = "");
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    HttpAnswer get(const std::string& url, const std::string& token = "");
    HttpAnswer post(const std::string& url, const std::string& token, const std::string& body);

private:
    HttpAnswer call(const std::string& url, const std::string& token, const std::string* body);
    void* h_;                          // CURL*
    std::string ca_file_, source_;
};

// A child process with its stdout and stderr in files.
class Process {
public:
    Process() = default;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    Process(Process&& o) noexcept { *this = std::move(o); }
    Process& operator=(Process&& o) noexcept;
    ~Process();

    // own_group: the child leads a new process group (nginx: the master and its workers).
    bool start(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err, bool own_group);
    void signal(int sig) const;        // the process (or its group)
    int wait();                        // exit status as waitpid reports it
    bool wait_for(double seconds);     // true when it exited within that time
    bool alive() const;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    bool group_ = false;
};

// One photodeskd serving --data DIR [--db CONNINFO] on 127.0.0.1 with a free port.
class Node {
public:
    bool start(const fs::path& data, const std::string& db, const fs::path& log,
               const std::vector<std::string>& extra, std::string* error);
    void kill9();                      // SIGKILL and reap: a crash
    bool stop();                       // SIGTERM, wait: true when it exited 0
    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    pid_t pid() const { return proc_.pid(); }
    bool alive() const { return proc_.alive(); }
    std::string log() const;           // its stderr

private:
    Process proc_;
    fs::path log_;
    int port_ = 0;
};

// `photodeskd ARGS --data DATA [--db DB] --config-dir CONFIG`; returns stdout, sets *code.
std::string photodeskd(const std::vector<std::string>& args, const fs::path& data, const std::string& db,
                       int* code, std::string* err = nullptr);
// `photodeskd user add NAME --role ROLE`: the token, or "" (and *error).
std::string add_user(const fs::path& data, const std::string& db, const std::string& name,
                     const std::string& role, std::string* error);

// nginx with deploy/nginx/photodesk.conf in front of the given photodeskd ports.
class Nginx {
public:
    ~Nginx() { stop(); }
    bool start(const fs::path& dir, const std::vector<int>& upstream_ports, std::string* error);
    bool stop();                       // SIGQUIT (graceful), then the whole group SIGKILL
    int https_port() const { return https_port_; }
    int http_port() const { return http_port_; }
    std::string url() const { return "https://127.0.0.1:" + std::to_string(https_port_); }
    fs::path ca_file() const { return dir_ / "cert.pem"; }
    fs::path access_log() const { return dir_ / "logs" / "photodesk.access.log"; }
    fs::path error_log() const { return dir_ / "logs" / "error.log"; }
    pid_t master_pid() const { return proc_.pid(); }

private:
    Process proc_;
    fs::path dir_;
    int https_port_ = 0, http_port_ = 0;
};

}  // namespace pd::ops
