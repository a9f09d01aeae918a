#include "review/profile.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

namespace pd::review {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path xdg(const char* var, const char* fallback_under_home) {
    if (const char* v = std::getenv(var); v && *v) return fs::path(v) / "photodesk";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : "/tmp") / fallback_under_home / "photodesk";
}

std::string octal(unsigned mode) {
    std::ostringstream o;
    o << std::oct << mode;
    return o.str();
}

fs::path credentials_path(const Profile& p) { return p.config / "credentials.json"; }

Result<json> read_credentials(const Profile& p) {
    const fs::path f = credentials_path(p);
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) return json::object();
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return make_error(ErrorCode::InvalidArgument,
                          f.string() + " can be read by other users (mode " + octal(st.st_mode & 0777) +
                              "); run: chmod 600 " + f.string());
    std::ifstream in(f);
    json j = json::parse(in, nullptr, false);
    if (!j.is_object()) return make_error(ErrorCode::InvalidArgument, f.string() + " is not a JSON object; delete it to log in again");
    return j;
}

Status write_credentials(const Profile& p, const json& j) {
    std::error_code ec;
    fs::create_directories(p.config, ec);
    const fs::path f = credentials_path(p);
    const fs::path tmp = f.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(ErrorCode::Internal, "cannot write " + tmp.string());
    ::fchmod(fd, 0600);   // whatever the umask
    const std::string text = j.dump(2) + "\n";
    const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), f.c_str()) != 0) return make_error(ErrorCode::Internal, "cannot write " + f.string());
    return Ok{};
}

}  // namespace

Profile Profile::locate(const std::string& root) {
    if (!root.empty()) {
        const fs::path r = fs::absolute(root);
        return {r / "config", r / "data", r / "state", r / "cache"};
    }
    return {xdg("XDG_CONFIG_HOME", ".config"), xdg("XDG_DATA_HOME", ".local/share"),
            xdg("XDG_STATE_HOME", ".local/state"), xdg("XDG_CACHE_HOME", ".cache")};
}

std::string Profile::account_key(const std::string& server, const std::string& user) {
    std::string s = server;
    for (const char* scheme : {"https://", "http://"})
        if (s.rfind(scheme, 0) == 0) s = s.substr(std::string(scheme).size());
    std::string out;
    for (char c : s + "-" + user)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
    return out;
}

fs::path Profile::journal_path(const std::string& server, const std::string& user) const {
    return state / "accounts" / account_key(server, user) / "journal.db";
}

fs::path Profile::cache_dir(const std::string& server, const std::string& user) const {
    return cache / "accounts" / account_key(server, user);
}

Result<std::optional<std::string>> load_token(const Profile& p, const std::string& server) {
    auto j = read_credentials(p);
    if (!j) return j.error();
    const json& servers = j->value("servers", json::object());
    if (servers.is_object() && servers.contains(server) && servers[server].is_object() &&
        servers[server].contains("token") && servers[server]["token"].is_string())
        return std::optional<std::string>(servers[server]["token"].get<std::string>());
    return std::optional<std::string>{};
}

Status save_token(const Profile& p, const std::string& server, const std::string& token) {
    auto j = read_credentials(p);
    json doc = j ? j.value() : json::object();
    if (!doc.contains("servers") || !doc["servers"].is_object()) doc["servers"] = json::object();
    doc["servers"][server] = {{"token", token}};
    doc["last_server"] = server;
    return write_credentials(p, doc);
}

Status forget_token(const Profile& p, const std::string& server) {
    auto j = read_credentials(p);
    if (!j) return j.error();
    json doc = j.value();
    if (doc.contains("servers") && doc["servers"].is_object()) doc["servers"].erase(server);
    return write_credentials(p, doc);
}

std::optional<std::string> last_server(const Profile& p) {
    auto j = read_credentials(p);
    if (!j || !j->contains("last_server") || !(*j)["last_server"].is_string()) return std::nullopt;
    return (*j)["last_server"].get<std::string>();
}

Result<std::unique_ptr<InstanceLock>> InstanceLock::acquire(const fs::path& file) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(ErrorCode::Unavailable, "cannot open " + file.string());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
        ::close(fd);
        return make_error(ErrorCode::Unavailable,
                          "another photodesk (pid " + std::string(n > 0 ? buf : "?") +
                              ") is already working this account on this machine");
    }
    const std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
    return std::unique_ptr<InstanceLock>(new InstanceLock(fd));
}

InstanceLock::~InstanceLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
}

}  // namespace pd::review
