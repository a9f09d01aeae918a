// HttpServer: API v1 (docs/api.md) over cpp-httplib, on top of the services (services.h).
//
// Every route is registered once (http_routes.cpp) with its pattern, the roles it admits
// (auth.h) and the body it takes. Before cpp-httplib reads a body, the gate looks at the
// request line and headers alone: an unknown route (404), a missing, unknown or revoked token
// (401), a role the route does not admit (403), a body on a route that takes none, a
// Content-Length over the route's own limit (413) or the wrong media type (415) are answered
// there, and the connection is closed instead of the body read (issue 9, item 3). The handler
// then reads the body itself, within the same limit (chunked bodies too), whatever the
// Content-Type says: a JSON route's body is JSON (`curl -d` sends form data, item 15).
//
// One error path: services return ServiceErrors, the API layer throws them (api_json.h), the
// route wrapper maps each Refusal to a status and writes the JSON error body with the request
// id; internal failures are logged under that id and never shown (item 12). One record():
// metrics and the log line of every response, httplib's own errors included, made before the
// response is written.
//
// Lifecycle: bind() (port 0 picks a free one) -> run() blocks serving -> stop() from any
// thread (a signal handler thread in photodeskd) stops accepting and returns from run() once
// the requests in flight have been answered. Connections follow http_transport.h.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/services.h"

namespace httplib {
class Server;
class ContentReader;
struct Request;
struct Response;
}  // namespace httplib

namespace pd::server {

// What a route's handler works with: the request, the response, the authenticated caller,
// and the body, read on demand within the route's limit.
class Call {
public:
    Call(const httplib::Request& req, httplib::Response& res, Caller caller, const httplib::ContentReader* reader,
         std::size_t limit, int max_json_depth);

    const httplib::Request& req;
    httplib::Response& res;
    const Caller caller;

    // The body as a JSON object (parse_body); an empty body counts as {} when allowed.
    nlohmann::json json(bool empty_is_object = false);
    struct Part {
        std::string content;
        std::string filename;
    };
    // The parts of a multipart/form-data body by name (the first of each name).
    std::map<std::string, Part> multipart();

    void send(int status, nlohmann::json body);   // stamps api_version

private:
    std::string read_all();
    const httplib::ContentReader* reader_;
    std::size_t limit_;
    int max_json_depth_;
};

class HttpServer {
public:
    explicit HttpServer(Services& services);
    ~HttpServer();

    // HOST:PORT; returns the bound port. TLS when the settings name a certificate and key.
    Result<int> bind(const std::string& listen);
    void run();
    // Safe at any time, also before run() or while run() is starting: a stop that arrives
    // before cpp-httplib is listening makes run() return at once instead of being lost.
    void stop();

private:
    enum class Body { none, json, upload };
    struct Route {
        std::string method;   // GET or POST
        std::regex pattern;
        std::string name;     // the pattern as logged and counted: "/v1/submissions/{id}"
        Access access;
        Body body;
        std::function<void(Call&)> handler;
    };

    void install_gate();     // the gate, the error handler and the logger
    void install_routes();   // http_routes.cpp
    void add(const std::string& method, const std::string& pattern, std::string name, Access access, Body body,
             std::function<void(Call&)> handler);
    const Route* match(const httplib::Request& req) const;
    std::size_t body_limit(Body body) const;
    // Decides from the request line and headers alone; a refusal is answered before the body.
    std::optional<ServiceError> admit(const httplib::Request& req);
    void serve(const Route& route, const httplib::Request& req, httplib::Response& res,
               const httplib::ContentReader* reader);
    void record(const httplib::Request& req, const httplib::Response& res);

    Services& svc_;
    Metrics metrics_;
    std::unique_ptr<httplib::Server> http_;
    std::vector<std::unique_ptr<Route>> routes_;   // registration order is match order
    // run() and stop() run on different threads (a signal's): see stop().
    std::atomic<bool> run_entered_{false}, run_returned_{false}, stop_requested_{false};
};

// The status of each kind of refusal (docs/api.md, "Errors").
int http_status(Refusal kind);

}  // namespace pd::server
