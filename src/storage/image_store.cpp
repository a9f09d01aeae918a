#include "storage/image_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>

namespace pd::storage {
namespace fs = std::filesystem;

std::string sha256_hex(std::span<const unsigned char> bytes) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

bool is_sha256_hex(const std::string& s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

namespace {

Error sys_error(const std::string& what, const fs::path& p) {
    return make_error(ErrorCode::Internal, what + " " + p.string() + ": " + std::strerror(errno));
}

Status fsync_path(const fs::path& p, int flags) {
    int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return sys_error("open", p);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return sys_error("fsync", p);
    return Ok{};
}

std::string random_suffix() {
    static std::atomic<unsigned> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           std::to_string(rng());
}

}  // namespace

Status ImageStore::init() {
    std::error_code ec;
    fs::create_directories(root_ / "tmp", ec);
    if (ec) return make_error(ErrorCode::Internal, "cannot create " + (root_ / "tmp").string() +
                                                      ": " + ec.message());
    return Ok{};
}

fs::path ImageStore::path_of(const std::string& h) const {
    return root_ / h.substr(0, 2) / h.substr(2);
}

Result<std::string> ImageStore::put(std::span<const unsigned char> bytes) {
    if (bytes.empty()) return make_error(ErrorCode::EmptyInput, "image has zero bytes");
    std::string hash = sha256_hex(bytes);
    fs::path final_path = path_of(hash);
    std::error_code ec;
    if (fs::exists(final_path, ec)) return hash;  // content-addressed: already durable

    fs::path dir = final_path.parent_path();
    bool new_dir = !fs::exists(dir, ec);
    if (new_dir) {
        fs::create_directories(dir, ec);
        if (ec) return make_error(ErrorCode::Internal, "cannot create " + dir.string());
    }
    fs::path tmp = root_ / "tmp" / (hash.substr(0, 8) + "." + random_suffix());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error("create", tmp);
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            auto err = sys_error("write", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return err;
        }
        done += static_cast<size_t>(w);
    }
    if (::fsync(fd) != 0) {
        auto err = sys_error("fsync", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return err;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        auto err = sys_error("rename into", final_path);
        ::unlink(tmp.c_str());
        return err;
    }
    if (auto s = fsync_path(dir, O_RDONLY | O_DIRECTORY); !s) return s.error();
    if (new_dir)
        if (auto s = fsync_path(root_, O_RDONLY | O_DIRECTORY); !s) return s.error();
    return hash;
}

Status ImageStore::probe() const {
    const fs::path p = root_ / "tmp" / ("probe." + random_suffix());
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error("create", p);
    const char byte = 'p';
    const bool ok = ::write(fd, &byte, 1) == 1 && ::fsync(fd) == 0;
    Error err = ok ? Error{} : sys_error("write", p);
    ::close(fd);
    ::unlink(p.c_str());
    if (!ok) return err;
    return Ok{};
}

Result<int> ImageStore::sweep_tmp(std::int64_t min_age_seconds) const {
    std::error_code ec;
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::seconds(min_age_seconds);
    int removed = 0;
    for (auto it = fs::directory_iterator(root_ / "tmp", ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        std::error_code e;
        const auto t = fs::last_write_time(it->path(), e);
        if (e || t > cutoff) continue;
        if (fs::remove_all(it->path(), e) > 0 && !e) ++removed;
    }
    if (ec) return make_error(ErrorCode::Internal, "cannot list " + (root_ / "tmp").string() + ": " + ec.message());
    return removed;
}

Result<std::vector<unsigned char>> ImageStore::get(const std::string& h) const {
    if (!is_sha256_hex(h))
        return make_error(ErrorCode::InvalidArgument, "not a SHA-256 hex digest: '" + h + "'");
    fs::path p = path_of(h);
    std::ifstream in(p, std::ios::binary);
    if (!in) return make_error(ErrorCode::NotFound, "no image " + h);
    std::vector<unsigned char> out((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
    return out;
}

}  // namespace pd::storage
