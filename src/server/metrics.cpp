#include "server/metrics.h"

#include <sstream>

namespace pd::server {

void Metrics::observe_request(const std::string& route, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{route, status}];
    auto& h = durations_[route];
    for (size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.buckets[i];
    ++h.count;
    h.sum += seconds;
}

void Metrics::count(const std::string& name, const std::string& label_key, const std::string& label,
                    std::int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    counters_[name][{label_key, label}] += n;
}

std::string Metrics::render(const std::string& extra) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::ostringstream o;
    o << "# HELP photodesk_http_requests_total HTTP requests by route and status.\n"
         "# TYPE photodesk_http_requests_total counter\n";
    for (const auto& [k, n] : requests_)
        o << "photodesk_http_requests_total{route=\"" << k.first << "\",status=\"" << k.second
          << "\"} " << n << "\n";
    o << "# HELP photodesk_http_request_duration_seconds Time to answer a request.\n"
         "# TYPE photodesk_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : durations_) {
        for (size_t i = 0; i < kBuckets.size(); ++i)
            o << "photodesk_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
              << kBuckets[i] << "\"} " << h.buckets[i] << "\n";
        o << "photodesk_http_request_duration_seconds_bucket{route=\"" << route
          << "\",le=\"+Inf\"} " << h.count << "\n";
        o << "photodesk_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n";
        o << "photodesk_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count
          << "\n";
    }
    for (const auto& [name, series] : counters_) {
        o << "# TYPE " << name << " counter\n";
        for (const auto& [label, n] : series)
            o << name << "{" << label.first << "=\"" << label.second << "\"} " << n << "\n";
    }
    o << extra;
    return o.str();
}

}  // namespace pd::server
