// Metrics: request counters and latency histograms per route, rendered in the Prometheus text
// exposition format 0.0.4 for GET /metrics. Routes are the registered patterns
// ("/v1/submissions/:id"), never raw paths, so label cardinality stays fixed and no ID
// number reaches a label.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace pd::server {

class Metrics {
public:
    void observe_request(const std::string& route, int status, double seconds);
    void count(const std::string& name, const std::string& label_key, const std::string& label,
               std::int64_t n = 1);
    // Everything recorded so far, plus `extra` lines (gauges computed at scrape time).
    std::string render(const std::string& extra) const;

private:
    static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,   0.25,   0.5,   1,    2.5,   10};
    struct Histogram {
        std::array<std::int64_t, kBuckets.size()> buckets{};
        std::int64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mu_;
    std::map<std::pair<std::string, int>, std::int64_t> requests_;
    std::map<std::string, Histogram> durations_;
    std::map<std::string, std::map<std::pair<std::string, std::string>, std::int64_t>> counters_;
};

}  // namespace pd::server
