#include "review/settings.h"

#include "config/toml_reader.h"

namespace pd::review {

using config::detail::Node;

Result<WorkstationSettings> parse_workstation_settings(std::string_view text, std::string_view origin) {
    WorkstationSettings s;
    auto st = config::detail::parse_document(text, origin, [&](const Node& root) {
        root.allow_only({"queue", "outbox", "session", "images", "view", "network", "reasons"});
        const Node q = root.table("queue");
        q.allow_only({"prefetch", "claim_batch", "lease_seconds", "renew_margin_seconds", "empty_poll_seconds",
                      "stats_poll_seconds"});
        s.prefetch = q.int_in("prefetch", 1, 100);
        s.claim_batch = q.int_in("claim_batch", 1, 100);
        s.lease_seconds = q.int_in("lease_seconds", 30, 3600);
        s.renew_margin_seconds = q.int_in("renew_margin_seconds", 5, 3000);
        if (s.renew_margin_seconds * 2 > s.lease_seconds)
            q.fail_value("renew_margin_seconds", "must be at most half of lease_seconds (" +
                                                     std::to_string(s.lease_seconds) + ")");
        s.empty_poll_seconds = q.int_in("empty_poll_seconds", 1, 600);
        s.stats_poll_seconds = q.int_in("stats_poll_seconds", 1, 3600);

        const Node o = root.table("outbox");
        o.allow_only({"push_delay_ms", "push_batch", "backoff_min_ms", "backoff_max_ms", "keep_answered_days"});
        s.push_delay_ms = o.int_in("push_delay_ms", 0, 60000);
        s.push_batch = o.int_in("push_batch", 1, 1000);
        s.backoff_min_ms = o.int_in("backoff_min_ms", 10, 60000);
        s.backoff_max_ms = o.int_in("backoff_max_ms", s.backoff_min_ms, 600000);
        s.keep_answered_days = o.int_in("keep_answered_days", 1, 3650);

        const Node se = root.table("session");
        se.allow_only({"keep_back", "rate_window_seconds"});
        s.keep_back = se.int_in("keep_back", 1, 1000);
        s.rate_window_seconds = se.int_in("rate_window_seconds", 60, 86400);

        const Node im = root.table("images");
        im.allow_only({"original_max_side", "texture_budget_mb", "upload_budget_mb_per_frame", "cache_mb",
                       "decode_threads", "max_pixels", "history_thumbnail_max_side"});
        s.original_max_side = im.int_in("original_max_side", 256, 8192);
        s.texture_budget_mb = im.int_in("texture_budget_mb", 16, 16384);
        s.upload_budget_mb_per_frame = im.int_in("upload_budget_mb_per_frame", 1, 1024);
        s.cache_mb = im.int_in("cache_mb", 16, 1 << 20);
        s.decode_threads = im.int_in("decode_threads", 1, 16);
        s.max_pixels = im.integer("max_pixels");
        if (s.max_pixels < 1'000'000) im.fail_value("max_pixels", "must be at least 1000000");
        s.history_thumbnail_max_side = im.int_in("history_thumbnail_max_side", 32, 2048);

        const Node v = root.table("view");
        v.allow_only({"font_size", "zoom_step", "zoom_max", "pan_step_px", "crop_step_fraction", "crop_scale_step",
                      "toast_seconds", "idle_wake_seconds"});
        s.font_size = v.number_in("font_size", 8, 48);
        s.zoom_step = v.number_in("zoom_step", 1.01, 4);
        s.zoom_max = v.number_in("zoom_max", 1, 64);
        s.pan_step_px = v.number_in("pan_step_px", 1, 2000);
        s.crop_step_fraction = v.number_in("crop_step_fraction", 0.001, 0.5);
        s.crop_scale_step = v.number_in("crop_scale_step", 1.001, 2);
        s.toast_seconds = v.number_in("toast_seconds", 0.5, 60);
        s.idle_wake_seconds = v.number_in("idle_wake_seconds", 1, 3600);

        const Node n = root.table("network");
        n.allow_only({"connect_timeout_ms", "timeout_ms"});
        s.connect_timeout_ms = n.int_in("connect_timeout_ms", 100, 60000);
        s.timeout_ms = n.int_in("timeout_ms", 500, 600000);

        const Node r = root.table("reasons");
        r.allow_only({"bar"});
        const toml::value& bar = r.require("bar");
        if (!bar.is_array()) r.fail_value("bar", "must be a list of reason codes");
        for (const auto& e : bar.as_array()) {
            if (!e.is_string()) r.fail_at(e, "reasons.bar: " + config::detail::describe(e) + " is not a reason code");
            s.reason_bar.push_back(e.as_string());
        }
    });
    if (!st) return st.error();
    return s;
}

Result<WorkstationSettings> load_workstation_settings(const std::string& config_dir) {
    return config::detail::load_file<WorkstationSettings>(config::detail::join_path(config_dir, "workstation.toml"),
                                                          parse_workstation_settings);
}

}  // namespace pd::review
