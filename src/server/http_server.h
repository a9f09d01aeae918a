// HttpServer: API v1 (docs/api.md) over cpp-httplib, on top of ReviewService. Every route is
// registered through one wrapper that authenticates the bearer token, checks the role against
// the route's Access (auth.h), turns ApiError into the JSON error body, stamps the API version,
// records metrics and writes one structured log line (route pattern, never the raw path, so no
// ID number reaches the log).
//
// Lifecycle: bind() (port 0 picks a free one) -> run() blocks serving -> stop() from any
// thread (a signal handler thread in photodeskd) stops accepting and returns from run() once
// the requests in flight have been answered.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "server/metrics.h"
#include "server/review_service.h"

namespace httplib {
class Server;
}

namespace pd::server {

class HttpServer {
public:
    explicit HttpServer(ReviewService& service);
    ~HttpServer();

    // HOST:PORT; returns the bound port. TLS when the settings name a certificate and key.
    Result<int> bind(const std::string& listen);
    void run();
    void stop();

private:
    void install_routes();

    ReviewService& svc_;
    Metrics metrics_;
    std::unique_ptr<httplib::Server> http_;
};

}  // namespace pd::server
