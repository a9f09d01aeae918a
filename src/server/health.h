// HealthProbe: GET /healthz's answer. Healthy means this process can do its job: a committed
// write reaches the database (one row per host in health_probes) and a file can be written
// and fsynced under images/tmp/, where every image is written first. A read-only or full data
// directory, an unreachable or read-only database: unhealthy. The probe is rerun at most once
// per [health] probe_cache_s, since /healthz is open to anyone.
//
// Thread-safe: the last result is guarded by mu_, held while a probe runs (callers arriving
// then share its result).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "server/service_context.h"

namespace pd::server {

struct HealthReport {
    bool database_ok = false;
    bool images_ok = false;
    std::string detail;        // what failed, with paths and SQL: for the log only
    std::string backend;
    int schema_version = 0;

    bool ok() const { return database_ok && images_ok; }
};

class HealthProbe {
public:
    explicit HealthProbe(ServiceContext& ctx);
    HealthReport check();

private:
    ServiceContext& ctx_;
    std::string node_;   // this host's name: its row in health_probes
    std::mutex mu_;
    std::optional<HealthReport> last_;
    std::chrono::steady_clock::time_point last_at_{};
};

}  // namespace pd::server
