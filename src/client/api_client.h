// pd::client::ApiClient: the libcurl client of photodeskd's HTTP API v1 (docs/api.md).
// The workstation, the integration tests and the load tool talk to the server through it.
//
// Threading: an ApiClient owns ONE curl easy handle, reused for every call so that the TCP
// (or TLS) connection stays alive between requests. It is not thread-safe: use one ApiClient
// per thread (e.g. one per network worker). It is movable, not copyable; a moved-from client
// answers every call with an InvalidArgument error. curl_global_init runs once per process
// (std::call_once) the first time a client is built; signals are never used (CURLOPT_NOSIGNAL).
//
// Errors: a call returns an Error only when no HTTP response was obtained (connection
// refused, host not resolved, timeout, connection dropped, TLS failure). Every HTTP status,
// 4xx and 5xx included, is a Response: look at Response::ok() / status / error_code().
// Network and TLS failures carry ErrorCode::Unavailable, a malformed base URL or path
// ErrorCode::InvalidArgument, anything else from curl ErrorCode::Internal. Messages name the
// call and the server, e.g. "POST /v1/decisions: connection refused (127.0.0.1:8420)", and
// end with "(after N attempts)" when the call was retried.
//
// Retries: a call marked Retry::Yes is repeated on transport errors (never on an HTTP status)
// up to ClientOptions::retries more times, waiting retry_backoff_ms, then twice that, and so
// on. get() always retries (GET is safe). post_json()/request()/post_multipart() retry only
// when asked. Typed helpers retry when the endpoint is idempotent: renew, release, decisions
// (by decision_id), exports, and every GET; claim, ingest, overturn, unlock and add_user do
// not. Worst case for a retried call: (retries + 1) * timeout_ms plus the backoff.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pd::client {

struct ClientOptions {
    long connect_timeout_ms = 3000;
    long timeout_ms = 30000;       // whole transfer, per attempt
    int retries = 3;               // extra attempts for Retry::Yes calls
    long retry_backoff_ms = 100;   // doubled after each failed attempt
    std::string ca_file;           // PEM bundle for https://; empty: the system store
    bool verify_tls = true;
};

// One HTTP response, whatever its status.
struct Response {
    long status = 0;
    std::string body;
    std::string content_type;
    std::map<std::string, std::string> headers;  // lower-case names, e.g. "photodesk-api"

    nlohmann::json json() const;             // parsed body, or null when the body is not JSON
    bool ok() const { return status >= 200 && status < 300; }
    std::string error_code() const;          // body.error.code, or "" when absent
    std::string error_message() const;       // body.error.message, or "" when absent
    std::string header(std::string_view name) const;  // any case; "" when absent
};

enum class Retry { No, Yes };

// Body of POST /v1/leases/claim. Zero / empty fields are left out (server defaults).
struct ClaimRequest {
    int n = 0;
    int lease_seconds = 0;
    std::string school;
    std::string grade;
    bool flagged_only = false;
    bool resubmissions_only = false;
};

// The output window of an approve_recropped decision or overturn, in pixels of the upright
// original (height = width * 4 / 3).
struct Crop {
    double x = 0;
    double y = 0;
    double width = 0;
};

// One item of POST /v1/decisions. decision_id comes from new_decision_id() and is kept by the
// caller until the server has answered, so that a retry is harmless.
struct DecisionInput {
    std::string decision_id;
    std::int64_t submission_id = 0;
    std::string verdict;               // approve, reject, approve_recropped
    std::vector<std::string> reasons;
    std::string note;
    std::optional<Crop> crop;          // approve_recropped only
    std::int64_t decided_at = 0;       // unix seconds; 0: left out (server time)
};

// Query of GET /v1/audit. Zero / empty fields are left out.
struct AuditQuery {
    std::string actor;
    std::string action;                // decision, overturn, lock, unlock, user_add
    std::string school;
    std::int64_t submission_id = 0;
    std::int64_t from = 0;
    std::int64_t to = 0;
    int limit = 0;
    int offset = 0;
    int sample = 0;
    std::optional<std::int64_t> seed;
};

class ApiClient {
public:
    // base_url: "http://127.0.0.1:8420" (a trailing '/' is ignored). token: sent as
    // "Authorization: Bearer TOKEN" when not empty.
    explicit ApiClient(std::string base_url, std::string token = "", ClientOptions options = {});
    ~ApiClient();
    ApiClient(ApiClient&&) noexcept;
    ApiClient& operator=(ApiClient&&) noexcept;
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    const std::string& base_url() const;
    void set_token(std::string token);

    // [SECTION] Raw calls. path starts with '/' and is already escaped (see url_escape).
    Result<Response> get(const std::string& path);
    Result<Response> post_json(const std::string& path, const nlohmann::json& body,
                               Retry retry = Retry::No);
    // multipart/form-data: part "meta" (application/json) and part "photo" (the file bytes).
    Result<Response> post_multipart(const std::string& path, const nlohmann::json& meta,
                                    std::span<const unsigned char> photo, std::string filename,
                                    Retry retry = Retry::No);
    // Any method (GET, POST, PUT, DELETE, ...); body sent when not empty.
    Result<Response> request(const std::string& method, const std::string& path,
                             const std::string& body = "", const std::string& content_type = "",
                             Retry retry = Retry::No);

    // [SECTION] Typed helpers: one per endpoint of docs/api.md, thin wrappers over the above.
    Result<Response> healthz();
    Result<Response> metrics();
    Result<Response> me();
    Result<Response> reasons();
    Result<Response> queue();   // GET /v1/queue: size and SLA figures for a status bar
    Result<Response> ingest(const nlohmann::json& meta, std::span<const unsigned char> photo,
                            std::string filename);
    Result<Response> submission(std::int64_t id);
    Result<Response> image(std::int64_t id, std::string_view kind);
    Result<Response> claim(const ClaimRequest& request);
    Result<Response> renew(const std::vector<std::int64_t>& ids, int lease_seconds = 0);
    Result<Response> release(const std::vector<std::int64_t>& ids);
    Result<Response> push_decisions(const std::vector<DecisionInput>& decisions);
    Result<Response> events(std::int64_t after = 0, int limit = 0);
    Result<Response> audit(const AuditQuery& query);
    Result<Response> overturn(std::int64_t id, std::string_view verdict,
                              const std::vector<std::string>& reasons, std::string_view note,
                              const std::optional<Crop>& crop = std::nullopt);
    Result<Response> stats();
    Result<Response> sla();
    Result<Response> create_export(std::string_view school, std::string_view grade = "");
    Result<Response> download_export(std::string_view name);
    Result<Response> unlock(std::string_view id_number, std::string_view note);
    Result<Response> add_user(std::string_view name, std::string_view role);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex), for decision_id.
std::string new_decision_id();

// Percent-encodes every byte but unreserved ones (RFC 3986): for query values and path
// segments (school names are Chinese).
std::string url_escape(std::string_view s);

// JSON forms of the request structs (exposed for tests and logs).
nlohmann::json to_json(const ClaimRequest& request);
nlohmann::json to_json(const DecisionInput& decision);

}  // namespace pd::client
