// The transport under cpp-httplib 0.11 (Debian's libcpp-httplib): how photodeskd reads
// requests off a connection, so that no client can hold a request thread longer than the
// limits of config/server.toml allow, whatever it sends (issue 9, item 2).
//
// cpp-httplib serves each connection on one thread of its pool and reads with a timeout per
// recv(): a client sending a byte every few seconds keeps its thread forever. Here every
// connection of the plain and the TLS server goes through IoStream instead of cpp-httplib's
// socket stream (by overriding Server::process_and_close_socket):
//   - a request's headers must arrive within [http] header_timeout_s of its first byte, and
//     its body within request_timeout_s; each recv still waits at most read_timeout_s;
//   - between requests a keep-alive connection waits keep_alive_timeout_s;
//   - a request answered before its body was read (a 401, 413 or 404 decided from the
//     headers) closes the connection after the answer, draining unread bytes for at most
//     linger_s so the client reads the answer instead of a reset;
//   - a stop (SIGTERM) ends connections between requests and cuts requests still sending
//     their headers; a request being answered is finished.
// The same thread then calls cpp-httplib's own request parsing and routing
// (Server::process_request), unchanged.
//
// RequestScope is what the HTTP layer (http_server.cpp) and the transport share about the
// request a thread serves: thread_local, reset by the transport before each request.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace pd::server {

struct TransportLimits {
    int header_timeout_s = 10;
    int request_timeout_s = 120;
    int read_timeout_s = 30;
    int write_timeout_s = 30;
    int keep_alive_timeout_s = 5;
    std::size_t keep_alive_max_count = 100;
    int linger_s = 2;
};

struct RequestScope {
    std::string id;                                  // request id, also in the response header
    std::chrono::steady_clock::time_point started;
    std::string route;                               // the route's pattern; "" before routing
    std::string user;                                // who, once authenticated
    std::size_t bytes_in = 0;                        // body bytes read
    bool body_pending = false;   // a body was announced and not (fully) read yet
    bool timed_out = false;      // a deadline cut the request
};

// The request the calling thread is serving (valid inside cpp-httplib's handlers).
RequestScope& current_request();

// An HTTP server (TLS when `cert` and `key` are set) whose connections follow the limits
// above; empty with *error set when the certificate or key is refused.
std::unique_ptr<httplib::Server> make_guarded_server(const TransportLimits& limits, const std::string& cert,
                                                     const std::string& key, std::string* error);

// [SECTION] internal: the stream both servers read through (http_transport*.cpp)

using SteadyClock = std::chrono::steady_clock;

class IoStream : public httplib::Stream {
public:
    IoStream(int fd, const TransportLimits& limits, const httplib::Server& server);

    // Waits for the first byte of the next request; false when the connection stays idle
    // past keep_alive_timeout_s, the peer left, or the server is stopping.
    bool wait_next_request();
    void begin_request();   // starts the header and request deadlines
    void headers_done();    // from here the request deadline applies
    // After an answer sent without reading the body: stop sending, drain for linger_s.
    void linger();

    bool is_readable() const override;
    bool is_writable() const override;
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return fd_; }

protected:
    // Reads at most n bytes, waiting until `deadline`: > 0 bytes, 0 at the end of the stream,
    // -1 on an error or when the deadline passed.
    virtual ssize_t raw_read(char* buf, size_t n, SteadyClock::time_point deadline) = 0;
    virtual ssize_t raw_write(const char* buf, size_t n, SteadyClock::time_point deadline) = 0;
    virtual bool has_pending() const { return false; }   // decrypted bytes waiting (TLS)
    virtual void close_write() { ::shutdown(fd_, SHUT_WR); }

    // Polls fd for `events` until `deadline`, in short slices so that a stop is noticed
    // while headers are awaited. Marks the request timed out when its own deadline passed.
    bool wait_fd(short events, SteadyClock::time_point deadline) const;
    SteadyClock::time_point read_deadline() const;

    int fd_;
    const TransportLimits& limits_;
    const httplib::Server& server_;

private:
    SteadyClock::time_point phase_deadline_{};   // headers, then the whole request
    bool in_headers_ = false;
    char buf_[16 * 1024];
    size_t off_ = 0, len_ = 0;
};

// The plain-HTTP server (make_guarded_server without a certificate).
std::unique_ptr<httplib::Server> make_plain_server(const TransportLimits& limits);

// The loop both servers run on a connection: requests until the client or a limit ends it.
// `process(stream, close_connection, connection_closed)` is Server::process_request.
void serve_connection(IoStream& strm, const TransportLimits& limits,
                      const std::function<bool(httplib::Stream&, bool, bool&)>& process);

}  // namespace pd::server
