// The routes of API v1 (docs/api.md), in the order of its "Endpoints" section. Each handler
// reads its typed request (api_json.h), calls one service and writes the JSON answer; the
// gate and the errors are http_server.cpp's.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <limits>

#include "server/api_json.h"
#include "server/http_server.h"
#include "server/http_transport.h"

namespace pd::server {

using nlohmann::json;

namespace {

// An export zip is sent in pieces of at most this many bytes (read from its file as the socket
// takes them), so a download holds one piece in memory, not the package.
constexpr std::size_t kDownloadChunk = 256 * 1024;

std::int64_t path_id(const httplib::Request& req, int group, const char* what) {
    const std::string s = req.matches[group];
    if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos || std::stoll(s) < 1)
        reject(refusal(Refusal::malformed, "invalid_id", std::string(what) + " '" + s + "' is not a positive integer"));
    return std::stoll(s);
}

std::int64_t query_int(const httplib::Request& req, const char* key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi) {
    if (!req.has_param(key)) return fallback;
    const std::string s = req.get_param_value(key);
    const bool neg = !s.empty() && s[0] == '-';
    const std::string digits = neg ? s.substr(1) : s;
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
        reject(refusal(Refusal::malformed, "invalid_field", std::string(key) + ": '" + s + "' is not an integer", key));
    const std::int64_t v = neg ? -std::stoll(digits) : std::stoll(digits);
    if (v < lo || v > hi)
        reject(refusal(Refusal::malformed, "invalid_field",
                       std::string(key) + ": must be within " + std::to_string(lo) + ".." + std::to_string(hi), key));
    return v;
}

std::string query_str(const httplib::Request& req, const char* key) {
    return req.has_param(key) ? req.get_param_value(key) : std::string();
}

}  // namespace

void HttpServer::install_routes() {
    Services& S = svc_;
    Metrics& M = metrics_;
    const auto& settings = S.ctx.settings();

    // [SECTION] open
    add("GET", "/healthz", "/healthz", Access::open, Body::none, [&S](Call& c) {
        const HealthReport h = S.health.check();
        json body = {{"status", h.ok() ? "ok" : "unavailable"},
                     {"backend", h.backend},
                     {"schema_version", h.schema_version},
                     {"version", PD_VERSION}};
        if (!h.ok()) {
            body["database"] = h.database_ok ? "ok" : "failing";
            body["images"] = h.images_ok ? "ok" : "failing";
            body["request_id"] = current_request().id;
            spdlog::error("event=unhealthy request_id={} detail=\"{}\"", current_request().id, h.detail);
        }
        c.send(h.ok() ? 200 : 503, body);
    });
    // Only in-process counters: a scrape must not cost a table scan (queue figures are at
    // GET /v1/queue, /v1/stats and /v1/sla).
    add("GET", "/metrics", "/metrics", Access::open, Body::none, [&S, &M](Call& c) {
        const std::string extra = "# TYPE photodesk_recrop_renders_total counter\nphotodesk_recrop_renders_total " +
                                  std::to_string(S.recrop.renders()) + "\n";
        c.res.status = 200;
        c.res.set_content(M.render(extra), "text/plain; version=0.0.4");
    });

    // [SECTION] any user
    add("GET", "/v1/me", "/v1/me", Access::any_user, Body::none, [](Call& c) {
        c.send(200, {{"name", c.caller.name}, {"role", storage::to_string(c.caller.role)}});
    });
    add("GET", "/v1/reasons", "/v1/reasons", Access::any_user, Body::none, [&S](Call& c) {
        json list = json::array();
        for (const auto& r : S.ctx.reasons().all()) list.push_back(to_json(r));
        c.send(200, {{"reasons", list}});
    });
    // Workstations' status bars poll this; the service caches the answer ([queue] cache_seconds).
    add("GET", "/v1/queue", "/v1/queue", Access::any_user, Body::none,
        [&S](Call& c) { c.send(200, to_json(take(S.review.queue()))); });

    // [SECTION] ingest
    add("POST", "/v1/submissions", "/v1/submissions", Access::ingest, Body::upload, [&S, &M](Call& c) {
        try {
            auto parts = c.multipart();
            if (!parts.count("meta")) reject(refusal(Refusal::malformed, "invalid_field", "meta: the part is missing", "meta"));
            if (!parts.count("photo")) reject(refusal(Refusal::malformed, "invalid_field", "photo: the part is missing", "photo"));
            IngestRequest r = read_ingest_meta(parse_body(parts["meta"].content, S.ctx.settings().max_json_depth), c.caller);
            const std::string& photo = parts["photo"].content;
            r.photo = {reinterpret_cast<const unsigned char*>(photo.data()), photo.size()};
            auto reply = take(S.ingest.ingest(c.caller, std::move(r)));
            M.count("photodesk_ingest_total", "result", "added");
            M.count("photodesk_ingest_analysis_total", "source", reply.reused ? "reused" : "engine");
            json body = {{"status", "added"}, {"submission", to_json(reply.submission, false)}};
            if (!reply.spec_error.is_null()) body["spec_error"] = reply.spec_error;
            c.send(201, body);
        } catch (const RequestError& e) {
            M.count("photodesk_ingest_total", "result", e.error.code);
            throw;
        }
    });

    // [SECTION] items
    add("GET", R"(/v1/submissions/([^/]+))", "/v1/submissions/{id}", Access::items, Body::none, [&S](Call& c) {
        const auto s = take(S.review.submission(c.caller, path_id(c.req, 1, "submission id")));
        c.send(200, {{"submission", to_json(s, c.caller.role == storage::Role::reviewer)}});
    });
    add("GET", R"(/v1/submissions/([^/]+)/images/([^/]+))", "/v1/submissions/{id}/images/{kind}", Access::items,
        Body::none, [&S](Call& c) {
            auto img = take(S.review.image(c.caller, path_id(c.req, 1, "submission id"), c.req.matches[2]));
            c.res.status = 200;
            c.res.set_header("ETag", "\"" + img.sha256 + "\"");
            c.res.set_header("Cache-Control", "private, max-age=31536000, immutable");
            c.res.set_content(std::string(img.bytes.begin(), img.bytes.end()), img.content_type);
        });

    // [SECTION] reviewer
    add("POST", "/v1/leases/claim", "/v1/leases/claim", Access::reviewer, Body::json, [&S, &settings](Call& c) {
        const ClaimRequest r = read_claim(c.json(true), settings);
        json list = json::array();
        for (const auto& s : take(S.review.claim(c.caller, r))) list.push_back(to_json(s, true));
        c.send(200, {{"items", list}, {"lease_seconds", r.lease_seconds}});
    });
    add("POST", "/v1/leases/renew", "/v1/leases/renew", Access::reviewer, Body::json, [&S, &settings](Call& c) {
        json list = json::array();
        for (const auto& l : take(S.review.renew(c.caller, read_renew(c.json(), settings))))
            list.push_back({{"submission_id", l.submission_id}, {"expires_at", l.expires_at}});
        c.send(200, {{"renewed", list}});
    });
    add("POST", "/v1/leases/release", "/v1/leases/release", Access::reviewer, Body::json, [&S, &settings](Call& c) {
        c.send(200, {{"released", take(S.review.release(c.caller, read_release(c.json(), settings)))}});
    });
    add("POST", "/v1/decisions", "/v1/decisions", Access::reviewer, Body::json, [&S, &M, &settings](Call& c) {
        json list = json::array();
        for (const auto& o : take(S.review.decide(c.caller, read_decisions(c.json(), settings)))) {
            M.count("photodesk_decisions_total", "status", storage::to_string(o.status));
            list.push_back(to_json(o));
        }
        c.send(200, {{"results", list}});
    });

    // [SECTION] feeds, supervisors
    add("GET", "/v1/events", "/v1/events", Access::feed, Body::none, [&S, &settings](Call& c) {
        const EventsQuery q{query_int(c.req, "after", 0, 0, std::numeric_limits<std::int64_t>::max() / 2),
                            int(query_int(c.req, "limit", settings.events_default_limit, 1, settings.events_max_limit))};
        c.send(200, to_json(take(S.supervision.events(q)), S.ctx.reasons()));
    });
    add("GET", "/v1/audit", "/v1/audit", Access::supervisor, Body::none, [&S, &settings](Call& c) {
        AuditQuery q;
        q.filter.actor = query_str(c.req, "actor");
        q.filter.action = query_str(c.req, "action");
        q.filter.school = query_str(c.req, "school");
        q.filter.submission_id = query_int(c.req, "submission_id", 0, 0, std::int64_t(1) << 53);
        q.filter.from = query_int(c.req, "from", 0, 0, std::int64_t(1) << 40);
        q.filter.to = query_int(c.req, "to", 0, 0, std::int64_t(1) << 40);
        q.limit = int(query_int(c.req, "limit", settings.audit_default_limit, 1, settings.audit_max_limit));
        q.offset = int(query_int(c.req, "offset", 0, 0, 1 << 30));
        q.sample = int(query_int(c.req, "sample", 0, 0, settings.audit_max_limit));
        q.seed = std::uint64_t(query_int(c.req, "seed", 0, 0, std::int64_t(1) << 53));
        json records = json::array();
        for (const auto& r : take(S.supervision.audit(q))) records.push_back(to_json(r));
        c.send(200, {{"records", records}});
    });
    add("POST", R"(/v1/submissions/([^/]+)/overturn)", "/v1/submissions/{id}/overturn", Access::supervisor,
        Body::json, [&S, &settings](Call& c) {
            const auto id = path_id(c.req, 1, "submission id");
            const auto r = take(S.supervision.overturn(c.caller, read_overturn(c.json(), id, settings)));
            c.send(200, {{"applied", r.applied}, {"state", storage::to_string(r.state)}});
        });
    add("GET", "/v1/stats", "/v1/stats", Access::supervisor, Body::none,
        [&S](Call& c) { c.send(200, to_json(take(S.supervision.stats()))); });
    add("GET", "/v1/sla", "/v1/sla", Access::supervisor, Body::none,
        [&S](Call& c) { c.send(200, to_json(take(S.supervision.sla()))); });
    add("POST", "/v1/exports", "/v1/exports", Access::supervisor, Body::json, [&S](Call& c) {
        const auto r = take(S.exports.export_school(c.caller, read_export(c.json())));
        c.send(200, {{"name", r.name}, {"items", r.items}, {"sha256", r.sha256}});
    });
    // The zip is streamed from its file (a school's package can be hundreds of MB).
    add("GET", R"(/v1/exports/([^/]+))", "/v1/exports/{name}", Access::supervisor, Body::none, [&S](Call& c) {
        const auto path = take(S.exports.package_path(c.req.matches[1]));
        auto file = std::make_shared<std::ifstream>(path, std::ios::binary);
        std::error_code ec;
        const auto size = std::filesystem::file_size(path, ec);
        if (!*file || ec) reject(refusal(Refusal::not_found, "not_found", "no export named '" + path.filename().string() + "'"));
        c.res.status = 200;
        c.res.set_content_provider(size_t(size), "application/zip",
                                   [file](size_t offset, size_t length, httplib::DataSink& sink) {
                                       std::vector<char> buf(std::min(length, kDownloadChunk));
                                       file->seekg(std::streamoff(offset));
                                       file->read(buf.data(), std::streamsize(buf.size()));
                                       const auto got = size_t(file->gcount());
                                       return got > 0 && sink.write(buf.data(), got);
                                   });
    });

    // [SECTION] admin
    add("POST", R"(/v1/students/([^/]+)/unlock)", "/v1/students/{id_number}/unlock", Access::admin, Body::json,
        [&S](Call& c) {
            take(S.admin.unlock(c.caller, read_unlock(c.json(), c.req.matches[1])));
            c.send(200, {{"unlocked", true}});
        });
    add("POST", "/v1/users", "/v1/users", Access::admin, Body::json, [&S](Call& c) {
        const auto r = take(S.admin.add_user(c.caller, read_new_user(c.json())));
        c.send(201, {{"user", {{"name", r.user.name}, {"role", storage::to_string(r.user.role)}}}, {"token", r.token}});
    });
    add("POST", R"(/v1/users/([^/]+)/revoke)", "/v1/users/{name}/revoke", Access::admin, Body::json, [&S](Call& c) {
        c.json(true);   // no fields yet; read so the connection stays usable
        const auto u = take(S.admin.revoke_user(c.caller, c.req.matches[1]));
        c.send(200, {{"user", {{"name", u.name}, {"role", storage::to_string(u.role)}}},
                     {"revoked", true},
                     {"revoked_at", u.revoked_at}});
    });
}

}  // namespace pd::server
