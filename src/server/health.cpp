#include "server/health.h"

#include <unistd.h>

namespace pd::server {

HealthProbe::HealthProbe(ServiceContext& ctx) : ctx_(ctx) {
    char host[256] = {};
    node_ = ::gethostname(host, sizeof host - 1) == 0 && host[0] ? host : "photodeskd";
}

HealthReport HealthProbe::check() {
    std::lock_guard<std::mutex> lock(mu_);
    const auto tick = std::chrono::steady_clock::now();
    if (last_ && tick - last_at_ < std::chrono::seconds(ctx_.settings().probe_cache_s)) return *last_;
    HealthReport r;
    auto store = ctx_.stores().acquire();
    r.backend = store->backend();
    r.schema_version = store->schema_version();
    if (auto db = store->probe_database(node_, ctx_.now()); db) r.database_ok = true;
    else r.detail = "database: " + db.error().message;
    if (auto img = store->probe_images(); img) r.images_ok = true;
    else r.detail += (r.detail.empty() ? "" : "; ") + std::string("images: ") + img.error().message;
    last_ = r;
    last_at_ = tick;
    return r;
}

}  // namespace pd::server
