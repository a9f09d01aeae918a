// config/server.toml -> domain::ServerSettings (photodeskd). Every key is required except the
// [tls] paths; unknown keys are errors, as in every other loader.
#include <toml.hpp>

#include "config/config.h"
#include "config/toml_reader.h"

namespace pd::config {

using detail::Node;

Result<domain::ServerSettings> parse_server_settings(std::string_view toml_text, std::string_view origin) {
    domain::ServerSettings s;
    Status status = detail::parse_document(toml_text, origin, [&](const Node& root) {
        root.allow_only({"http", "auth", "storage", "health", "lease", "decisions", "ingest", "queue",
                         "feeds", "tls", "log"});

        const Node http = root.table("http");
        http.allow_only({"listen", "threads", "max_json_bytes", "max_upload_bytes",
                         "keep_alive_max_count", "keep_alive_timeout_s", "read_timeout_s",
                         "header_timeout_s", "request_timeout_s", "linger_s", "max_json_depth"});
        s.listen = http.string("listen");
        if (s.listen.rfind(':') == std::string::npos)
            http.fail_value("listen", "must be HOST:PORT");
        s.threads = http.int_in("threads", 1, 1024);
        s.max_json_bytes = http.int_in("max_json_bytes", 1024, 1 << 30);
        s.max_upload_bytes = http.int_in("max_upload_bytes", 1024, 1 << 30);
        s.keep_alive_max_count = http.positive_int("keep_alive_max_count");
        s.keep_alive_timeout_s = http.positive_int("keep_alive_timeout_s");
        s.read_timeout_s = http.positive_int("read_timeout_s");
        s.header_timeout_s = http.int_in("header_timeout_s", 1, 3600);
        s.request_timeout_s = http.int_in("request_timeout_s", 1, 86400);
        if (s.request_timeout_s < s.header_timeout_s)
            http.fail_value("request_timeout_s", "must be at least http.header_timeout_s");
        s.linger_s = http.int_in("linger_s", 0, 60);
        s.max_json_depth = http.int_in("max_json_depth", 4, 1000);

        const Node auth = root.table("auth");
        auth.allow_only({"token_cache_s"});
        s.token_cache_s = auth.int_in("token_cache_s", 0, 300);

        const Node storage = root.table("storage");
        storage.allow_only({"connections", "sweep_tmp_after_s"});
        s.db_connections = storage.int_in("connections", 1, 1024);
        s.sweep_tmp_after_s = storage.int_in("sweep_tmp_after_s", 60, 30 * 86400);

        const Node health = root.table("health");
        health.allow_only({"probe_cache_s"});
        s.probe_cache_s = health.int_in("probe_cache_s", 0, 60);

        const Node lease = root.table("lease");
        lease.allow_only({"default_seconds", "min_seconds", "max_seconds", "max_claim", "max_ids"});
        s.lease_min_s = lease.positive_int("min_seconds");
        s.lease_max_s = lease.positive_int("max_seconds");
        s.lease_default_s = lease.positive_int("default_seconds");
        if (s.lease_min_s > s.lease_max_s)
            lease.fail_value("min_seconds", "must not exceed lease.max_seconds");
        if (s.lease_default_s < s.lease_min_s || s.lease_default_s > s.lease_max_s)
            lease.fail_value("default_seconds", "must be within min_seconds..max_seconds");
        s.max_claim = lease.int_in("max_claim", 1, 10000);
        s.max_lease_ids = lease.int_in("max_ids", 1, 100000);
        if (s.max_lease_ids < s.max_claim) lease.fail_value("max_ids", "must be at least lease.max_claim");

        const Node decisions = root.table("decisions");
        decisions.allow_only({"max_batch", "max_decision_id_chars", "max_note_bytes", "min_crop_width"});
        s.max_batch = decisions.int_in("max_batch", 1, 10000);
        s.max_decision_id_chars = decisions.int_in("max_decision_id_chars", 36, 1024);
        s.max_note_bytes = decisions.int_in("max_note_bytes", 1, 1 << 20);
        s.min_crop_width = decisions.int_in("min_crop_width", 1, 10000);

        const Node ingest = root.table("ingest");
        ingest.allow_only({"workers", "thumbnail_width", "spec", "submitted_at_max_skew_seconds"});
        s.ingest_workers = ingest.int_in("workers", 1, 256);
        s.thumbnail_width = ingest.int_in("thumbnail_width", 16, 1024);
        s.spec = ingest.string("spec");
        s.submitted_at_max_skew_s = ingest.int_in("submitted_at_max_skew_seconds", 0, 3600);

        const Node queue = root.table("queue");
        queue.allow_only({"cache_seconds"});
        s.queue_cache_s = queue.int_in("cache_seconds", 0, 300);

        const Node feeds = root.table("feeds");
        feeds.allow_only({"events_default_limit", "events_max_limit", "audit_default_limit",
                          "audit_max_limit"});
        s.events_max_limit = feeds.int_in("events_max_limit", 1, 1000000);
        s.events_default_limit = feeds.int_in("events_default_limit", 1, s.events_max_limit);
        s.audit_max_limit = feeds.int_in("audit_max_limit", 1, 1000000);
        s.audit_default_limit = feeds.int_in("audit_default_limit", 1, s.audit_max_limit);

        if (root.has("tls")) {
            const Node tls = root.table("tls");
            tls.allow_only({"cert", "key"});
            if (tls.has("cert")) s.tls_cert = tls.string("cert");
            if (tls.has("key")) s.tls_key = tls.string("key");
            if (s.tls_cert.empty() != s.tls_key.empty())
                tls.fail_value(s.tls_cert.empty() ? "cert" : "key",
                               "tls.cert and tls.key must be set together");
        }

        const Node log = root.table("log");
        log.allow_only({"level"});
        s.log_level = log.string("level");
        static const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
        bool known = false;
        for (const char* l : kLevels) known = known || s.log_level == l;
        if (!known) log.fail_value("level", "must be one of trace, debug, info, warn, error");
    });
    if (!status) return status.error();
    return s;
}

Result<domain::ServerSettings> load_server_settings_file(const std::string& path) {
    return detail::load_file<domain::ServerSettings>(path, parse_server_settings);
}

Result<domain::ServerSettings> load_server_settings(const std::string& config_dir) {
    return load_server_settings_file(detail::join_path(config_dir, "server.toml"));
}

}  // namespace pd::config
