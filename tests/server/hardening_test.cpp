// Requests built to hurt the server (docs/api.md, "Limits"), against a real photodeskd on both
// backends: a body nested 400,000 levels deep, unknown keys in a crop, slow connections that
// send half a header, large bodies without a token or over the route's limit (answered before
// the body is read), chunked bodies, and `curl -d` batches sent as form data.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

#include "server/raw_http.h"
#include "server/server_checks.h"
#include "server/server_fixture.h"

namespace pd::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json decision(std::int64_t id, const std::string& verdict) {
    return {{"decision_id", client::new_decision_id()}, {"submission_id", id}, {"verdict", verdict},
            {"reasons", json::array()}};
}

// `depth` nested arrays, as text: [[[...]]].
std::string nested(int depth) { return std::string(size_t(depth), '[') + std::string(size_t(depth), ']'); }

// [SECTION] item 1: deep nesting and unknown keys in crop

TEST_P(ServerTest, HardeningDeepJsonIsRefusedAndCropIsRebuilt) {
    const auto ids = seed(2);
    auto rev = client("rev1");
    ASSERT_EQ(must_respond(rev.claim({.n = 2, .lease_seconds = 600}), "claim").json()["items"].size(), 2u);

    // 400,000 levels (0.8 MB, under max_json_bytes) in an extra key of a re-crop's crop.
    const std::string deep_crop = R"({"decisions":[{"decision_id":"deep-1","submission_id":)" +
                                  std::to_string(ids[0]) +
                                  R"(,"verdict":"approve_recropped","crop":{"x":1,"y":2,"width":300,"extra":)" +
                                  nested(400000) + "}}]}";
    ASSERT_LT(deep_crop.size(), 1024u * 1024);
    auto r = must_respond(rev.request("POST", "/v1/decisions", deep_crop, "application/json"), "deep crop");
    EXPECT_EQ(r.status, 400) << r.body.substr(0, 300);
    EXPECT_EQ(r.error_code(), "invalid_json") << r.body.substr(0, 300);
    EXPECT_NE(r.error_message().find("nested"), std::string::npos) << r.error_message();

    // Every body has the cap: a claim and an ingest's meta part.
    auto claim = must_respond(rev.request("POST", "/v1/leases/claim", R"({"n":)" + nested(100) + "}",
                                          "application/json"),
                              "deep claim");
    EXPECT_EQ(claim.status, 400);
    EXPECT_EQ(claim.error_code(), "invalid_json");
    const std::string meta = R"({"name":)" + nested(1000) + "}";
    auto ing = client("ing");
    auto m = must_respond(ing.request("POST", "/v1/submissions",
                                      "--b\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n" + meta +
                                          "\r\n--b\r\nContent-Disposition: form-data; name=\"photo\"; "
                                          "filename=\"p.jpg\"\r\n\r\nxx\r\n--b--\r\n",
                                      "multipart/form-data; boundary=b"),
                          "deep meta");
    EXPECT_EQ(m.status, 400) << m.body;
    EXPECT_EQ(m.error_code(), "invalid_json");

    // The server is alive and the items are still leased, undecided.
    EXPECT_EQ(must_respond(client("").healthz(), "healthz").status, 200);
    auto store = open_store();
    ASSERT_TRUE(store);
    for (auto id : ids) EXPECT_EQ(store->get_submission(id)->state, storage::SubmissionState::leased);

    // A crop carries x, y and width only: any other key is refused by name, in a decision and
    // in an overturn.
    json d = decision(ids[0], "approve_recropped");
    d["crop"] = {{"x", 1.0}, {"y", 2.0}, {"width", 300.0}, {"z", 1}};
    auto extra = must_respond(rev.post_json("/v1/decisions", {{"decisions", {d}}}), "crop with z");
    EXPECT_EQ(extra.status, 400) << extra.body;
    EXPECT_EQ(extra.json()["error"].value("field", ""), "decisions[0].crop.z") << extra.body;
    must_respond(rev.push_decisions({{client::new_decision_id(), ids[1], "approve", {}, "", std::nullopt, 0}}), "approve");
    auto sup = client("sup");
    auto o = must_respond(sup.post_json("/v1/submissions/" + std::to_string(ids[1]) + "/overturn",
                                        {{"verdict", "approve_recropped"},
                                         {"note", "n"},
                                         {"crop", {{"x", 1.0}, {"y", 2.0}, {"width", 300.0}, {"extra", {{"a", 1}}}}}}),
                          "overturn crop");
    EXPECT_EQ(o.status, 400) << o.body;
    EXPECT_EQ(o.json()["error"].value("field", ""), "crop.extra") << o.body;
}

// [SECTION] item 2: slow connections

// Sockets that send half a request and then a byte now and then, reconnecting when cut.
class SlowClients {
public:
    SlowClients(int port, int n) : port_(port), fds_(size_t(n), -1) {
        thread_ = std::thread([this] { run(); });
    }
    ~SlowClients() {
        stop_ = true;
        thread_.join();
        for (int fd : fds_)
            if (fd >= 0) ::close(fd);
    }
    int reconnects() const { return reconnects_.load(); }

private:
    void run() {
        while (!stop_) {
            for (int& fd : fds_) {
                if (fd < 0) {
                    fd = raw::connect_local(port_);
                    if (fd >= 0 && !raw::send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")) {
                        ::close(fd);
                        fd = -1;
                    }
                    continue;
                }
                pollfd p{fd, POLLIN, 0};
                char buf[512];
                const bool cut = (::poll(&p, 1, 0) > 0 && ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) ||
                                 !raw::send_all(fd, "x");
                if (cut) {
                    ::close(fd);
                    fd = -1;
                    ++reconnects_;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
    }

    int port_;
    std::vector<int> fds_;
    std::atomic<bool> stop_{false};
    std::atomic<int> reconnects_{0};
    std::thread thread_;
};

TEST_P(ServerTest, HardeningSlowConnectionsDoNotFreezeTheServer) {
    restart_with_settings({{"threads", "8"}, {"header_timeout_s", "2"}, {"request_timeout_s", "4"}});
    {
        // Twice the threads, never finishing a header, reconnecting as soon as they are cut:
        // each holds a thread for header_timeout_s at most, so others wait a few seconds in
        // the queue instead of forever (before: /healthz timed out). nginx in front (deploy/)
        // keeps them from photodeskd altogether.
        SlowClients slow(port_, 16);
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        client::ClientOptions opt;
        opt.retries = 0;
        opt.timeout_ms = 10000;
        for (int i = 0; i < 3; ++i) {
            for (const std::string who : {"", "rev1"}) {
                const auto t0 = Clock::now();
                auto r = who.empty() ? client("", opt).healthz() : client(who, opt).me();
                ASSERT_TRUE(r.ok()) << (who.empty() ? "healthz" : "me") << " under slow connections: " << r.error().message;
                EXPECT_EQ(r->status, 200);
                const double s = std::chrono::duration<double>(Clock::now() - t0).count();
                std::cout << "[ slow ] " << GetParam() << ": " << (who.empty() ? "healthz" : "me") << " answered in " << s
                          << " s\n";
                EXPECT_LT(s, 7.0);
            }
        }
        // The requests above may all be answered before the first cut is noticed (the slow
        // clients look every 300 ms): give the cut header_timeout_s more.
        const auto cut_by = Clock::now() + std::chrono::seconds(2);
        while (slow.reconnects() == 0 && Clock::now() < cut_by)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_GT(slow.reconnects(), 0) << "no slow connection was ever cut";
    }

    // A body sent a byte at a time is cut at request_timeout_s, token or not.
    const int fd = raw::connect_local(port_);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(raw::send_all(fd, "POST /v1/leases/claim HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token("rev1") +
                                      "\r\nContent-Length: 1000\r\n\r\n{"));
    const auto t0 = Clock::now();
    bool closed = false;
    while (!closed && Clock::now() - t0 < std::chrono::seconds(12)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        pollfd p{fd, POLLIN, 0};
        char buf[4096];
        if (::poll(&p, 1, 0) > 0 && ::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) closed = true;
        else if (!raw::send_all(fd, " ")) closed = true;
    }
    ::close(fd);
    EXPECT_TRUE(closed) << "a body trickling in for 12 s was never cut";
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 8.0);
    EXPECT_NE(server_log().find("event=request_timeout"), std::string::npos) << server_log();
}

// [SECTION] item 3: authentication and Content-Length before the body

TEST_P(ServerTest, HardeningAuthAndLengthAreCheckedBeforeTheBody) {
    struct Case {
        std::string head;       // request line and headers, without the blank line
        int status;
        std::string code;
    };
    const std::string bearer_rev = "Authorization: Bearer " + token("rev1") + "\r\n";
    const std::string bearer_ing = "Authorization: Bearer " + token("ing") + "\r\n";
    const std::vector<Case> cases = {
        // 62 MB without a token (4 of these raised memory by 270 MB before).
        {"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 65011712\r\n",
         401, "unauthorized"},
        {"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer pdt_nope\r\nContent-Length: 65011712\r\n",
         401, "unauthorized"},
        // A token whose role may not call the route.
        {"POST /v1/users HTTP/1.1\r\nHost: x\r\n" + bearer_rev + "Content-Length: 65011712\r\n", 403, "forbidden"},
        // Over the route's own limit: JSON routes take [http] max_json_bytes, not the upload limit.
        {"POST /v1/decisions HTTP/1.1\r\nHost: x\r\n" + bearer_rev + "Content-Length: 2097152\r\n", 413,
         "payload_too_large"},
        {"POST /v1/submissions HTTP/1.1\r\nHost: x\r\n" + bearer_ing +
             "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 70000000\r\n",
         413, "payload_too_large"},
        // Routes without a body take none; unknown routes are refused before their body.
        {"GET /v1/me HTTP/1.1\r\nHost: x\r\n" + bearer_rev + "Content-Length: 10000000\r\n", 413, "payload_too_large"},
        {"POST /v1/nope HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n", 404, "not_found"},
        // Expect: 100-continue gets the refusal instead of "100 Continue".
        {"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 65011712\r\n", 401,
         "unauthorized"},
        // A chunked body without a token.
        {"POST /v1/decisions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n", 401, "unauthorized"},
    };
    for (const auto& c : cases) {
        const int fd = raw::connect_local(port_);
        ASSERT_GE(fd, 0);
        ASSERT_TRUE(raw::send_all(fd, c.head + "\r\n" + std::string(1024, '{')));
        const auto reply = raw::read_until_close(fd, 5000);
        ::close(fd);
        const std::string line = c.head.substr(0, c.head.find('\r'));
        EXPECT_EQ(raw::status_of(reply.bytes), c.status) << line << "\n-> " << reply.bytes.substr(0, 300);
        EXPECT_TRUE(reply.closed) << line << ": the connection stays open with the body unread";
        EXPECT_LT(reply.seconds, 4.0) << line;
        const json body = json::parse(raw::body_of(reply.bytes), nullptr, false);
        EXPECT_EQ(body.is_object() ? body["error"].value("code", "") : "", c.code) << line << "\n-> " << reply.bytes;
        EXPECT_NE(reply.bytes.find("PhotoDesk-API: 1"), std::string::npos) << line;
    }

    // Chunked JSON is read as JSON, up to the same limit.
    auto chunked = [&](const std::string& body) {
        std::string req = "POST /v1/leases/claim HTTP/1.1\r\nHost: x\r\n" + bearer_rev +
                          "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n";
        for (size_t at = 0; at < body.size(); at += 60000) {
            const std::string part = body.substr(at, 60000);
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", part.size());
            req += size + part + "\r\n";
        }
        req += "0\r\n\r\n";
        const int fd = raw::connect_local(port_);
        raw::send_all(fd, req);
        ::shutdown(fd, SHUT_WR);
        auto reply = raw::read_until_close(fd, 5000);
        ::close(fd);
        return reply.bytes;
    };
    const std::string ok = chunked(R"({"n": 1})");
    EXPECT_EQ(raw::status_of(ok), 200) << ok;
    const std::string big = chunked(R"({"n": 1, "pad": ")" + std::string(2 * 1024 * 1024, 'x') + R"("})");
    EXPECT_EQ(raw::status_of(big), 413) << big.substr(0, 300);

    // The server is fine afterwards.
    EXPECT_EQ(must_respond(client("rev1").me(), "me").status, 200);
}

// [SECTION] item 15: `curl -d` posts form data

TEST_P(ServerTest, HardeningFormEncodedJsonIsJson) {
    const auto ids = seed(100);
    ASSERT_EQ(ids.size(), 100u);
    auto rev = client("rev1");
    ASSERT_EQ(must_respond(rev.claim({.n = 100, .lease_seconds = 600}), "claim").json()["items"].size(), 100u);
    auto batch = [&](size_t from, size_t to) {
        json list = json::array();
        for (size_t i = from; i < to; ++i) {
            json d = decision(ids[i], "reject");
            d["reasons"] = {"other"};
            d["note"] = std::string(80, 'n');   // well over 8 KB in all
            list.push_back(d);
        }
        return json{{"decisions", list}}.dump();
    };
    // As curl -d sends it: Content-Type application/x-www-form-urlencoded.
    const std::string first = batch(0, 50);
    ASSERT_GT(first.size(), 8192u);
    auto r = must_respond(rev.request("POST", "/v1/decisions", first, "application/x-www-form-urlencoded"), "form");
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    EXPECT_EQ(r.json()["results"].size(), 50u);

    // And with the curl command itself, when it is installed.
    if (std::system("curl --version >/dev/null 2>&1") != 0) {
        std::cout << "[ curl ] not installed: the curl -d half is skipped\n";
        return;
    }
    const auto file = dir_ / "batch.json";
    std::ofstream(file) << batch(50, 100);
    const std::string cmd = "curl -s -H 'Authorization: Bearer " + token("rev1") + "' -d @'" + file.string() +
                            "' " + base_url() + "/v1/decisions";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
    const json j = json::parse(out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << out.substr(0, 300);
    ASSERT_TRUE(j.contains("results")) << out.substr(0, 300);
    EXPECT_EQ(j["results"].size(), 50u);
    for (const auto& x : j["results"]) EXPECT_EQ(x["status"], "applied") << x.dump();
}

// [SECTION] limits from the settings

// The request limits are [decisions] and [lease] keys of server.toml, not numbers in the code.
TEST_P(ServerTest, HardeningRequestLimitsComeFromTheSettings) {
    restart_with_settings(
        {{"min_crop_width", "64"}, {"max_note_bytes", "10"}, {"max_decision_id_chars", "40"}, {"max_ids", "150"}});
    const auto ids = seed(1);
    auto rev = client("rev1");
    ASSERT_EQ(must_respond(rev.claim({.n = 1, .lease_seconds = 600}), "claim").json()["items"].size(), 1u);
    auto push = [&](const json& d) { return must_respond(rev.post_json("/v1/decisions", {{"decisions", {d}}}), "push"); };

    json narrow = decision(ids[0], "approve_recropped");
    narrow["crop"] = {{"x", 1.0}, {"y", 2.0}, {"width", 63.0}};
    auto r = push(narrow);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["error"].value("field", ""), "decisions[0].crop.width") << r.body;
    EXPECT_NE(r.error_message().find("64"), std::string::npos) << r.body;

    json noted = decision(ids[0], "reject");
    noted["reasons"] = {"other"};
    noted["note"] = std::string(11, 'n');
    r = push(noted);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["error"].value("field", ""), "decisions[0].note") << r.body;

    json long_id = decision(ids[0], "approve");
    long_id["decision_id"] = std::string(41, 'd');
    r = push(long_id);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["error"].value("field", ""), "decisions[0].decision_id") << r.body;

    std::vector<std::int64_t> many(151);
    for (size_t i = 0; i < many.size(); ++i) many[i] = ids[0] + std::int64_t(i);
    auto renew = must_respond(rev.post_json("/v1/leases/renew", {{"ids", many}}), "renew 151");
    EXPECT_EQ(renew.status, 400) << renew.body;
    EXPECT_EQ(renew.json()["error"].value("field", ""), "ids") << renew.body;
    many.resize(150);
    EXPECT_EQ(must_respond(rev.post_json("/v1/leases/renew", {{"ids", many}}), "renew 150").status, 200);

    // At the limits, the decision applies.
    noted["note"] = std::string(10, 'n');
    noted["decision_id"] = std::string(40, 'd');
    r = push(noted);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["results"][0]["status"], "applied") << r.body;
}

}  // namespace
}  // namespace pd::test
