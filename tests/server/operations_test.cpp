// Operations: TLS when a certificate is configured, what the logs may not contain, metrics of
// downloads, health on a data directory that cannot be written, and temp files swept at start.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using pd::test::must_respond;

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

// Item 11: downloads (image bytes, export zips) are counted and logged with their real status.
TEST_P(ServerTest, DownloadsAreCountedWithTheirStatus) {
    const auto ids = seed(1, "下载大学");
    auto rev = client("rev1"), sup = client("sup");
    ASSERT_EQ(rev.claim({1, 60}).value().json()["items"].size(), 1u);
    rev.push_decisions({{client::new_decision_id(), ids[0], "approve", {}, "", std::nullopt, 0}});
    EXPECT_EQ(sup.image(ids[0], "original")->status, 200);
    EXPECT_EQ(sup.image(ids[0], "matte")->status, 404);
    auto e = sup.create_export("下载大学");
    ASSERT_TRUE(e.ok() && e->status == 200) << (e.ok() ? e->body : e.error().message);
    auto zip = sup.download_export(e->json()["name"].get<std::string>());
    ASSERT_EQ(zip->status, 200);
    EXPECT_EQ(zip->body.rfind("PK", 0), 0u);

    const std::string m = client("").metrics()->body;
    EXPECT_NE(m.find(R"(photodesk_http_requests_total{route="/v1/submissions/{id}/images/{kind}",status="200"} 1)"),
              std::string::npos) << m;
    EXPECT_NE(m.find(R"(photodesk_http_requests_total{route="/v1/submissions/{id}/images/{kind}",status="404"} 1)"),
              std::string::npos) << m;
    EXPECT_NE(m.find(R"(photodesk_http_requests_total{route="/v1/exports/{name}",status="200"} 1)"), std::string::npos) << m;
    EXPECT_EQ(m.find("status=\"-1\""), std::string::npos) << m;
    const std::string log = server_log();
    EXPECT_NE(log.find("route=/v1/exports/{name} status=200"), std::string::npos) << log;
    EXPECT_EQ(log.find("status=-1"), std::string::npos) << log;
}

// Item 12: a data directory that cannot be written makes /healthz fail, and a 500 tells the
// client a request id, never a server path or SQL (the log has the details under that id).
TEST_P(ServerTest, HealthProbesAWriteAndFailuresHideInternals) {
    restart_with_settings({{"probe_cache_s", "0"}});
    auto h = client("").healthz();
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->status, 200) << h->body;
    // images/tmp, where every image is written first, becomes a file: no write can succeed,
    // whoever runs the server (root ignores permissions).
    const fs::path tmp = dir_ / "data" / "images" / "tmp";
    fs::remove_all(tmp);
    std::ofstream(tmp) << "not a directory";

    auto sick = client("").healthz();
    ASSERT_TRUE(sick.ok());
    EXPECT_EQ(sick->status, 503) << sick->body;
    EXPECT_EQ(sick->json()["status"], "unavailable") << sick->body;
    EXPECT_EQ(sick->body.find(dir_.string()), std::string::npos) << sick->body;

    const nlohmann::json meta = {{"name", "写入"}, {"id_number", valid_id(600)}, {"student_no", "S600"},
                                 {"school", "只读大学"}, {"grade", "2026"}};
    auto r = client("ing").ingest(meta, read_bytes(astronaut_path()), "a.png");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, 500) << r->body;
    EXPECT_EQ(r->error_code(), "internal") << r->body;
    for (const std::string& internal : {dir_.string(), std::string("images/tmp"), std::string("/tmp/"),
                                        std::string("INSERT"), std::string("SELECT")})
        EXPECT_EQ(r->body.find(internal), std::string::npos) << internal << " in " << r->body;
    const std::string id = r->json()["error"].value("request_id", "");
    ASSERT_FALSE(id.empty()) << r->body;
    EXPECT_EQ(r->header("PhotoDesk-Request-Id"), id);
    const std::string log = server_log();
    const auto at = log.find("request_id=" + id);
    ASSERT_NE(at, std::string::npos) << log;
    EXPECT_NE(log.find("images/tmp", at > 2000 ? at - 2000 : 0), std::string::npos) << log;

    // Repaired: healthy again.
    fs::remove(tmp);
    fs::create_directories(tmp);
    EXPECT_EQ(client("").healthz()->status, 200);
}

// Temp files left by a crash (images/tmp, exports/*.tmp-*) are swept when the server starts,
// once they are older than [storage] sweep_tmp_after_s; finished files and young temp files stay.
TEST_P(ServerTest, StartSweepsOldTempFiles) {
    stop_server();
    const fs::path data = dir_ / "data";
    fs::create_directories(data / "exports");
    auto make = [](const fs::path& p, bool old, bool folder = false) {
        if (folder) {
            fs::create_directories(p);
            std::ofstream(p / "x.jpg") << "x";
        } else {
            std::ofstream(p) << "leftover";
        }
        if (old) {
            const time_t t = ::time(nullptr) - 3 * 3600;
            utimbuf times{t, t};
            ::utime(p.c_str(), &times);
        }
    };
    make(data / "images" / "tmp" / "ab12cd34.1-2-3", true);
    make(data / "images" / "tmp" / "ef56ab78.4-5-6", false);
    make(data / "exports" / "学校_abcdef01.zip.tmp-0a1b2c3d", true);
    make(data / "exports" / "pkg.tmp-00ff00ff", true, true);
    make(data / "exports" / "学校_abcdef01.zip", true);
    start_server();
    EXPECT_FALSE(fs::exists(data / "images" / "tmp" / "ab12cd34.1-2-3"));
    EXPECT_TRUE(fs::exists(data / "images" / "tmp" / "ef56ab78.4-5-6"));
    EXPECT_FALSE(fs::exists(data / "exports" / "学校_abcdef01.zip.tmp-0a1b2c3d"));
    EXPECT_FALSE(fs::exists(data / "exports" / "pkg.tmp-00ff00ff"));
    EXPECT_TRUE(fs::exists(data / "exports" / "学校_abcdef01.zip"));
    EXPECT_NE(server_log().find("event=swept"), std::string::npos) << server_log();
}

}  // namespace
}  // namespace pd::test
