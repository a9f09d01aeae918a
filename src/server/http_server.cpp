#include "server/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <limits>
#include <optional>

#include "server/api_error.h"
#include "server/api_json.h"
#include "server/auth.h"

namespace pd::server {

using nlohmann::json;
using Req = httplib::Request;
using Res = httplib::Response;

namespace {

void send_json(Res& res, int status, json body) {
    body["api_version"] = kApiVersion;
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void send_error(Res& res, const ApiError& e) {
    json err = {{"code", e.code}, {"message", e.what()}};
    if (!e.field.empty()) err["field"] = e.field;
    for (const auto& [k, v] : e.extra.items()) err[k] = v;
    send_json(res, e.status, {{"error", err}});
}

std::int64_t path_id(const Req& req, int group, const char* what) {
    const std::string s = req.matches[group];
    std::int64_t v = 0;
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos ||
        (v = std::stoll(s)) < 1)
        fail(400, "invalid_id", std::string(what) + " '" + s + "' is not a positive integer");
    return v;
}

std::int64_t query_int(const Req& req, const char* key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) {
    if (!req.has_param(key)) return fallback;
    const std::string s = req.get_param_value(key);
    const bool neg = !s.empty() && s[0] == '-';
    const std::string digits = neg ? s.substr(1) : s;
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
        fail(400, "invalid_field", std::string(key) + ": '" + s + "' is not an integer", key);
    const std::int64_t v = neg ? -std::stoll(digits) : std::stoll(digits);
    if (v < lo || v > hi)
        fail(400, "invalid_field",
             std::string(key) + ": must be within " + std::to_string(lo) + ".." + std::to_string(hi), key);
    return v;
}

std::string query_str(const Req& req, const char* key) {
    return req.has_param(key) ? req.get_param_value(key) : std::string();
}

const char* status_text_code(int status) {
    switch (status) {
        case 400: return "invalid_json";
        case 401: return "unauthorized";
        case 403: return "forbidden";
        case 404: return "not_found";
        case 413: return "payload_too_large";
        case 415: return "unsupported_media_type";
        default: return status >= 500 ? "internal" : "error";
    }
}

}  // namespace

HttpServer::HttpServer(ReviewService& service) : svc_(service) {}
HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos)
        return make_error(ErrorCode::InvalidArgument, "--listen '" + listen + "': expected HOST:PORT");
    const std::string host = listen.substr(0, colon);
    const std::string port_s = listen.substr(colon + 1);
    if (port_s.empty() || port_s.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port_s) > 65535)
        return make_error(ErrorCode::InvalidArgument, "--listen '" + listen + "': bad port");
    const int port = std::stoi(port_s);

    const auto& s = svc_.settings();
    if (!s.tls_cert.empty()) {
        for (const auto& f : {s.tls_cert, s.tls_key})
            if (!std::ifstream(f))
                return make_error(ErrorCode::NotFound, "TLS file " + f + " cannot be read");
        auto ssl = std::make_unique<httplib::SSLServer>(s.tls_cert.c_str(), s.tls_key.c_str());
        if (!ssl->is_valid())
            return make_error(ErrorCode::ConfigInvalid,
                              "TLS certificate " + s.tls_cert + " / key " + s.tls_key + " rejected by OpenSSL");
        http_ = std::move(ssl);
    } else {
        http_ = std::make_unique<httplib::Server>();
    }
    const int threads = s.threads;
    http_->new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    http_->set_tcp_nodelay(true);
    http_->set_keep_alive_max_count(size_t(s.keep_alive_max_count));
    http_->set_keep_alive_timeout(s.keep_alive_timeout_s);
    http_->set_read_timeout(s.read_timeout_s, 0);
    http_->set_payload_max_length(size_t(std::max(s.max_upload_bytes, s.max_json_bytes)) + 64 * 1024);
    install_routes();

    int bound = 0;
    if (port == 0) {
        bound = http_->bind_to_any_port(host);
        if (bound <= 0) return make_error(ErrorCode::Unavailable, "cannot listen on " + host + " (any port)");
    } else {
        if (!http_->bind_to_port(host, port))
            return make_error(ErrorCode::Unavailable,
                              "cannot listen on " + listen + " (in use, or the address is not local)");
        bound = port;
    }
    return bound;
}

void HttpServer::run() { http_->listen_after_bind(); }

void HttpServer::stop() {
    if (http_) http_->stop();
}

void HttpServer::install_routes() {
    httplib::Server& H = *http_;
    ReviewService& S = svc_;
    Metrics& M = metrics_;
    const auto max_json = std::size_t(S.settings().max_json_bytes);

    using Handler = std::function<void(const Req&, Res&, const Caller&)>;
    enum class Body { none, json, upload };
    auto wrap = [&S, &M, max_json](std::string route, Access access, Body body, Handler h) {
        return [&S, &M, max_json, route, access, body, h](const Req& req, Res& res) {
            const auto t0 = std::chrono::steady_clock::now();
            Caller caller;
            try {
                if (access != Access::open) {
                    const std::string auth = req.get_header_value("Authorization");
                    if (auth.rfind("Bearer ", 0) != 0 || auth.size() <= 7)
                        fail(401, "unauthorized", "send Authorization: Bearer TOKEN");
                    const auto user = S.authenticate(auth.substr(7));
                    caller = {user.name, user.role};
                    if (!role_allows(user.role, access))
                        fail(403, "forbidden",
                             std::string("role '") + storage::to_string(user.role) + "' may not call " +
                                 req.method + " " + route);
                }
                if (body == Body::json && req.body.size() > max_json)
                    fail(413, "payload_too_large",
                         "body of " + std::to_string(req.body.size()) + " bytes, over the limit of " +
                             std::to_string(max_json));
                h(req, res, caller);
            } catch (const ApiError& e) {
                send_error(res, e);
            } catch (const std::exception& e) {
                send_error(res, ApiError(500, "internal", e.what()));
            }
            res.set_header("PhotoDesk-API", std::to_string(kApiVersion));
            const double sec =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            M.observe_request(route, res.status, sec);
            spdlog::info("event=request method={} route={} status={} ms={:.1f} user={} bytes_in={}",
                         req.method, route, res.status, sec * 1000, caller.name.empty() ? "-" : caller.name,
                         req.body.size());
        };
    };

    // Errors httplib produces itself (no route, body over the limit) get the JSON error body.
    H.set_error_handler(httplib::Server::HandlerWithResponse([](const Req& req, Res& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string msg = res.status == 404 ? "no route " + req.method + " " + req.path
                          : res.status == 413 ? "request body over the server's limit"
                                              : "request refused";
        send_error(res, ApiError(res.status, status_text_code(res.status), msg));
        res.set_header("PhotoDesk-API", std::to_string(kApiVersion));
        return httplib::Server::HandlerResponse::Handled;
    }));

    // [SECTION] open
    H.Get("/healthz", wrap("/healthz", Access::open, Body::none, [&S](const Req&, Res& res, const Caller&) {
        auto store = S.stores().acquire();
        auto probe = store->events_since(std::numeric_limits<std::int64_t>::max() - 1, 1);
        const bool ok = probe.ok();
        send_json(res, ok ? 200 : 503,
                  {{"status", ok ? "ok" : "unavailable"},
                   {"backend", store->backend()},
                   {"schema_version", store->schema_version()},
                   {"version", PD_VERSION}});
    }));
    // Only in-process counters: a scrape must not cost a table scan (queue figures are at
    // GET /v1/stats and GET /v1/sla).
    H.Get("/metrics", wrap("/metrics", Access::open, Body::none, [&M](const Req&, Res& res, const Caller&) {
        res.set_content(M.render(""), "text/plain; version=0.0.4");
    }));

    // [SECTION] any user
    H.Get("/v1/me", wrap("/v1/me", Access::any_user, Body::none, [](const Req&, Res& res, const Caller& c) {
        send_json(res, 200, {{"name", c.name}, {"role", storage::to_string(c.role)}});
    }));
    H.Get("/v1/reasons", wrap("/v1/reasons", Access::any_user, Body::none, [&S](const Req&, Res& res, const Caller&) {
        json list = json::array();
        for (const auto& r : S.reasons().all()) list.push_back(to_json(r));
        send_json(res, 200, {{"reasons", list}});
    }));

    // Workstations' status bars poll this; the service caches the answer ([queue] cache_seconds).
    H.Get("/v1/queue", wrap("/v1/queue", Access::any_user, Body::none, [&S](const Req&, Res& res, const Caller&) {
        send_json(res, 200, S.queue());
    }));

    // [SECTION] ingest
    H.Post("/v1/submissions", wrap("/v1/submissions", Access::ingest, Body::upload,
                                   [&S, &M](const Req& req, Res& res, const Caller& c) {
        if (!req.is_multipart_form_data())
            fail(415, "unsupported_media_type", "send multipart/form-data with parts 'meta' and 'photo'");
        if (!req.has_file("meta")) fail(400, "invalid_field", "meta: the part is missing", "meta");
        if (!req.has_file("photo")) fail(400, "invalid_field", "photo: the part is missing", "photo");
        const json meta = parse_body(req.get_file_value("meta").content);
        const Fields f(meta, "meta");
        storage::Student st;
        st.name = f.str("name");
        st.id_number = f.str("id_number");
        st.student_no = f.str("student_no");
        st.school = f.str("school");
        st.station = f.str_or("station", "");
        st.grade = f.str("grade");
        std::optional<std::int64_t> submitted_at;
        if (f.has("submitted_at")) {
            ReviewService::require_may_set_submitted_at(c);   // 403 before the value is read
            submitted_at = f.int_or("submitted_at", 0, std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max());
        }
        const std::string& photo = req.get_file_value("photo").content;
        try {
            auto r = S.ingest(c, st, {reinterpret_cast<const unsigned char*>(photo.data()), photo.size()},
                              submitted_at);
            M.count("photodesk_ingest_total", "result", "added");
            M.count("photodesk_ingest_analysis_total", "source", r.reused ? "reused" : "engine");
            json body = {{"status", "added"}, {"submission", to_json(r.submission, false)}};
            if (!r.spec_error.empty()) body["spec_error"] = r.spec_error;
            send_json(res, 201, body);
        } catch (const ApiError& e) {
            M.count("photodesk_ingest_total", "result", e.code);
            throw;
        }
    }));

    // [SECTION] items
    H.Get(R"(/v1/submissions/([^/]+))", wrap("/v1/submissions/{id}", Access::items, Body::none,
                                             [&S](const Req& req, Res& res, const Caller& c) {
        const auto s = S.submission(c, path_id(req, 1, "submission id"));
        send_json(res, 200, {{"submission", to_json(s, c.role == storage::Role::reviewer)}});
    }));
    H.Get(R"(/v1/submissions/([^/]+)/images/([^/]+))",
          wrap("/v1/submissions/{id}/images/{kind}", Access::items, Body::none,
               [&S](const Req& req, Res& res, const Caller& c) {
        std::string type, sha;
        auto bytes = S.image(c, path_id(req, 1, "submission id"), req.matches[2], &type, &sha);
        res.set_header("ETag", "\"" + sha + "\"");
        res.set_header("Cache-Control", "private, max-age=31536000, immutable");
        res.set_content(std::string(bytes.begin(), bytes.end()), type.c_str());
    }));

    // [SECTION] reviewer
    H.Post("/v1/leases/claim", wrap("/v1/leases/claim", Access::reviewer, Body::json,
                                    [&S](const Req& req, Res& res, const Caller& c) {
        const json body = req.body.empty() ? json::object() : parse_body(req.body);
        const auto items = S.claim(c, body);
        json list = json::array();
        for (const auto& s : items) list.push_back(to_json(s, true));
        send_json(res, 200, {{"items", list},
                             {"lease_seconds", Fields(body, "").int_or("lease_seconds", S.settings().lease_default_s,
                                                                       0, 1 << 30)}});
    }));
    H.Post("/v1/leases/renew", wrap("/v1/leases/renew", Access::reviewer, Body::json,
                                    [&S](const Req& req, Res& res, const Caller& c) {
        json list = json::array();
        for (const auto& l : S.renew(c, parse_body(req.body)))
            list.push_back({{"submission_id", l.submission_id}, {"expires_at", l.expires_at}});
        send_json(res, 200, {{"renewed", list}});
    }));
    H.Post("/v1/leases/release", wrap("/v1/leases/release", Access::reviewer, Body::json,
                                      [&S](const Req& req, Res& res, const Caller& c) {
        send_json(res, 200, {{"released", S.release(c, parse_body(req.body))}});
    }));
    H.Post("/v1/decisions", wrap("/v1/decisions", Access::reviewer, Body::json,
                                 [&S, &M](const Req& req, Res& res, const Caller& c) {
        json list = json::array();
        for (const auto& o : S.decide(c, parse_body(req.body))) {
            M.count("photodesk_decisions_total", "status", storage::to_string(o.status));
            list.push_back(to_json(o));
        }
        send_json(res, 200, {{"results", list}});
    }));

    // [SECTION] feeds, supervisors
    H.Get("/v1/events", wrap("/v1/events", Access::feed, Body::none, [&S](const Req& req, Res& res, const Caller&) {
        const auto& s = S.settings();
        send_json(res, 200,
                  S.events(query_int(req, "after", 0, 0, std::numeric_limits<std::int64_t>::max() / 2),
                           query_int(req, "limit", s.events_default_limit, 1, s.events_max_limit)));
    }));
    H.Get("/v1/audit", wrap("/v1/audit", Access::supervisor, Body::none, [&S](const Req& req, Res& res, const Caller&) {
        const auto& s = S.settings();
        storage::AuditFilter f;
        f.actor = query_str(req, "actor");
        f.action = query_str(req, "action");
        f.school = query_str(req, "school");
        f.submission_id = query_int(req, "submission_id", 0, 0, std::int64_t(1) << 53);
        f.from = query_int(req, "from", 0, 0, std::int64_t(1) << 40);
        f.to = query_int(req, "to", 0, 0, std::int64_t(1) << 40);
        send_json(res, 200,
                  S.audit(f, int(query_int(req, "limit", s.audit_default_limit, 1, s.audit_max_limit)),
                          int(query_int(req, "offset", 0, 0, 1 << 30)),
                          int(query_int(req, "sample", 0, 0, s.audit_max_limit)),
                          std::uint64_t(query_int(req, "seed", 0, 0, std::int64_t(1) << 53))));
    }));
    H.Post(R"(/v1/submissions/([^/]+)/overturn)",
           wrap("/v1/submissions/{id}/overturn", Access::supervisor, Body::json,
                [&S](const Req& req, Res& res, const Caller& c) {
        const auto id = path_id(req, 1, "submission id");
        const auto r = S.overturn(c, id, parse_body(req.body));
        send_json(res, 200, {{"applied", r.applied}, {"state", storage::to_string(r.state)}});
    }));
    H.Get("/v1/stats", wrap("/v1/stats", Access::supervisor, Body::none, [&S](const Req&, Res& res, const Caller&) {
        send_json(res, 200, S.stats());
    }));
    H.Get("/v1/sla", wrap("/v1/sla", Access::supervisor, Body::none, [&S](const Req&, Res& res, const Caller&) {
        send_json(res, 200, S.sla());
    }));
    H.Post("/v1/exports", wrap("/v1/exports", Access::supervisor, Body::json,
                               [&S](const Req& req, Res& res, const Caller& c) {
        const json body = parse_body(req.body);
        const Fields f(body, "");
        const auto r = S.export_school(c, f.str("school"), f.str_or("grade", ""), {});
        send_json(res, 200, {{"name", r.name}, {"items", r.items}, {"sha256", r.sha256}});
    }));
    H.Get(R"(/v1/exports/([^/]+))", wrap("/v1/exports/{name}", Access::supervisor, Body::none,
                                         [&S](const Req& req, Res& res, const Caller&) {
        const std::string name = req.matches[1];
        if (name.empty() || name[0] == '.' || name.find("..") != std::string::npos ||
            name.size() < 5 || name.substr(name.size() - 4) != ".zip")
            fail(400, "invalid_id", "'" + name + "' is not an export name");
        std::ifstream in(S.data_dir() / "exports" / name, std::ios::binary);
        if (!in) fail(404, "not_found", "no export named '" + name + "'");
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        res.set_content(bytes, "application/zip");
    }));

    // [SECTION] admin
    H.Post(R"(/v1/students/([^/]+)/unlock)", wrap("/v1/students/{id_number}/unlock", Access::admin, Body::json,
                                                  [&S](const Req& req, Res& res, const Caller& c) {
        const json body = parse_body(req.body);
        S.unlock(c, req.matches[1], Fields(body, "").str_or("note", ""));
        send_json(res, 200, {{"unlocked", true}});
    }));
    H.Post("/v1/users", wrap("/v1/users", Access::admin, Body::json, [&S](const Req& req, Res& res, const Caller& c) {
        const json body = parse_body(req.body);
        const Fields f(body, "");
        const std::string name = f.str("name");
        const std::string role_s = f.str("role");
        auto role = storage::parse_role(role_s);
        if (!role)
            fail(400, "invalid_field", "role: '" + role_s + "' is not reviewer, supervisor, ingest or admin", "role");
        const std::string token = S.add_user(c.name, name, *role);
        send_json(res, 201, {{"user", {{"name", name}, {"role", role_s}}}, {"token", token}});
    }));
}

}  // namespace pd::server
