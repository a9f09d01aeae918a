#include "ops/slow_clients.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <memory>

namespace pd::ops {

namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;
    bool open = false;
};

int connect_from(const std::string& source, int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (!source.empty()) {
        sockaddr_in s{};
        s.sin_family = AF_INET;
        ::inet_pton(AF_INET, source.c_str(), &s.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s) != 0) {
            ::close(fd);
            return -1;
        }
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(std::uint16_t(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    timeval tv{2, 0};   // a read or write never blocks the attack for long
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

bool send_all(Conn& c, const std::string& bytes) {
    if (c.ssl) return SSL_write(c.ssl, bytes.data(), int(bytes.size())) == int(bytes.size());
    return ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
}

// Reads what is there (the socket is non-blocking by now); false when the server closed the
// connection or it failed. TLS 1.3 session tickets make the socket readable without any
// application data: that is not a close.
bool read_some(Conn& c, std::string* got) {
    char buf[512];
    for (;;) {
        const int n = c.ssl ? SSL_read(c.ssl, buf, sizeof buf) : int(::recv(c.fd, buf, sizeof buf, 0));
        if (n > 0) {
            if (got->size() < 200) got->append(buf, size_t(n));
            continue;
        }
        if (c.ssl) {
            const int e = SSL_get_error(c.ssl, n);
            ERR_clear_error();
            return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

}  // namespace

int SlowClientsResult::closed() const {
    return int(std::count_if(closed_at_s.begin(), closed_at_s.end(), [](double t) { return t >= 0; }));
}

int SlowClientsResult::answered_with(const std::string& prefix) const {
    return int(std::count_if(answers.begin(), answers.end(),
                             [&](const std::string& a) { return a.rfind(prefix, 0) == 0; }));
}

double SlowClientsResult::last_close_s() const {
    double t = -1;
    for (double c : closed_at_s) t = std::max(t, c);
    return t;
}

void SlowClients::start(const SlowClientsOptions& o) {
    // SSL_write has no MSG_NOSIGNAL: a drip written as nginx closes the connection (its header
    // timeout and the drip both fall at 10 s) raised SIGPIPE and killed the test process (seen
    // once under ASan, where the timing shifts). A closed connection is a result here, not an
    // end: SSL_write then fails with EPIPE and the connection counts as closed.
    std::signal(SIGPIPE, SIG_IGN);
    thread_ = std::thread([this, o] {
        SlowClientsResult& r = result_;
        std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
        std::vector<Conn> conns(size_t(o.sockets));
        r.closed_at_s.assign(conns.size(), -1);
        r.answers.assign(conns.size(), "");
        const auto t0 = Clock::now();
        const auto now_s = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
        for (auto& c : conns) {
            c.fd = connect_from(o.source, o.port);
            if (c.fd < 0) continue;
            if (o.tls) {
                c.ssl = SSL_new(ctx.get());
                SSL_set_fd(c.ssl, c.fd);
                if (SSL_connect(c.ssl) != 1) {
                    SSL_free(c.ssl);
                    c.ssl = nullptr;
                    ::close(c.fd);
                    c.fd = -1;
                    continue;
                }
            }
            c.open = send_all(c, o.opening);
            if (c.open) ++r.connected;
            ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        }
        if (r.connected == 0) r.error = "no attack socket could connect to port " + std::to_string(o.port);
        double next_drip = o.drip_every_s;
        while (now_s() < o.seconds) {
            std::vector<pollfd> pfds;
            std::vector<size_t> which;
            for (size_t i = 0; i < conns.size(); ++i)
                if (conns[i].open) {
                    pfds.push_back({conns[i].fd, POLLIN, 0});
                    which.push_back(i);
                }
            const double until = std::min(next_drip, o.seconds) - now_s();
            ::poll(pfds.data(), pfds.size(), std::max(0, std::min(200, int(until * 1000))));
            for (size_t k = 0; k < pfds.size(); ++k) {
                if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                Conn& c = conns[which[k]];
                if (!read_some(c, &r.answers[which[k]])) {
                    c.open = false;
                    r.closed_at_s[which[k]] = now_s();
                }
            }
            if (now_s() >= next_drip) {
                for (size_t i = 0; i < conns.size(); ++i)
                    if (conns[i].open && !send_all(conns[i], "x")) {
                        conns[i].open = false;
                        r.closed_at_s[i] = now_s();
                    }
                next_drip += o.drip_every_s;
            }
        }
        for (auto& c : conns) {
            if (c.ssl) SSL_free(c.ssl);
            if (c.fd >= 0) ::close(c.fd);
        }
    });
}

SlowClientsResult SlowClients::result() {
    if (thread_.joinable()) thread_.join();
    return result_;
}

}  // namespace pd::ops
