#include "ops/ops_env.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <curl/curl.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "storage/pg_cluster.h"

namespace pd::ops {

namespace {

using Clock = std::chrono::steady_clock;

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

bool port_accepts(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(std::uint16_t(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

bool owner_alive(const fs::path& dir) {
    std::ifstream in(dir / "owner.pid");
    long pid = -1;
    if (!(in >> pid) || pid < 0) return false;
    if (pid == 0) return true;   // kept on purpose (PD_OPS_KEEP=1): left alone
    return ::kill(pid_t(pid), 0) == 0 || errno != ESRCH;
}

// Kills an nginx process group recorded in dir/nginx.pgid, if it still is nginx's.
void kill_recorded_group(const fs::path& dir) {
    std::ifstream in(dir / "nginx.pgid");
    long pgid = 0;
    if (!(in >> pgid) || pgid <= 1) return;
    const std::string cmd = read_file("/proc/" + std::to_string(pgid) + "/cmdline");
    if (cmd.find("nginx") != std::string::npos || cmd.empty()) ::kill(-pid_t(pgid), SIGKILL);
}

}  // namespace

bool nginx_skipped() {
    const char* v = std::getenv("PD_SKIP_NGINX");
    return v && std::string(v) == "1";
}

std::string nginx_binary() {
    const char* v = std::getenv("PD_NGINX");
    return v && *v ? v : "/usr/sbin/nginx";
}

std::string photodeskd_binary() {
    const char* v = std::getenv("PD_TEST_PHOTODESKD");
    return v && *v ? v : PD_PHOTODESKD_PATH;
}

std::string config_dir() {
    const char* v = std::getenv("PD_TEST_CONFIG_DIR");
    return v && *v ? v : PD_SOURCE_DIR "/config";
}

fs::path make_work_dir() {
    static std::atomic<int> counter{0};
    const fs::path dir = fs::temp_directory_path() /
                         ("pd-ops-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0755);   // nginx's workers (nobody) reach their temp directories
    std::ofstream(dir / "owner.pid") << ::getpid() << "\n";
    return dir;
}

void remove_work_dir(const fs::path& dir) {
    if (dir.empty()) return;
    const char* keep = std::getenv("PD_OPS_KEEP");
    if (keep && std::string(keep) == "1") {
        std::printf("work directory kept (PD_OPS_KEEP=1): %s\n", dir.c_str());
        std::ofstream(dir / "owner.pid") << 0 << "\n";   // not reaped by the next run
        return;
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

void reap_orphans() {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
        if (e.path().filename().string().rfind("pd-ops-", 0) != 0 || owner_alive(e.path())) continue;
        kill_recorded_group(e.path());
        fs::remove_all(e.path(), ec);
    }
}

std::string run_command(const std::string& cmd, int* code) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        *code = -1;
        return out;
    }
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = ::pclose(p);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

bool make_certificate(const fs::path& dir, std::string* error) {
    int code = -1;
    const std::string out = run_command(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " + quote((dir / "key.pem").string()) + " -out " +
            quote((dir / "cert.pem").string()) + " 2>&1",
        &code);
    if (code != 0) *error = "openssl req failed: " + out;
    return code == 0;
}

std::vector<std::string> read_lines(const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.push_back(l);
    return out;
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

double cpu_seconds(pid_t pid, bool children) {
    const double tick = double(::sysconf(_SC_CLK_TCK));
    // fields after "(comm) ": state=0 ppid=1 ... utime=11 stime=12
    auto fields = [](const std::string& stat) {
        std::vector<std::string> v;
        const auto close = stat.rfind(')');
        if (close == std::string::npos) return v;
        std::istringstream f(stat.substr(close + 2));
        for (std::string x; f >> x;) v.push_back(x);
        return v;
    };
    double total = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        const auto v = fields(read_file(e.path() / "stat"));
        if (v.size() < 13) continue;
        const bool self = std::stol(name) == long(pid);
        if (!self && !(children && std::stol(v[1]) == long(pid))) continue;
        total += double(std::stoll(v[11]) + std::stoll(v[12])) / tick;
    }
    return total;
}

// [SECTION] HttpClient

namespace {
size_t on_body(char* p, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(p, size * n);
    return size * n;
}
size_t on_header(char* p, size_t size, size_t n, void* user) {
    std::string line(p, size * n);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon), value = line.substr(colon + 1);
        for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * n;
}
}  // namespace

HttpClient::HttpClient(std::string ca_file, std::string source)
    : h_(curl_easy_init()), ca_file_(std::move(ca_file)), source_(std::move(source)) {}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(h_)); }

HttpAnswer HttpClient::get(const std::string& url, const std::string& token) { return call(url, token, nullptr); }

HttpAnswer HttpClient::post(const std::string& url, const std::string& token, const std::string& body) {
    return call(url, token, &body);
}

HttpAnswer HttpClient::call(const std::string& url, const std::string& token, const std::string* body) {
    CURL* h = static_cast<CURL*>(h_);
    HttpAnswer a;
    curl_slist* hdr = curl_slist_append(nullptr, "Expect:");
    if (!token.empty()) hdr = curl_slist_append(hdr, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a.headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    if (!ca_file_.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file_.c_str());
    if (!source_.empty()) curl_easy_setopt(h, CURLOPT_INTERFACE, ("host!" + source_).c_str());
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body->size()));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    const auto t0 = Clock::now();
    const CURLcode rc = curl_easy_perform(h);
    a.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK) a.error = curl_easy_strerror(rc);
    else curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
    return a;
}

// [SECTION] Process

Process& Process::operator=(Process&& o) noexcept {
    std::swap(pid_, o.pid_);
    std::swap(group_, o.group_);
    return *this;
}

Process::~Process() {
    if (pid_ > 0) {
        signal(SIGKILL);
        wait();
    }
}

bool Process::start(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err,
                     bool own_group) {
    group_ = own_group;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);   // dies with the test, even when it crashes
        if (own_group) ::setpgid(0, 0);
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (o >= 0) ::dup2(o, STDOUT_FILENO);
        if (e >= 0) ::dup2(e, STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    if (own_group) ::setpgid(pid_, pid_);   // either side may win the race; both set it
    return true;
}

void Process::signal(int sig) const {
    if (pid_ <= 0) return;
    ::kill(group_ ? -pid_ : pid_, sig);
    if (group_) ::kill(pid_, sig);
}

int Process::wait() {
    if (pid_ <= 0) return -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
}

bool Process::wait_for(double seconds) {
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (pid_ > 0 && Clock::now() < end) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pid_ <= 0;
}

bool Process::alive() const {
    if (pid_ <= 0) return false;
    // A zombie is not alive: peek without reaping (WNOWAIT); si_pid stays 0 while it runs.
    siginfo_t info{};
    if (::waitid(P_PID, id_t(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) return false;
    return info.si_pid == 0;
}

// [SECTION] photodeskd

std::string photodeskd(const std::vector<std::string>& args, const fs::path& data, const std::string& db,
                       int* code, std::string* err) {
    std::string cmd = quote(photodeskd_binary());
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--data", data.string(), "--config-dir", config_dir()});
    if (!db.empty()) all.insert(all.end(), {"--db", db});
    for (const auto& a : all) {
        cmd += ' ';
        cmd += quote(a);
    }
    const fs::path errf = data.parent_path() / ("cli-" + std::to_string(::getpid()) + ".err");
    cmd += " 2>" + quote(errf.string());
    std::string out = run_command(cmd, code);
    if (err) *err = read_file(errf);
    std::error_code ec;
    fs::remove(errf, ec);
    return out;
}

std::string add_user(const fs::path& data, const std::string& db, const std::string& name,
                     const std::string& role, std::string* error) {
    int code = -1;
    std::string err;
    std::string out = photodeskd({"user", "add", name, "--role", role}, data, db, &code, &err);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (code != 0 || out.rfind("pdt_", 0) != 0) {
        *error = "photodeskd user add " + name + ": exit " + std::to_string(code) + " " + err + out;
        return "";
    }
    return out;
}

bool Node::start(const fs::path& data, const std::string& db, const fs::path& log,
                 const std::vector<std::string>& extra, std::string* error) {
    log_ = log;
    const fs::path out = log.string() + ".out";
    std::error_code ec;
    fs::remove(out, ec);   // the "listening on" line must be this start's
    std::vector<std::string> argv = {photodeskd_binary(), "serve", "--listen", "127.0.0.1:0", "--data",
                                     data.string(), "--config-dir", config_dir()};
    if (!db.empty()) argv.insert(argv.end(), {"--db", db});
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!proc_.start(argv, out, log, false)) {
        *error = "fork failed";
        return false;
    }
    // "photodeskd listening on http://127.0.0.1:PORT backend=..." (ASan builds start slowly)
    const auto end = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < end) {
        const std::string s = read_file(out);
        const auto at = s.find("127.0.0.1:");
        if (at != std::string::npos && s.find('\n', at) != std::string::npos) {
            port_ = std::stoi(s.substr(at + 10));
            return port_ > 0;
        }
        if (!proc_.alive()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    *error = "photodeskd did not start:\n" + this->log();
    return false;
}

void Node::kill9() {
    proc_.signal(SIGKILL);
    proc_.wait();
}

bool Node::stop() {
    if (proc_.pid() <= 0) return true;
    proc_.signal(SIGTERM);
    const int status = proc_.wait();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string Node::log() const {
    const std::string s = read_file(log_);
    return s.size() > 6000 ? s.substr(s.size() - 6000) : s;
}

// [SECTION] nginx

bool Nginx::start(const fs::path& dir, const std::vector<int>& upstream_ports, std::string* error) {
    dir_ = dir;
    fs::create_directories(dir / "logs");
    fs::create_directories(dir / "tmp");
    ::chmod(dir.c_str(), 0755);
    if (!make_certificate(dir, error)) return false;
    const std::string d = dir.string();
    {   // The stand-in for Debian's /etc/nginx/nginx.conf: its http-level settings, with the
        // pid, the error log and the temp paths in DIR, including the rendered site file.
        std::ofstream m(dir / "nginx.conf");
        if (::geteuid() == 0) m << "user nobody nogroup;\n";
        m << "worker_processes 2;\n"
             "pid " << d << "/nginx.pid;\n"
             "error_log " << d << "/logs/error.log warn;\n"
             "events { worker_connections 768; }\n"
             "http {\n"
             "    sendfile on;\n"
             "    tcp_nopush on;\n"
             "    types_hash_max_size 2048;\n"
             "    include /etc/nginx/mime.types;\n"
             "    default_type application/octet-stream;\n"
             "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n"
             "    ssl_prefer_server_ciphers on;\n"
             "    access_log off;\n"
             "    gzip on;\n"
             "    client_body_temp_path " << d << "/tmp/body;\n"
             "    proxy_temp_path " << d << "/tmp/proxy;\n"
             "    fastcgi_temp_path " << d << "/tmp/fastcgi;\n"
             "    uwsgi_temp_path " << d << "/tmp/uwsgi;\n"
             "    scgi_temp_path " << d << "/tmp/scgi;\n"
             "    include " << d << "/photodesk.conf;\n"
             "}\n";
    }
    for (int attempt = 0; attempt < 3; ++attempt) {   // a free port may be taken meanwhile
        https_port_ = test::free_port();
        http_port_ = test::free_port();
        std::string cmd = "bash " + quote(PD_SOURCE_DIR "/deploy/nginx/render.sh") +
                          " --server-name 127.0.0.1 --cert " + quote(d + "/cert.pem") + " --key " +
                          quote(d + "/key.pem") + " --listen 127.0.0.1:" + std::to_string(https_port_) +
                          " --http-listen 127.0.0.1:" + std::to_string(http_port_) + " --log-dir " +
                          quote(d + "/logs");
        for (int p : upstream_ports) cmd += " --upstream 127.0.0.1:" + std::to_string(p);
        cmd += " >" + quote(d + "/photodesk.conf") + " 2>" + quote(d + "/render.err");
        int code = -1;
        run_command(cmd, &code);
        if (code != 0) {
            *error = "deploy/nginx/render.sh failed: " + read_file(dir / "render.err");
            return false;
        }
        if (!proc_.start({nginx_binary(), "-p", d + "/", "-c", d + "/nginx.conf", "-g", "daemon off;"},
                         dir / "nginx.out", dir / "nginx.err", true)) {
            *error = "fork failed";
            return false;
        }
        std::ofstream(dir / "nginx.pgid") << proc_.pid() << "\n";
        const auto end = Clock::now() + std::chrono::seconds(20);
        while (Clock::now() < end && proc_.alive() && !port_accepts(https_port_))
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (proc_.alive() && port_accepts(https_port_)) return true;
        const std::string why = read_file(dir / "nginx.err") + read_file(error_log());
        stop();
        *error = "nginx did not start: " + why;
        if (why.find("Address already in use") == std::string::npos) return false;
    }
    return false;
}

bool Nginx::stop() {
    if (proc_.pid() <= 0) return true;
    const pid_t group = proc_.pid();
    ::kill(proc_.pid(), SIGQUIT);   // graceful: workers finish their requests
    const bool clean = proc_.wait_for(10);
    ::kill(-group, SIGKILL);        // workers left behind, if any
    if (!clean) {
        proc_.signal(SIGKILL);
        proc_.wait();
    }
    return clean;
}

}  // namespace pd::ops
