// ApiClient's transport: one reused curl easy handle, retries, and curl errors turned into
// specific messages. The typed helpers live in endpoints.cpp.
#include "client/api_client.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include <curl/curl.h>

namespace pd::client {

namespace {

// [SECTION] Process-wide init

void ensure_global_init() {
    static std::once_flag once;
    // Never paired with curl_global_cleanup: clients may live until exit.
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return std::string(s.substr(b, e - b));
}

// "http://127.0.0.1:8420/x" -> "127.0.0.1:8420": names the server in error messages.
std::string authority_of(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
    auto slash = url.find('/');
    return std::string(url.substr(0, slash));
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

// Called once per header line. A status line starts a new header block (100 Continue,
// redirects), so only the final response's headers are kept.
size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<std::map<std::string, std::string>*>(user);
    std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        headers->clear();
    } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
        (*headers)[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    return size * count;
}

bool is_transient(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return true;
        default:
            return false;
    }
}

bool is_tls_failure(CURLcode rc) {
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
           rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM;
}

struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct MimeDeleter {
    void operator()(curl_mime* m) const { curl_mime_free(m); }
};
using Mime = std::unique_ptr<curl_mime, MimeDeleter>;

}  // namespace

// [SECTION] Response

nlohmann::json Response::json() const {
    if (body.empty()) return nullptr;
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

namespace {
std::string error_field(const Response& r, const char* key) {
    auto j = r.json();
    if (!j.is_object()) return "";
    auto e = j.find("error");
    if (e == j.end() || !e->is_object()) return "";
    auto v = e->find(key);
    return v != e->end() && v->is_string() ? v->get<std::string>() : "";
}
}  // namespace

std::string Response::error_code() const { return error_field(*this, "code"); }
std::string Response::error_message() const { return error_field(*this, "message"); }

std::string Response::header(std::string_view name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? "" : it->second;
}

// [SECTION] ApiClient::Impl

struct ApiClient::Impl {
    CURL* curl = nullptr;
    std::string base_url;
    std::string authority;
    std::string token;
    ClientOptions options;
    char errbuf[CURL_ERROR_SIZE] = {};

    ~Impl() {
        if (curl) curl_easy_cleanup(curl);
    }

    // What one attempt needs besides the method and path. Exactly one of body / mime is used.
    struct Payload {
        const std::string* body = nullptr;
        std::string content_type;
        curl_mime* mime = nullptr;
    };

    Result<Response> perform(const std::string& method, const std::string& path,
                             const Payload& payload, Retry retry);
    Result<Response> attempt(const std::string& method, const std::string& path,
                             const Payload& payload, CURLcode& rc);
    std::string describe(const std::string& method, const std::string& path, CURLcode rc);
};

Result<Response> ApiClient::Impl::perform(const std::string& method, const std::string& path,
                                          const Payload& payload, Retry retry) {
    if (!curl) {
        return make_error(ErrorCode::Internal, method + " " + path + ": curl_easy_init failed");
    }
    if (path.empty() || path.front() != '/') {
        return make_error(ErrorCode::InvalidArgument,
                          method + " " + path + ": path must start with '/'");
    }
    int max_attempts = 1 + (retry == Retry::Yes ? std::max(0, options.retries) : 0);
    long backoff = std::max(0L, options.retry_backoff_ms);
    for (int i = 1;; ++i) {
        CURLcode rc = CURLE_OK;
        auto r = attempt(method, path, payload, rc);
        if (r.ok() || !is_transient(rc) || i >= max_attempts) {
            if (!r.ok() && i > 1) {
                return make_error(r.error().code, r.error().message + " (after " +
                                                      std::to_string(i) + " attempts)");
            }
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
        backoff = std::min(backoff * 2, 10'000L);
    }
}

Result<Response> ApiClient::Impl::attempt(const std::string& method, const std::string& path,
                                          const Payload& payload, CURLcode& rc) {
    // Reset keeps the connection cache: the next request reuses the open connection.
    curl_easy_reset(curl);
    Response response;
    errbuf[0] = '\0';
    std::string url = base_url + path;

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "photodesk-client/1");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    if (!options.verify_tls) {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }

    Slist headers;
    auto add_header = [&](const std::string& h) {
        headers.reset(curl_slist_append(headers.release(), h.c_str()));
    };
    if (!token.empty()) add_header("Authorization: Bearer " + token);
    add_header("Expect:");  // no 100-continue round trip before large bodies

    if (method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
        if (payload.mime) {
            curl_easy_setopt(curl, CURLOPT_MIMEPOST, payload.mime);
        } else {
            static const std::string empty;
            const std::string& body = payload.body ? *payload.body : empty;
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
            if (!payload.content_type.empty()) add_header("Content-Type: " + payload.content_type);
        }
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

    rc = curl_easy_perform(curl);
    // The handle must not keep pointers to this call's header list and mime past it.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, nullptr);
    if (rc != CURLE_OK) {
        ErrorCode code = ErrorCode::Internal;  // e.g. out of memory: not the network's fault
        if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
            code = ErrorCode::InvalidArgument;
        } else if (is_transient(rc) || is_tls_failure(rc)) {
            code = ErrorCode::Unavailable;
        }
        return make_error(code, describe(method, path, rc));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    char* ct = nullptr;
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct) response.content_type = ct;
    return response;
}

std::string ApiClient::Impl::describe(const std::string& method, const std::string& path,
                                      CURLcode rc) {
    std::string what;
    long os_errno = 0;
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
        case CURLE_COULDNT_CONNECT:
            what = os_errno == ECONNREFUSED ? "connection refused"
                   : os_errno ? std::string("cannot connect: ") + std::strerror(static_cast<int>(os_errno))
                              : "cannot connect: " + detail;
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
            what = "cannot resolve host";
            break;
        case CURLE_OPERATION_TIMEDOUT: {
            curl_off_t connected_us = 0;
            curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected_us);
            what = connected_us == 0
                       ? "connect timeout after " + std::to_string(options.connect_timeout_ms) + " ms"
                       : "timeout: no complete response within " +
                             std::to_string(options.timeout_ms) + " ms";
            break;
        }
        case CURLE_GOT_NOTHING:
            what = "connection closed by the server before any response";
            break;
        case CURLE_SEND_ERROR:
            what = "connection dropped while sending: " + detail;
            break;
        case CURLE_RECV_ERROR:
            what = "connection dropped while receiving: " + detail;
            break;
        case CURLE_PARTIAL_FILE:
            what = "response truncated: " + detail;
            break;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            what = "bad URL '" + base_url + path + "': " + detail;
            break;
        default:
            what = is_tls_failure(rc) ? "TLS failure: " + detail : detail;
            break;
    }
    return method + " " + path + ": " + what + " (" + authority + ")";
}

// [SECTION] Free functions

std::string url_escape(std::string_view s) {
    ensure_global_init();
    // Since curl 7.82 the handle argument of curl_easy_escape is ignored.
    char* escaped = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
    if (!escaped) return "";
    std::string out(escaped);
    curl_free(escaped);
    return out;
}

// [SECTION] ApiClient

ApiClient::ApiClient(std::string base_url, std::string token, ClientOptions options)
    : impl_(std::make_unique<Impl>()) {
    ensure_global_init();
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    impl_->authority = authority_of(base_url);
    impl_->base_url = std::move(base_url);
    impl_->token = std::move(token);
    impl_->options = std::move(options);
    impl_->curl = curl_easy_init();
}

ApiClient::~ApiClient() = default;
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;

const std::string& ApiClient::base_url() const {
    static const std::string none;
    return impl_ ? impl_->base_url : none;
}

void ApiClient::set_token(std::string token) {
    if (impl_) impl_->token = std::move(token);
}

namespace {
Error moved_from(const std::string& method, const std::string& path) {
    return make_error(ErrorCode::InvalidArgument, method + " " + path + ": ApiClient used after move");
}
}  // namespace

Result<Response> ApiClient::get(const std::string& path) {
    return request("GET", path, "", "", Retry::Yes);
}

Result<Response> ApiClient::post_json(const std::string& path, const nlohmann::json& body,
                                      Retry retry) {
    // Replace invalid UTF-8 instead of throwing: no exception leaves this function.
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return request("POST", path, text, "application/json", retry);
}

Result<Response> ApiClient::request(const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& content_type,
                                    Retry retry) {
    if (!impl_) return moved_from(method, path);
    Impl::Payload payload;
    payload.body = &body;
    payload.content_type = content_type;
    return impl_->perform(method, path, payload, retry);
}

Result<Response> ApiClient::post_multipart(const std::string& path, const nlohmann::json& meta,
                                           std::span<const unsigned char> photo,
                                           std::string filename, Retry retry) {
    if (!impl_) return moved_from("POST", path);
    if (!impl_->curl) return make_error(ErrorCode::Internal, "POST " + path + ": curl_easy_init failed");
    std::string meta_text = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (filename.empty()) filename = "photo";

    Mime mime(curl_mime_init(impl_->curl));
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_name(part, "meta");
    curl_mime_data(part, meta_text.data(), meta_text.size());
    curl_mime_type(part, "application/json");
    part = curl_mime_addpart(mime.get());
    curl_mime_name(part, "photo");
    curl_mime_data(part, reinterpret_cast<const char*>(photo.data()), photo.size());
    curl_mime_filename(part, filename.c_str());
    curl_mime_type(part, "application/octet-stream");

    Impl::Payload payload;
    payload.mime = mime.get();
    return impl_->perform("POST", path, payload, retry);
}

}  // namespace pd::client
