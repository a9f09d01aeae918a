// IoStream, the connection loop and the plain-HTTP server (http_transport.h). The TLS server
// is in http_transport_tls.cpp.
#include "server/http_transport.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/rand.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace pd::server {

namespace {

thread_local RequestScope tl_request;

// "<8 random hex digits of this process>-<counter>": unique across the nodes of one database,
// so a log line found by its id on one node is that request's.
std::string next_request_id() {
    static const std::string prefix = [] {
        unsigned char r[4] = {};
        RAND_bytes(r, sizeof r);
        char hex[9];
        std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
        return std::string(hex);
    }();
    static std::atomic<unsigned long long> counter{0};
    char id[32];
    std::snprintf(id, sizeof id, "%s-%06llx", prefix.c_str(), ++counter);
    return id;
}

int ms_until(SteadyClock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - SteadyClock::now()).count();
    return int(std::clamp<long long>(ms, 0, 3'600'000));
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                        : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    if (rc != 0) return;
    char host[NI_MAXHOST] = {}, serv[NI_MAXSERV] = {};
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&a), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
        ip = host;
        port = std::atoi(serv);
    }
}

class PlainStream final : public IoStream {
public:
    using IoStream::IoStream;

private:
    ssize_t raw_read(char* buf, size_t n, SteadyClock::time_point deadline) override {
        for (;;) {
            if (!wait_fd(POLLIN, deadline)) return -1;
            const ssize_t r = ::recv(fd_, buf, n, MSG_DONTWAIT);
            if (r >= 0) return r;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
        }
    }
    ssize_t raw_write(const char* buf, size_t n, SteadyClock::time_point deadline) override {
        for (;;) {
            if (!wait_fd(POLLOUT, deadline)) return -1;
            const ssize_t r = ::send(fd_, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (r > 0) return r;
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
        }
    }
};

class GuardedServer final : public httplib::Server {
public:
    explicit GuardedServer(const TransportLimits& limits) : limits_(limits) {}

private:
    bool process_and_close_socket(socket_t sock) override {
        PlainStream strm(sock, limits_, *this);
        serve_connection(strm, limits_, [&](httplib::Stream& s, bool close, bool& closed) {
            return process_request(s, close, closed, [&](httplib::Request&) { strm.headers_done(); });
        });
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
        return true;
    }

    TransportLimits limits_;
};

}  // namespace

RequestScope& current_request() { return tl_request; }

// [SECTION] IoStream

IoStream::IoStream(int fd, const TransportLimits& limits, const httplib::Server& server)
    : fd_(fd), limits_(limits), server_(server) {}

bool IoStream::wait_fd(short events, SteadyClock::time_point deadline) const {
    for (;;) {
        // A stop cuts a request that is still sending its headers: it was not accepted yet.
        if (in_headers_ && !server_.is_running()) return false;
        // Checked before polling: a client trickling bytes is always "readable".
        if (SteadyClock::now() >= deadline) {
            // Waiting for a request's bytes past its deadline (or one read's): the client is
            // too slow, the request ends here.
            if ((events & POLLIN) && phase_deadline_ != SteadyClock::time_point{}) tl_request.timed_out = true;
            return false;
        }
        pollfd p{fd_, events, 0};
        const int rc = ::poll(&p, 1, std::max(1, std::min(ms_until(deadline), 200)));
        if (rc > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
        if (rc < 0 && errno != EINTR) return false;
    }
}

SteadyClock::time_point IoStream::read_deadline() const {
    const auto per_read = SteadyClock::now() + std::chrono::seconds(limits_.read_timeout_s);
    return phase_deadline_ == SteadyClock::time_point{} ? per_read : std::min(per_read, phase_deadline_);
}

bool IoStream::wait_next_request() {
    if (off_ < len_ || has_pending()) return true;   // pipelined bytes already here
    phase_deadline_ = {};
    in_headers_ = false;
    const auto idle_until = SteadyClock::now() + std::chrono::seconds(limits_.keep_alive_timeout_s);
    for (;;) {
        if (!server_.is_running()) return false;
        pollfd p{fd_, POLLIN, 0};
        const int rc = ::poll(&p, 1, std::min(ms_until(idle_until), 200));
        if (rc > 0) return true;   // data, or the peer's close (the read will tell)
        if (rc < 0 && errno != EINTR) return false;
        if (SteadyClock::now() >= idle_until) return false;
    }
}

void IoStream::begin_request() {
    phase_deadline_ = SteadyClock::now() + std::chrono::seconds(limits_.header_timeout_s);
    in_headers_ = true;
}

void IoStream::headers_done() {
    const auto& r = tl_request;
    phase_deadline_ = r.started + std::chrono::seconds(limits_.request_timeout_s);
    in_headers_ = false;
}

void IoStream::linger() {
    close_write();
    const auto until = SteadyClock::now() + std::chrono::seconds(limits_.linger_s);
    char sink[16 * 1024];
    for (;;) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, ms_until(until)) <= 0) return;
        const ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
    }
}

bool IoStream::is_readable() const {
    return off_ < len_ || has_pending() || wait_fd(POLLIN, read_deadline());
}

bool IoStream::is_writable() const {
    return wait_fd(POLLOUT, SteadyClock::now() + std::chrono::seconds(limits_.write_timeout_s));
}

ssize_t IoStream::read(char* ptr, size_t size) {
    if (off_ < len_) {
        const size_t n = std::min(size, len_ - off_);
        std::memcpy(ptr, buf_ + off_, n);
        off_ += n;
        return ssize_t(n);
    }
    // cpp-httplib reads request lines a byte at a time: serve those from a buffer.
    if (size >= sizeof buf_) return raw_read(ptr, size, read_deadline());
    const ssize_t n = raw_read(buf_, sizeof buf_, read_deadline());
    if (n <= 0) return n;
    off_ = 0;
    len_ = size_t(n);
    return read(ptr, size);
}

ssize_t IoStream::write(const char* ptr, size_t size) {
    return raw_write(ptr, size, SteadyClock::now() + std::chrono::seconds(limits_.write_timeout_s));
}

void IoStream::get_remote_ip_and_port(std::string& ip, int& port) const { address_of(fd_, true, ip, port); }
void IoStream::get_local_ip_and_port(std::string& ip, int& port) const { address_of(fd_, false, ip, port); }

// [SECTION] the connection loop

void serve_connection(IoStream& strm, const TransportLimits& limits,
                      const std::function<bool(httplib::Stream&, bool, bool&)>& process) {
    bool linger = false;
    for (size_t left = limits.keep_alive_max_count; left > 0 && strm.wait_next_request(); --left) {
        tl_request = RequestScope{};
        tl_request.id = next_request_id();
        tl_request.started = SteadyClock::now();
        strm.begin_request();
        bool closed = false;
        const bool ok = process(strm, left == 1, closed);
        if (tl_request.timed_out) {
            std::string ip;
            int port = 0;
            strm.get_remote_ip_and_port(ip, port);
            spdlog::warn("event=request_timeout request_id={} peer={} route={} ms={}", tl_request.id, ip,
                         tl_request.route.empty() ? "-" : tl_request.route,
                         std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - tl_request.started)
                             .count());
            break;
        }
        // Unread body bytes would be taken for the next request: answer, drain, close.
        if (ok && tl_request.body_pending) {
            linger = true;
            break;
        }
        if (!ok || closed) break;
    }
    if (linger) strm.linger();
    tl_request = RequestScope{};
}

std::unique_ptr<httplib::Server> make_plain_server(const TransportLimits& limits) {
    return std::make_unique<GuardedServer>(limits);
}

}  // namespace pd::server
