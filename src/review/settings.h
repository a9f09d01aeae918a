// How the workstation works the queue, keeps decisions and uses memory: config/workstation.toml,
// every key required and range-checked (one specific line per problem, as every loader here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace pd::review {

struct WorkstationSettings {
    // [queue]
    int prefetch = 12;
    int claim_batch = 10;
    int lease_seconds = 300;
    int renew_margin_seconds = 120;
    int empty_poll_seconds = 5;
    int stats_poll_seconds = 30;
    // [outbox]
    int push_delay_ms = 3000;
    int push_batch = 50;
    int backoff_min_ms = 500;
    int backoff_max_ms = 30000;
    int keep_answered_days = 30;
    // [session]
    int keep_back = 30;
    int rate_window_seconds = 900;
    // [images]
    int original_max_side = 1600;
    int texture_budget_mb = 256;
    int upload_budget_mb_per_frame = 24;
    int cache_mb = 512;
    int decode_threads = 2;
    std::int64_t max_pixels = 100'000'000;
    int history_thumbnail_max_side = 320;
    // [view]
    double font_size = 17;
    double zoom_step = 1.25;
    double zoom_max = 8;
    double pan_step_px = 60;
    double crop_step_fraction = 0.01;
    double crop_scale_step = 1.02;
    double toast_seconds = 4;
    double idle_wake_seconds = 30;
    // [network]
    int connect_timeout_ms = 2000;
    int timeout_ms = 15000;
    // [reasons]
    std::vector<std::string> reason_bar;
};

Result<WorkstationSettings> parse_workstation_settings(std::string_view toml_text, std::string_view origin);
// config_dir/workstation.toml
Result<WorkstationSettings> load_workstation_settings(const std::string& config_dir);

}  // namespace pd::review
