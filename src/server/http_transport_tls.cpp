// The TLS server of http_transport.h: the same connection loop over OpenSSL on a non-blocking
// socket, so that the handshake, like a request's headers, must finish within [http]
// header_timeout_s. cpp-httplib's SSLServer still loads the certificate and owns the SSL_CTX.
//
// libssl's functions are looked up at start (LibSsl) rather than linked: pd_server links
// libcrypto only, and libssl is already in the process as libcpp-httplib's dependency. Once
// src/CMakeLists.txt links OpenSSL::SSL into pd_server, LibSsl can become direct calls.
#include <dlfcn.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <type_traits>

#include "server/http_transport.h"

namespace pd::server {

namespace {

struct LibSsl {
    decltype(&::SSL_new) new_ = nullptr;
    decltype(&::SSL_free) free_ = nullptr;
    decltype(&::SSL_set_fd) set_fd = nullptr;
    decltype(&::SSL_accept) accept = nullptr;
    decltype(&::SSL_read) read = nullptr;
    decltype(&::SSL_write) write = nullptr;
    decltype(&::SSL_get_error) get_error = nullptr;
    decltype(&::SSL_pending) pending = nullptr;
    decltype(&::SSL_shutdown) shutdown = nullptr;
    decltype(&::SSL_ctrl) ctrl = nullptr;

    // Null when a function is missing (TLS is then refused at start).
    static const LibSsl* get() {
        static const LibSsl lib = [] {
            LibSsl l;
            auto find = [](auto& fn, const char* name) { fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(RTLD_DEFAULT, name)); };
            find(l.new_, "SSL_new");
            find(l.free_, "SSL_free");
            find(l.set_fd, "SSL_set_fd");
            find(l.accept, "SSL_accept");
            find(l.read, "SSL_read");
            find(l.write, "SSL_write");
            find(l.get_error, "SSL_get_error");
            find(l.pending, "SSL_pending");
            find(l.shutdown, "SSL_shutdown");
            find(l.ctrl, "SSL_ctrl");
            return l;
        }();
        const bool complete = lib.new_ && lib.free_ && lib.set_fd && lib.accept && lib.read && lib.write &&
                              lib.get_error && lib.pending && lib.shutdown && lib.ctrl;
        return complete ? &lib : nullptr;
    }
};

const LibSsl& ssl_lib() { return *LibSsl::get(); }   // checked in make_guarded_server

class TlsStream final : public IoStream {
public:
    TlsStream(int fd, SSL* ssl, const TransportLimits& limits, const httplib::Server& server)
        : IoStream(fd, limits, server), ssl_(ssl) {}

    bool handshake() {
        const auto deadline = SteadyClock::now() + std::chrono::seconds(limits_.header_timeout_s);
        for (;;) {
            ERR_clear_error();
            const int rc = ssl_lib().accept(ssl_);
            if (rc == 1) return true;
            if (!wait_for(ssl_lib().get_error(ssl_, rc), deadline)) return false;
        }
    }

private:
    // After a want-read / want-write: waits for the socket; false on any other error.
    bool wait_for(int ssl_error, SteadyClock::time_point deadline) {
        if (ssl_error == SSL_ERROR_WANT_READ) return wait_fd(POLLIN, deadline);
        if (ssl_error == SSL_ERROR_WANT_WRITE) return wait_fd(POLLOUT, deadline);
        return false;
    }
    ssize_t raw_read(char* buf, size_t n, SteadyClock::time_point deadline) override {
        for (;;) {
            ERR_clear_error();
            const int r = ssl_lib().read(ssl_, buf, int(std::min<size_t>(n, 1 << 30)));
            if (r > 0) return r;
            const int e = ssl_lib().get_error(ssl_, r);
            if (e == SSL_ERROR_ZERO_RETURN) return 0;
            if (!wait_for(e, deadline)) return -1;
        }
    }
    ssize_t raw_write(const char* buf, size_t n, SteadyClock::time_point deadline) override {
        for (;;) {
            ERR_clear_error();
            const int r = ssl_lib().write(ssl_, buf, int(std::min<size_t>(n, 1 << 30)));
            if (r > 0) return r;
            if (!wait_for(ssl_lib().get_error(ssl_, r), deadline)) return -1;
        }
    }
    bool has_pending() const override { return ssl_lib().pending(ssl_) > 0; }
    void close_write() override {
        ssl_lib().shutdown(ssl_);   // one close_notify, without waiting for the peer's
        ::shutdown(fd_, SHUT_WR);
    }

    SSL* ssl_;
};

class GuardedSslServer final : public httplib::SSLServer {
public:
    GuardedSslServer(const std::string& cert, const std::string& key, const TransportLimits& limits)
        : httplib::SSLServer(cert.c_str(), key.c_str()), limits_(limits) {}

private:
    bool process_and_close_socket(socket_t sock) override {
        SSL* ssl = ssl_lib().new_(ssl_context());
        if (ssl) {
            ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
            ssl_lib().set_fd(ssl, sock);
            ssl_lib().ctrl(ssl, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, nullptr);
            TlsStream strm(sock, ssl, limits_, *this);
            if (strm.handshake()) {
                serve_connection(strm, limits_, [&](httplib::Stream& s, bool close, bool& closed) {
                    return process_request(s, close, closed, [&](httplib::Request& req) {
                        req.ssl = ssl;
                        strm.headers_done();
                    });
                });
                ERR_clear_error();
                ssl_lib().shutdown(ssl);
            }
            ssl_lib().free_(ssl);
        }
        ::shutdown(sock, SHUT_RDWR);
        ::close(sock);
        return true;
    }

    TransportLimits limits_;
};

}  // namespace

std::unique_ptr<httplib::Server> make_guarded_server(const TransportLimits& limits, const std::string& cert,
                                                     const std::string& key, std::string* error) {
    if (cert.empty()) return make_plain_server(limits);
    if (!LibSsl::get()) {
        *error = "TLS: libssl's functions are not available in this process";
        return nullptr;
    }
    auto ssl = std::make_unique<GuardedSslServer>(cert, key, limits);
    if (!ssl->is_valid()) {
        *error = "TLS certificate " + cert + " / key " + key + " rejected by OpenSSL";
        return nullptr;
    }
    return ssl;
}

}  // namespace pd::server
