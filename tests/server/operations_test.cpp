// Operations: TLS when a certificate is configured, and what the logs may not contain.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_P(ServerTest, ServesHttpsWhenACertificateIsConfigured) {
    const fs::path cert = dir_ / "cert.pem", key = dir_ / "key.pem";
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                            "-addext subjectAltName=IP:127.0.0.1 -keyout '" + key.string() +
                            "' -out '" + cert.string() + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
    // The default settings plus a [tls] table.
    std::string settings = slurp(fs::path(PD_TEST_CONFIG_DIR) / "server.toml");
    settings = std::regex_replace(settings, std::regex(R"(\n\[tls\]\n[^\[]*)"),
                                  "\n[tls]\ncert = \"" + cert.string() + "\"\nkey = \"" + key.string() + "\"\n\n");
    std::ofstream(dir_ / "server-tls.toml") << settings;

    stop_server();
    extra_serve_args_ = {"--config", (dir_ / "server-tls.toml").string()};
    start_server();
    ASSERT_EQ(scheme_, "https") << server_log();

    client::ClientOptions opt;
    opt.ca_file = cert.string();
    auto tls = client("rev1", opt);
    auto r = tls.me();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->json()["name"], "rev1");
    // Plain HTTP to the TLS port gets no API answer.
    client::ClientOptions quick;
    quick.retries = 0;
    quick.timeout_ms = 3000;
    client::ApiClient plain("http://127.0.0.1:" + std::to_string(port_), token("rev1"), quick);
    auto p = plain.me();
    EXPECT_TRUE(!p.ok() || p->status != 200);
    // A client that does not trust the certificate is refused.
    client::ClientOptions strict;
    strict.retries = 0;
    EXPECT_FALSE(client("rev1", strict).me().ok());
}

TEST_P(ServerTest, LogsAreStructuredAndNeverHoldAFullIdNumber) {
    auto ing = client("ing");
    nlohmann::json meta = {{"name", "王五"}, {"id_number", valid_id(5)}, {"student_no", "S5"},
                           {"school", "日志大学"}, {"grade", "2026"}};
    auto r = ing.ingest(meta, read_bytes(astronaut_path()), "a.png");
    ASSERT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.error().message);
    std::string bad = valid_id(6);
    bad.back() = bad.back() == '1' ? '2' : '1';
    meta["id_number"] = bad;
    EXPECT_EQ(ing.ingest(meta, read_bytes(astronaut_path()), "a.png")->error_code(), "invalid_id_number");
    auto admin = client("admin");
    ASSERT_TRUE(admin.unlock(valid_id(5), "checking the log").ok());  // the ID is in the path
    client::ApiClient feed = client("ing");
    ASSERT_TRUE(feed.events(0, 10).ok());

    const std::string log = server_log();
    EXPECT_NE(log.find("event=request method=POST route=/v1/submissions status=201"), std::string::npos) << log;
    EXPECT_NE(log.find("route=/v1/students/{id_number}/unlock"), std::string::npos) << log;
    EXPECT_EQ(log.find(valid_id(5)), std::string::npos) << log;
    EXPECT_EQ(log.find(bad), std::string::npos) << log;
}

}  // namespace
}  // namespace pd::test
