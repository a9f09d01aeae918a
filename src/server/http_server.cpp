// HttpServer (http_server.h): binding, the gate before the body, the route wrapper, errors,
// the logger. The routes themselves are in http_routes.cpp.
#include "server/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <thread>

#include "server/api_json.h"
#include "server/http_transport.h"

namespace pd::server {

using nlohmann::json;
using Req = httplib::Request;
using Res = httplib::Response;

namespace {

// What the gate decided for the request this thread serves (the handler runs on the same
// thread right after it); valid while `request_id` is the current request's.
struct Admission {
    std::string request_id;
    Caller caller;
};
thread_local Admission tl_admission;

// Multipart bodies carry part headers and boundaries besides the photo and the meta.
constexpr std::size_t kMultipartSlack = 64 * 1024;

bool announces_body(const Req& req) {
    return req.has_header("Transfer-Encoding") ||
           (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
}

void write_error(Res& res, const ServiceError& e) {
    auto& scope = current_request();
    std::string message = e.message;
    if (e.log_only) {
        // Paths, SQL and library messages stay in the log, under the id the client gets.
        spdlog::error("event=error request_id={} route={} code={} detail=\"{}\"", scope.id,
                      scope.route.empty() ? "-" : scope.route, e.code, e.message);
        message = e.kind == Refusal::unavailable
                      ? "the service is unavailable; the server's log has the details under request_id " + scope.id
                      : "internal error; the server's log has the details under request_id " + scope.id;
    }
    json err = {{"code", e.code}, {"message", message}, {"request_id", scope.id}};
    if (!e.field.empty()) err["field"] = e.field;
    for (const auto& [k, v] : e.extra.items()) err[k] = v;
    res.status = http_status(e.kind);
    res.set_content(json{{"api_version", kApiVersion}, {"error", err}}.dump(), "application/json");
}

std::optional<std::size_t> content_length(const Req& req) {
    if (!req.has_header("Content-Length")) return std::nullopt;
    const std::string v = req.get_header_value("Content-Length");
    if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
        return std::numeric_limits<std::size_t>::max();
    return std::stoull(v);
}

}  // namespace

int http_status(Refusal kind) {
    switch (kind) {
        case Refusal::malformed: return 400;
        case Refusal::unauthorized: return 401;
        case Refusal::forbidden: return 403;
        case Refusal::not_found: return 404;
        case Refusal::timeout: return 408;
        case Refusal::conflict: return 409;
        case Refusal::too_large: return 413;
        case Refusal::unsupported: return 415;
        case Refusal::rule: return 422;
        case Refusal::unavailable: return 503;
        case Refusal::internal: return 500;
    }
    return 500;
}

// [SECTION] Call

Call::Call(const Req& r, Res& s, Caller c, const httplib::ContentReader* reader, std::size_t limit,
           int max_json_depth)
    : req(r), res(s), caller(std::move(c)), reader_(reader), limit_(limit), max_json_depth_(max_json_depth) {}

std::string Call::read_all() {
    auto& scope = current_request();
    std::string body;
    if (!reader_ || !scope.body_pending) return body;
    bool over = false;
    const bool ok = (*reader_)([&](const char* data, size_t n) {
        if (body.size() + n > limit_) {
            over = true;
            return false;
        }
        body.append(data, n);
        return true;
    });
    scope.bytes_in = body.size();
    if (over)
        reject(refusal(Refusal::too_large, "payload_too_large",
                       "body over the limit of " + std::to_string(limit_) + " bytes"));
    if (!ok) {
        if (scope.timed_out)
            reject(refusal(Refusal::timeout, "request_timeout", "the request body did not arrive in time"));
        reject(refusal(Refusal::malformed, "invalid_body", "the request body is incomplete or malformed"));
    }
    scope.body_pending = false;
    return body;
}

nlohmann::json Call::json(bool empty_is_object) {
    const std::string body = read_all();
    if (body.empty() && empty_is_object) return nlohmann::json::object();
    return parse_body(body, max_json_depth_);
}

std::map<std::string, Call::Part> Call::multipart() {
    auto& scope = current_request();
    std::map<std::string, Part> parts;
    if (!reader_ || !scope.body_pending) return parts;
    std::size_t total = 0;
    bool over = false;
    Part* current = nullptr;
    Part ignored;
    const bool ok = (*reader_)(
        [&](const httplib::MultipartFormData& file) {
            auto [it, fresh] = parts.try_emplace(file.name);
            current = fresh ? &it->second : &ignored;   // the first part of each name counts
            current->filename = file.filename;
            current->content.clear();
            return true;
        },
        [&](const char* data, size_t n) {
            total += n;
            if (total > limit_) {
                over = true;
                return false;
            }
            if (current) current->content.append(data, n);
            return true;
        });
    scope.bytes_in = total;
    if (over)
        reject(refusal(Refusal::too_large, "payload_too_large", "upload over the limit of " + std::to_string(limit_) + " bytes"));
    if (!ok) {
        if (scope.timed_out)
            reject(refusal(Refusal::timeout, "request_timeout", "the upload did not arrive in time"));
        reject(refusal(Refusal::malformed, "invalid_body", "the multipart body is incomplete or malformed"));
    }
    scope.body_pending = false;
    return parts;
}

void Call::send(int status, nlohmann::json body) {
    body["api_version"] = kApiVersion;
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

// [SECTION] lifecycle

HttpServer::HttpServer(Services& services) : svc_(services) {}
HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        return make_error(ErrorCode::InvalidArgument, "--listen '" + listen + "': expected HOST:PORT");
    const std::string host = listen.substr(0, colon);
    const std::string port_s = listen.substr(colon + 1);
    if (port_s.empty() || port_s.size() > 5 || port_s.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port_s) > 65535)
        return make_error(ErrorCode::InvalidArgument, "--listen '" + listen + "': bad port");
    const int port = std::stoi(port_s);

    const auto& s = svc_.ctx.settings();
    if (!s.tls_cert.empty())
        for (const auto& f : {s.tls_cert, s.tls_key})
            if (!std::ifstream(f)) return make_error(ErrorCode::NotFound, "TLS file " + f + " cannot be read");
    TransportLimits limits;
    limits.header_timeout_s = s.header_timeout_s;
    limits.request_timeout_s = s.request_timeout_s;
    limits.read_timeout_s = s.read_timeout_s;
    limits.write_timeout_s = s.read_timeout_s;
    limits.keep_alive_timeout_s = s.keep_alive_timeout_s;
    limits.keep_alive_max_count = std::size_t(s.keep_alive_max_count);
    limits.linger_s = s.linger_s;
    std::string error;
    http_ = make_guarded_server(limits, s.tls_cert, s.tls_key, &error);
    if (!http_) return make_error(ErrorCode::ConfigInvalid, error);
    const int threads = s.threads;
    http_->new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    http_->set_tcp_nodelay(true);
    http_->set_keep_alive_max_count(size_t(s.keep_alive_max_count));
    http_->set_keep_alive_timeout(s.keep_alive_timeout_s);
    http_->set_read_timeout(s.read_timeout_s, 0);
    // A backstop only: every route reads its own body within its own limit (body_limit()).
    http_->set_payload_max_length(body_limit(Body::upload));
    http_->set_default_headers({{"PhotoDesk-API", std::to_string(kApiVersion)}});
    install_gate();
    install_routes();

    int bound = 0;
    if (port == 0) {
        bound = http_->bind_to_any_port(host);
        if (bound <= 0) return make_error(ErrorCode::Unavailable, "cannot listen on " + host + " (any port)");
    } else {
        if (!http_->bind_to_port(host, port))
            return make_error(ErrorCode::Unavailable, "cannot listen on " + listen + " (in use, or the address is not local)");
        bound = port;
    }
    return bound;
}

void HttpServer::run() {
    run_entered_ = true;
    if (!stop_requested_) http_->listen_after_bind();
    run_returned_ = true;
}

// cpp-httplib's stop() does nothing until its listen loop has started, so a signal that
// arrives between bind() and the loop's start would be lost and the process would serve on.
// Every flag is seq_cst: either run() sees stop_requested_ and never listens, or this sees
// run_entered_ and waits for the loop to start (or for run() to return) before stopping it.
void HttpServer::stop() {
    if (!http_) return;
    stop_requested_ = true;
    while (run_entered_ && !run_returned_ && !http_->is_running())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    http_->stop();
}

// [SECTION] routes and the gate

std::size_t HttpServer::body_limit(Body body) const {
    const auto& s = svc_.ctx.settings();
    switch (body) {
        case Body::none: return 0;
        case Body::json: return std::size_t(s.max_json_bytes);
        case Body::upload: return std::size_t(s.max_upload_bytes) + std::size_t(s.max_json_bytes) + kMultipartSlack;
    }
    return 0;
}

void HttpServer::add(const std::string& method, const std::string& pattern, std::string name, Access access,
                     Body body, std::function<void(Call&)> handler) {
    routes_.push_back(std::make_unique<Route>(Route{method, std::regex(pattern), std::move(name), access, body,
                                                    std::move(handler)}));
    const Route& r = *routes_.back();
    if (method == "GET")
        http_->Get(pattern, [this, &r](const Req& req, Res& res) { serve(r, req, res, nullptr); });
    else
        http_->Post(pattern, [this, &r](const Req& req, Res& res, const httplib::ContentReader& reader) {
            serve(r, req, res, &reader);
        });
}

const HttpServer::Route* HttpServer::match(const Req& req) const {
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    for (const auto& r : routes_)
        if (r->method == method && std::regex_match(req.path, r->pattern)) return r.get();
    return nullptr;
}

std::optional<ServiceError> HttpServer::admit(const Req& req) {
    auto& scope = current_request();
    if (tl_admission.request_id == scope.id) return std::nullopt;   // admitted before 100-continue
    scope.body_pending = announces_body(req);
    const Route* route = match(req);
    if (!route) return refusal(Refusal::not_found, "not_found", "no route " + req.method + " " + req.path);
    scope.route = route->name;

    Caller caller;
    if (route->access != Access::open) {
        const std::string auth = req.get_header_value("Authorization");
        if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7)
            return refusal(Refusal::unauthorized, "unauthorized", "send Authorization: Bearer TOKEN");
        auto user = svc_.auth.authenticate(auth.substr(7));
        if (!user) return user.error();
        caller = {user->name, user->role};
        scope.user = caller.name;
        if (!role_allows(caller.role, route->access))
            return refusal(Refusal::forbidden, "forbidden",
                           std::string("role '") + storage::to_string(caller.role) + "' may not call " + req.method +
                               " " + route->name);
    }

    const std::size_t limit = body_limit(route->body);
    const auto length = content_length(req);
    if (route->body == Body::none && scope.body_pending)
        return refusal(Refusal::too_large, "payload_too_large", req.method + " " + route->name + " takes no body");
    if (length && *length > limit)
        return refusal(Refusal::too_large, "payload_too_large",
                       "body of " + std::to_string(*length) + " bytes, over the limit of " + std::to_string(limit));
    if (route->body == Body::json && req.is_multipart_form_data())
        return refusal(Refusal::unsupported, "unsupported_media_type", "send the body as JSON, not multipart/form-data");
    if (route->body == Body::upload && !req.is_multipart_form_data())
        return refusal(Refusal::unsupported, "unsupported_media_type",
                       "send multipart/form-data with parts 'meta' and 'photo'");
    tl_admission = {scope.id, caller};
    return std::nullopt;
}

void HttpServer::serve(const Route& route, const Req& req, Res& res, const httplib::ContentReader* reader) {
    try {
        if (tl_admission.request_id != current_request().id)   // the gate always runs first
            if (auto refused = admit(req)) reject(*refused);
        Call call(req, res, tl_admission.caller, reader, body_limit(route.body), svc_.ctx.settings().max_json_depth);
        route.handler(call);
    } catch (const RequestError& e) {
        write_error(res, e.error);
    } catch (const std::exception& e) {
        write_error(res, store_failure(make_error(ErrorCode::Internal, e.what())));
    }
    if (res.status == -1) res.status = 200;   // cpp-httplib would fill it in only after writing
    record(req, res);
}

// Metrics and the log line of one response, before it is written (a client reading /metrics
// right after its answer finds it counted). Route patterns, never raw paths, so no ID number
// reaches either.
void HttpServer::record(const Req& req, const Res& res) {
    const auto& scope = current_request();
    const std::string route = scope.route.empty() ? "unmatched" : scope.route;
    const double sec = std::chrono::duration<double>(SteadyClock::now() - scope.started).count();
    metrics_.observe_request(route, res.status, sec);
    spdlog::info("event=request method={} route={} status={} ms={:.1f} user={} bytes_in={} request_id={}", req.method,
                 route, res.status, sec * 1000, scope.user.empty() ? "-" : scope.user, scope.bytes_in, scope.id);
}

void HttpServer::install_gate() {
    // Before the body: the request line and headers decide (see admit()).
    http_->set_pre_routing_handler([this](const Req& req, Res& res) {
        res.set_header("PhotoDesk-Request-Id", current_request().id);
        auto refused = admit(req);
        if (!refused) return httplib::Server::HandlerResponse::Unhandled;
        write_error(res, *refused);
        record(req, res);
        return httplib::Server::HandlerResponse::Handled;
    });
    // A client that asks first (Expect: 100-continue) gets the same answer instead of "100".
    http_->set_expect_100_continue_handler([this](const Req& req, Res& res) {
        auto refused = admit(req);
        if (!refused) return 100;
        res.set_header("PhotoDesk-Request-Id", current_request().id);
        write_error(res, *refused);
        record(req, res);
        return res.status;
    });
    // Errors cpp-httplib produces itself (a malformed request line, a header too long).
    http_->set_error_handler(httplib::Server::HandlerWithResponse([this](const Req& req, Res& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const int status = res.status;
        write_error(res, refusal(status == 404 ? Refusal::not_found : status == 413 ? Refusal::too_large
                                                                                     : Refusal::malformed,
                                 status == 404 ? "not_found" : status == 413 ? "payload_too_large" : "invalid_request",
                                 status == 413 ? "request over the server's limit" : "malformed HTTP request"));
        res.status = status;
        if (!res.has_header("PhotoDesk-Request-Id")) res.set_header("PhotoDesk-Request-Id", current_request().id);
        record(req, res);
        return httplib::Server::HandlerResponse::Handled;
    }));
}

}  // namespace pd::server
