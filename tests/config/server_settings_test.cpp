// config/server.toml: the repository's file loads, and the policy numbers of ingest backlogs
// and the queue endpoint are validated with messages that name the key.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "config/config.h"
#include "config/config_test_util.h"
#include "support/test_support.h"

namespace pd::config {
namespace {

using test::replace_once;

std::string repository_text() {
    std::ifstream in(test::config_dir() + "/server.toml");
    EXPECT_TRUE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Result<domain::ServerSettings> parse_with(std::string_view from, std::string_view to) {
    return parse_server_settings(replace_once(repository_text(), from, to), "server.toml");
}

TEST(ServerSettingsConfig, RepositoryFile) {
    auto s = load_server_settings(test::config_dir());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->submitted_at_max_skew_s, 300);
    EXPECT_EQ(s->queue_cache_s, 5);
    EXPECT_EQ(s->max_claim, 100);
}

TEST(ServerSettingsConfig, BacklogSkewAndQueueCacheAreValidated) {
    EXPECT_TRUE(parse_with("cache_seconds = 5", "cache_seconds = 0").ok());   // 0: no cache
    EXPECT_CONFIG_ERROR(parse_with("cache_seconds = 5", "cache_seconds = -1"),
                        "queue.cache_seconds = -1: must be within 0..300");
    EXPECT_CONFIG_ERROR(parse_with("cache_seconds = 5", "cache_seconds = 3600"),
                        "queue.cache_seconds = 3600: must be within 0..300");
    EXPECT_CONFIG_ERROR(parse_with("cache_seconds = 5", "cache_seconds = \"5\""), "queue.cache_seconds");
    EXPECT_CONFIG_ERROR(parse_with("submitted_at_max_skew_seconds = 300", "submitted_at_max_skew_seconds = 86400"),
                        "ingest.submitted_at_max_skew_seconds = 86400: must be within 0..3600");
    EXPECT_CONFIG_ERROR(parse_with("submitted_at_max_skew_seconds = 300", "submitted_at_max_skew = 300"),
                        "unknown key 'ingest.submitted_at_max_skew'");
    EXPECT_CONFIG_ERROR(parse_with("cache_seconds = 5", "cache_seconds = 5\nttl = 5"), "unknown key 'queue.ttl'");
    EXPECT_CONFIG_ERROR(parse_with("[queue]", "[queues]"), "queues");
}

TEST(ServerSettingsConfig, RequestLimitsAndCachesAreRequiredAndValidated) {
    auto s = load_server_settings(test::config_dir());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->header_timeout_s, 10);
    EXPECT_EQ(s->request_timeout_s, 120);
    EXPECT_EQ(s->linger_s, 2);
    EXPECT_EQ(s->max_json_depth, 32);
    EXPECT_EQ(s->token_cache_s, 5);
    EXPECT_EQ(s->sweep_tmp_after_s, 3600);
    EXPECT_EQ(s->probe_cache_s, 2);
    // Each new key is required: a file without it stops the server, naming it.
    for (const char* key : {"header_timeout_s = 10", "request_timeout_s = 120", "linger_s = 2",
                            "max_json_depth = 32", "token_cache_s = 5", "sweep_tmp_after_s = 3600",
                            "probe_cache_s = 2"}) {
        const std::string k = std::string(key).substr(0, std::string(key).find(' '));
        auto r = parse_with(key, "");
        ASSERT_FALSE(r.ok()) << key;
        EXPECT_NE(r.error().message.find(k), std::string::npos) << r.error().message;
    }
    EXPECT_CONFIG_ERROR(parse_with("request_timeout_s = 120", "request_timeout_s = 5"),
                        "request_timeout_s = 5: must be at least http.header_timeout_s");
    EXPECT_CONFIG_ERROR(parse_with("max_json_depth = 32", "max_json_depth = 2"),
                        "http.max_json_depth = 2: must be within 4..1000");
    EXPECT_CONFIG_ERROR(parse_with("token_cache_s = 5", "token_cache_s = 3600"),
                        "auth.token_cache_s = 3600: must be within 0..300");
    EXPECT_CONFIG_ERROR(parse_with("probe_cache_s = 2", "probe_cache_s = 2\nprobe = 1"),
                        "unknown key 'health.probe'");
    EXPECT_TRUE(parse_with("token_cache_s = 5", "token_cache_s = 0").ok());   // 0: every request
}

// The request limits that were numbers in src/server (issue 9): in the file, required, checked.
TEST(ServerSettingsConfig, DecisionAndLeaseLimitsAreInTheFile) {
    auto s = load_server_settings(test::config_dir());
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->max_note_bytes, 4000);
    EXPECT_EQ(s->max_decision_id_chars, 128);
    EXPECT_EQ(s->min_crop_width, 16);
    EXPECT_EQ(s->max_lease_ids, 1000);
    for (const char* key : {"max_note_bytes = 4000", "max_decision_id_chars = 128", "min_crop_width = 16",
                            "max_ids = 1000"}) {
        const std::string k = std::string(key).substr(0, std::string(key).find(' '));
        auto r = parse_with(key, "");
        ASSERT_FALSE(r.ok()) << key;
        EXPECT_NE(r.error().message.find(k), std::string::npos) << r.error().message;
    }
    EXPECT_CONFIG_ERROR(parse_with("max_note_bytes = 4000", "max_note_bytes = 0"),
                        "decisions.max_note_bytes = 0: must be within");
    EXPECT_CONFIG_ERROR(parse_with("max_decision_id_chars = 128", "max_decision_id_chars = 8"),
                        "decisions.max_decision_id_chars = 8: must be within");
    EXPECT_CONFIG_ERROR(parse_with("min_crop_width = 16", "min_crop_width = \"16\""), "decisions.min_crop_width");
    EXPECT_CONFIG_ERROR(parse_with("max_ids = 1000", "max_ids = 10"), "lease.max_ids = 10: must be at least lease.max_claim");
    EXPECT_CONFIG_ERROR(parse_with("max_note_bytes = 4000", "max_note_bytes = 4000\nmax_notes = 1"),
                        "unknown key 'decisions.max_notes'");
    auto wider = parse_with("min_crop_width = 16", "min_crop_width = 64");
    ASSERT_TRUE(wider.ok()) << wider.error().message;
    EXPECT_EQ(wider->min_crop_width, 64);
}

}  // namespace
}  // namespace pd::config
