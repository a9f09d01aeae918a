// ApiClient against a real in-process cpp-httplib server on an ephemeral port: what arrives
// on the server side (method, path, escaping, headers, multipart parts, JSON bodies), how
// HTTP errors and transport errors come back, and connection reuse.
#include "client/api_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace pd::client {
namespace {

using nlohmann::json;

// A TCP port bound on 127.0.0.1 but not listening: connecting to it is refused, and nobody
// else can take it while the socket is open.
class ReservedPort {
public:
    ReservedPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
            socklen_t len = sizeof addr;
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
            port_ = ntohs(addr.sin_port);
        }
    }
    ~ReservedPort() { close(); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

std::string url_for(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// [SECTION] Fixture: a cpp-httplib server that echoes what it received

class ApiClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        server_.set_tcp_nodelay(true);
        server_.set_keep_alive_max_count(1000);
        server_.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
            res.set_header("PhotoDesk-API", "1");
        });
        server_.Post("/v1/submissions", [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            last_content_type_ = req.get_header_value("Content-Type");
            last_meta_ = req.get_file_value("meta");
            last_photo_ = req.get_file_value("photo");
            res.status = 201;
            res.set_content(R"({"api_version":1,"status":"added"})", "application/json");
        });
        server_.Get("/fail", [](const httplib::Request&, httplib::Response& res) {
            res.status = 422;
            res.set_content(R"({"api_version":1,"error":{"code":"unknown_reason",)"
                            R"("message":"decisions[0].reasons[0]: unknown reason 'hat'"}})",
                            "application/json");
        });
        server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
            std::this_thread::sleep_for(std::chrono::milliseconds(800));
            res.set_content("{}", "application/json");
        });
        server_.Get("/text", [](const httplib::Request&, httplib::Response& res) {
            res.status = 500;
            res.set_content("plain failure", "text/plain");
        });
        auto echo = [](const httplib::Request& req, httplib::Response& res) {
            json params = json::object();
            for (const auto& [k, v] : req.params) params[k] = v;
            json out = {{"method", req.method},
                        {"path", req.path},
                        {"target", req.target},
                        {"params", params},
                        {"authorization", req.get_header_value("Authorization")},
                        {"content_type", req.get_header_value("Content-Type")},
                        {"body", req.body},
                        {"remote_port", req.remote_port}};
            res.set_content(out.dump(), "application/json");
        };
        server_.Get("(.*)", echo).Post("(.*)", echo).Put("(.*)", echo).Delete("(.*)", echo);

        port_ = server_.bind_to_any_port("127.0.0.1");
        ASSERT_GT(port_, 0);
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // stop() is a no-op before the server runs: wait for it so TearDown always stops it.
        for (int i = 0; i < 500 && !server_.is_running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        ASSERT_TRUE(server_.is_running());
    }

    void TearDown() override {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }

    std::string url() const { return url_for(port_); }

    // The echo of a call that must have reached the echo handler.
    static json echoed(const Result<Response>& r) {
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
        if (!r.ok()) return json();
        EXPECT_EQ(r->status, 200) << r->body;
        return r->json();
    }

    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;

    std::mutex mutex_;  // guards the last_* fields, written by server handler threads
    std::string last_content_type_;
    httplib::MultipartFormData last_meta_;
    httplib::MultipartFormData last_photo_;
};

// [SECTION] Requests as the server sees them

TEST_F(ApiClientTest, JsonRoundTripWithVersionHeader) {
    ApiClient client(url() + "/");  // trailing slash ignored
    json sent = {{"name", "张三"}, {"n", 5}, {"flags", {"a", "b"}}};
    auto r = client.post_json("/echo", sent);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->content_type, "application/json");
    EXPECT_EQ(r->headers.at("photodesk-api"), "1");
    EXPECT_EQ(r->header("PhotoDesk-API"), "1");
    json e = r->json();
    EXPECT_EQ(e["method"], "POST");
    EXPECT_EQ(e["path"], "/echo");
    EXPECT_EQ(e["content_type"], "application/json");
    EXPECT_EQ(json::parse(e["body"].get<std::string>()), sent);
    EXPECT_EQ(r->error_code(), "");
}

TEST_F(ApiClientTest, RequestWithOtherMethods) {
    ApiClient client(url());
    json put = echoed(client.request("PUT", "/thing", "payload", "text/plain"));
    EXPECT_EQ(put["method"], "PUT");
    EXPECT_EQ(put["body"], "payload");
    EXPECT_EQ(put["content_type"], "text/plain");
    json del = echoed(client.request("DELETE", "/thing/1"));
    EXPECT_EQ(del["method"], "DELETE");
    EXPECT_EQ(del["path"], "/thing/1");
    // GET after a body-carrying request on the same handle: no stale body or method.
    json get = echoed(client.get("/after"));
    EXPECT_EQ(get["method"], "GET");
    EXPECT_EQ(get["body"], "");
}

TEST_F(ApiClientTest, SendsBearerTokenOnlyWhenSet) {
    ApiClient client(url(), "tok-123");
    EXPECT_EQ(echoed(client.me())["authorization"], "Bearer tok-123");
    client.set_token("");
    EXPECT_EQ(echoed(client.me())["authorization"], "");
    client.set_token("other");
    EXPECT_EQ(echoed(client.reasons())["authorization"], "Bearer other");
}

TEST_F(ApiClientTest, IngestSendsMetaAndPhotoParts) {
    ApiClient client(url(), "ingest-token");
    json meta = {{"name", "张三"}, {"id_number", "11010519491231002X"}, {"student_no", "2021001"},
                 {"school", "示例大学"}, {"station", "本部"}, {"grade", "2026"}};
    std::vector<unsigned char> photo = {0xFF, 0xD8, 0xFF, 0x00, 0x01, '\r', '\n', '-', '-', 0xFF, 0xD9};
    auto r = client.ingest(meta, photo, "photo.jpg");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->json()["status"], "added");

    std::lock_guard lock(mutex_);
    EXPECT_TRUE(last_content_type_.starts_with("multipart/form-data; boundary=")) << last_content_type_;
    EXPECT_EQ(last_meta_.name, "meta");
    EXPECT_EQ(last_meta_.content_type, "application/json");
    EXPECT_EQ(json::parse(last_meta_.content), meta);
    EXPECT_EQ(last_photo_.name, "photo");
    EXPECT_EQ(last_photo_.filename, "photo.jpg");
    EXPECT_EQ(last_photo_.content, std::string(photo.begin(), photo.end()));
}

TEST_F(ApiClientTest, EscapesChineseQueryValues) {
    ApiClient client(url());
    AuditQuery q;
    q.action = "decision";
    q.school = "示例大学";
    q.sample = 20;
    q.seed = 0;
    json e = echoed(client.audit(q));
    EXPECT_EQ(e["path"], "/v1/audit");
    EXPECT_EQ(e["params"]["school"], "示例大学");
    EXPECT_EQ(e["params"]["action"], "decision");
    EXPECT_EQ(e["params"]["sample"], "20");
    EXPECT_EQ(e["params"]["seed"], "0");  // an explicit seed of 0 is sent
    EXPECT_FALSE(e["params"].contains("limit"));
    EXPECT_EQ(e["target"],
              "/v1/audit?action=decision&school=%E7%A4%BA%E4%BE%8B%E5%A4%A7%E5%AD%A6&sample=20&seed=0");

    EXPECT_EQ(echoed(client.events(5, 100))["target"], "/v1/events?after=5&limit=100");
    EXPECT_EQ(echoed(client.events())["target"], "/v1/events");
}

TEST_F(ApiClientTest, EscapesPathSegments) {
    ApiClient client(url());
    json e = echoed(client.download_export("示例大学 2026/x.zip"));
    EXPECT_EQ(e["target"], "/v1/exports/%E7%A4%BA%E4%BE%8B%E5%A4%A7%E5%AD%A6%202026%2Fx.zip");
    EXPECT_EQ(e["path"], "/v1/exports/示例大学 2026/x.zip");  // httplib decodes the path
    EXPECT_EQ(echoed(client.image(42, "standardized"))["path"], "/v1/submissions/42/images/standardized");
    EXPECT_EQ(echoed(client.submission(7))["path"], "/v1/submissions/7");
    EXPECT_EQ(echoed(client.unlock("11010519491231002X", "school asked"))["path"],
              "/v1/students/11010519491231002X/unlock");
}

TEST_F(ApiClientTest, TypedHelpersSendTheDocumentedBodies) {
    ApiClient client(url());
    auto body_of = [](const json& e) { return json::parse(e["body"].get<std::string>()); };

    ClaimRequest claim;
    claim.n = 5;
    claim.school = "示例大学";
    claim.flagged_only = true;
    json e = echoed(client.claim(claim));
    EXPECT_EQ(e["path"], "/v1/leases/claim");
    EXPECT_EQ(body_of(e), (json{{"n", 5}, {"school", "示例大学"}, {"flagged_only", true}}));
    EXPECT_EQ(body_of(echoed(client.claim({}))), json::object());

    EXPECT_EQ(body_of(echoed(client.renew({42, 43}, 300))), (json{{"ids", {42, 43}}, {"lease_seconds", 300}}));
    EXPECT_EQ(body_of(echoed(client.release({42}))), (json{{"ids", {42}}}));

    DecisionInput reject{"id-1", 42, "reject", {"head_tilted"}, "", std::nullopt, 1795500100};
    DecisionInput recrop{"id-2", 43, "approve_recropped", {}, "", Crop{310.5, 120.0, 900.0}, 0};
    e = echoed(client.push_decisions({reject, recrop}));
    EXPECT_EQ(e["path"], "/v1/decisions");
    json decisions = body_of(e)["decisions"];
    ASSERT_EQ(decisions.size(), 2u);
    EXPECT_EQ(decisions[0], (json{{"decision_id", "id-1"}, {"submission_id", 42}, {"verdict", "reject"},
                                  {"reasons", {"head_tilted"}}, {"note", ""}, {"decided_at", 1795500100}}));
    EXPECT_EQ(decisions[1]["crop"], (json{{"x", 310.5}, {"y", 120.0}, {"width", 900.0}}));
    EXPECT_FALSE(decisions[1].contains("decided_at"));
    EXPECT_TRUE(decisions[1]["reasons"].is_array());

    e = echoed(client.overturn(42, "approve", {}, "ears visible after all"));
    EXPECT_EQ(e["path"], "/v1/submissions/42/overturn");
    EXPECT_EQ(body_of(e), (json{{"verdict", "approve"}, {"reasons", json::array()}, {"note", "ears visible after all"}}));

    EXPECT_EQ(body_of(echoed(client.create_export("示例大学"))), (json{{"school", "示例大学"}, {"grade", ""}}));
    EXPECT_EQ(body_of(echoed(client.unlock("11010519491231002X", "new photo"))), (json{{"note", "new photo"}}));
    EXPECT_EQ(body_of(echoed(client.add_user("bob", "reviewer"))), (json{{"name", "bob"}, {"role", "reviewer"}}));
    EXPECT_EQ(echoed(client.stats())["path"], "/v1/stats");
    EXPECT_EQ(echoed(client.sla())["path"], "/v1/sla");
    EXPECT_EQ(echoed(client.queue())["path"], "/v1/queue");
    EXPECT_EQ(echoed(client.queue())["method"], "GET");
    EXPECT_EQ(echoed(client.healthz())["path"], "/healthz");
    EXPECT_EQ(echoed(client.metrics())["path"], "/metrics");
}

// [SECTION] HTTP errors are responses

TEST_F(ApiClientTest, HttpErrorIsAResponseWithItsCode) {
    ApiClient client(url());
    auto r = client.get("/fail");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->ok());
    EXPECT_EQ(r->status, 422);
    EXPECT_EQ(r->error_code(), "unknown_reason");
    EXPECT_EQ(r->error_message(), "decisions[0].reasons[0]: unknown reason 'hat'");
    EXPECT_EQ(r->header("photodesk-api"), "1");
}

TEST_F(ApiClientTest, NonJsonBodyGivesNullJson) {
    ApiClient client(url());
    auto r = client.get("/text");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body, "plain failure");
    EXPECT_TRUE(r->content_type.starts_with("text/plain"));
    EXPECT_TRUE(r->json().is_null());
    EXPECT_EQ(r->error_code(), "");
}

// [SECTION] Transport errors

TEST(ApiClientTransport, ConnectionRefusedIsASpecificError) {
    ReservedPort port;
    ASSERT_GT(port.port(), 0);
    ClientOptions options;
    options.retries = 0;
    ApiClient client(url_for(port.port()), "", options);
    auto r = client.push_decisions({});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Unavailable);
    EXPECT_EQ(r.error().message,
              "POST /v1/decisions: connection refused (127.0.0.1:" + std::to_string(port.port()) + ")");
}

TEST(ApiClientTransport, RetriedCallSaysHowManyAttempts) {
    ReservedPort port;
    ClientOptions options;
    options.retries = 2;
    options.retry_backoff_ms = 10;
    ApiClient client(url_for(port.port()), "", options);
    auto r = client.healthz();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "GET /healthz: connection refused (127.0.0.1:" +
                                     std::to_string(port.port()) + ") (after 3 attempts)");
    // Claim is not idempotent: one attempt only.
    auto c = client.claim({});
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().message.find("attempts"), std::string::npos) << c.error().message;
}

TEST_F(ApiClientTest, SlowServerTimesOutAndTheClientRecovers) {
    ClientOptions options;
    options.timeout_ms = 200;
    options.retries = 0;
    ApiClient client(url(), "", options);
    auto r = client.get("/slow");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::Unavailable);
    EXPECT_NE(r.error().message.find("GET /slow: timeout"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("200 ms"), std::string::npos) << r.error().message;
    // The same handle serves the next request.
    EXPECT_EQ(echoed(client.get("/after-timeout"))["path"], "/after-timeout");
}

TEST(ApiClientTransport, MalformedPathIsInvalidArgument) {
    ApiClient client("http://127.0.0.1:1");
    auto r = client.get("v1/me");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(r.error().message, "GET v1/me: path must start with '/'");
}

TEST(ApiClientTransport, UnsupportedSchemeIsInvalidArgument) {
    ApiClient client("ftp://127.0.0.1:1");
    auto r = client.get("/x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument) << r.error().message;
}

// [SECTION] Retries

// The server is down for the first attempt(s) and comes up on the same port: a GET succeeds.
TEST(ApiClientRetry, GetSucceedsWhenTheServerComesUpLate) {
    ReservedPort reserved;
    const int port = reserved.port();
    ASSERT_GT(port, 0);
    ClientOptions options;
    options.retries = 6;
    options.retry_backoff_ms = 100;  // attempts at about 0, 100, 300, 700, 1500, 3100 ms

    httplib::Server server;
    server.set_tcp_nodelay(true);
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"api_version":1,"status":"ok"})", "application/json");
    });
    std::thread late([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        reserved.close();
        if (server.bind_to_port("127.0.0.1", port)) server.listen_after_bind();
    });

    auto start = std::chrono::steady_clock::now();
    std::optional<Result<Response>> r;
    {
        ApiClient client(url_for(port), "", options);
        r.emplace(client.healthz());
    }  // closes the keep-alive connection, or stop() waits for the server's keep-alive timeout
    auto elapsed = std::chrono::steady_clock::now() - start;
    for (int i = 0; i < 500 && !server.is_running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    server.stop();
    late.join();
    ASSERT_TRUE(r->ok()) << r->error().message;
    EXPECT_EQ((*r)->json()["status"], "ok");
    EXPECT_GE(elapsed, std::chrono::milliseconds(250)) << "the first attempt cannot have succeeded";
}

// A raw TCP server that closes the first `drops` connections after reading the request and
// answers the others with a small JSON body: a connection dropped with no response.
class DroppingServer {
public:
    explicit DroppingServer(int drops) : drops_(drops) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        ::listen(fd_, 8);
        thread_ = std::thread([this] { run(); });
    }
    ~DroppingServer() {
        stop_ = true;
        ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
        thread_.join();
        ::close(fd_);
    }
    int port() const { return port_; }
    int connections() const { return connections_; }

private:
    void run() {
        while (!stop_) {
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            int n = ++connections_;
            read_request(c);
            if (n > drops_) {
                static const std::string response =
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
                    "PhotoDesk-API: 1\r\nConnection: close\r\n\r\n{\"ok\":true}";
                (void)!::write(c, response.data(), response.size());
            }
            ::close(c);
        }
    }
    static void read_request(int c) {
        std::string data;
        char buf[4096];
        size_t need = std::string::npos;
        while (need == std::string::npos || data.size() < need) {
            ssize_t got = ::read(c, buf, sizeof buf);
            if (got <= 0) return;
            data.append(buf, static_cast<size_t>(got));
            auto end = data.find("\r\n\r\n");
            if (need == std::string::npos && end != std::string::npos) {
                size_t length = 0;
                auto cl = data.find("Content-Length: ");
                if (cl != std::string::npos && cl < end) length = std::stoul(data.substr(cl + 16));
                need = end + 4 + length;
            }
        }
    }

    int fd_ = -1;
    int port_ = 0;
    int drops_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

TEST(ApiClientRetry, IdempotentPostIsRetriedAfterADroppedConnection) {
    DroppingServer server(1);
    ClientOptions options;
    options.retry_backoff_ms = 10;
    ApiClient client(url_for(server.port()), "", options);
    DecisionInput d{new_decision_id(), 42, "approve", {}, "", std::nullopt, 0};
    auto r = client.push_decisions({d});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->json()["ok"], true);
    EXPECT_EQ(r->header("PhotoDesk-API"), "1");
    EXPECT_EQ(server.connections(), 2);
}

TEST(ApiClientRetry, ClaimIsNotRetriedAfterADroppedConnection) {
    DroppingServer server(1);
    ClientOptions options;
    options.retry_backoff_ms = 10;
    ApiClient client(url_for(server.port()), "", options);
    auto r = client.claim({});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "POST /v1/leases/claim: connection closed by the server before any "
                                 "response (127.0.0.1:" + std::to_string(server.port()) + ")");
    EXPECT_EQ(server.connections(), 1);
}

// [SECTION] Connection reuse, moves, threads

TEST_F(ApiClientTest, ReusesOneConnectionForSequentialRequests) {
    ApiClient client(url());
    std::set<int> ports;
    for (int i = 0; i < 200; ++i) {
        json e = i % 2 ? echoed(client.get("/seq?i=" + std::to_string(i)))
                       : echoed(client.post_json("/seq?i=" + std::to_string(i), {{"i", i}}));
        ASSERT_EQ(e["params"]["i"], std::to_string(i));
        ports.insert(e["remote_port"].get<int>());
    }
    EXPECT_EQ(ports.size(), 1u) << "one keep-alive connection expected";
}

TEST_F(ApiClientTest, MovedClientKeepsWorking) {
    ApiClient a(url(), "tok");
    EXPECT_EQ(echoed(a.me())["authorization"], "Bearer tok");
    ApiClient b(std::move(a));
    EXPECT_EQ(echoed(b.me())["authorization"], "Bearer tok");
    EXPECT_EQ(b.base_url(), url());
    auto r = a.me();  // NOLINT(bugprone-use-after-move): documented behaviour
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    ApiClient c("http://127.0.0.1:1");
    c = std::move(b);
    EXPECT_EQ(echoed(c.me())["authorization"], "Bearer tok");
}

TEST_F(ApiClientTest, OneClientPerThread) {
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            ApiClient client(url(), "t" + std::to_string(t));
            for (int i = 0; i < 50; ++i) {
                auto r = client.me();
                if (r.ok() && r->json()["authorization"] == "Bearer t" + std::to_string(t)) ++good;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(good, 200);
}

// [SECTION] Helpers

TEST(DecisionId, IsAVersion4UuidAndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        std::string id = new_decision_id();
        ASSERT_EQ(id.size(), 36u) << id;
        for (size_t k = 0; k < id.size(); ++k) {
            if (k == 8 || k == 13 || k == 18 || k == 23) {
                ASSERT_EQ(id[k], '-') << id;
            } else {
                ASSERT_TRUE(std::isxdigit(static_cast<unsigned char>(id[k])) &&
                            !std::isupper(static_cast<unsigned char>(id[k])))
                    << id;
            }
        }
        ASSERT_EQ(id[14], '4') << id;
        ASSERT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 10000u);
}

TEST(UrlEscape, EscapesAllButUnreserved) {
    EXPECT_EQ(url_escape("示例大学"), "%E7%A4%BA%E4%BE%8B%E5%A4%A7%E5%AD%A6");
    EXPECT_EQ(url_escape("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df");
    EXPECT_EQ(url_escape("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(url_escape(""), "");
}

TEST(ResponseJson, ParsesErrorFieldsDefensively) {
    Response r;
    r.body = R"({"error":"not an object"})";
    EXPECT_EQ(r.error_code(), "");
    r.body = R"([1,2])";
    EXPECT_TRUE(r.json().is_array());
    EXPECT_EQ(r.error_code(), "");
    r.body = R"({"error":{"code":"conflict","message":"already decided","state":"approved"}})";
    EXPECT_EQ(r.error_code(), "conflict");
    r.body = "{truncated";
    EXPECT_TRUE(r.json().is_null());
    r.status = 204;
    EXPECT_TRUE(r.ok());
    r.status = 302;
    EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace pd::client
