// make_services(): the composition root (services.h).
#include "server/services.h"

#include "config/config.h"
#include "exchange/export_package.h"
#include "setup/engine_setup.h"

namespace pd::server {

Services::Services(ServiceParts parts)
    : ctx(std::move(parts)),
      recrop(ctx),
      auth(ctx),
      ingest(ctx),
      review(ctx, recrop),
      supervision(ctx, recrop),
      exports(ctx),
      admin(ctx, auth),
      health(ctx) {}

Result<std::unique_ptr<Services>> make_services(const ServiceOptions& opt) {
    const std::string cfg = opt.config_dir.empty() ? config::default_config_dir() : opt.config_dir;
    auto settings = opt.settings_file.empty() ? config::load_server_settings(cfg)
                                              : config::load_server_settings_file(opt.settings_file);
    if (!settings) return settings.error();
    auto reasons = config::load_reasons(cfg);
    if (!reasons) return reasons.error();
    auto calendar = config::load_calendar(cfg);
    if (!calendar) return calendar.error();

    ServiceParts parts;
    parts.settings = settings.value();
    parts.reasons = std::move(reasons).value();
    parts.calendar = std::move(calendar).value();
    parts.data_dir = opt.data_dir;
    if (opt.load_engine) {
        auto engine = setup::make_engine({cfg, parts.settings.spec});
        if (!engine) return engine.error();
        parts.engine = engine.value();
    }
    const std::filesystem::path data = opt.data_dir;
    const std::string db = opt.db;
    auto pool = StorePool::open(
        [&]() -> Result<std::unique_ptr<storage::Store>> {
            return db.empty() ? storage::open_sqlite_store(data) : storage::open_postgres_store(db, data);
        },
        opt.pool_size > 0 ? opt.pool_size : parts.settings.db_connections);
    if (!pool) return pool.error();
    parts.stores = std::move(pool).value();
    return std::make_unique<Services>(std::move(parts));
}

Result<int> sweep_temp_files(Services& s) {
    const std::int64_t age = s.ctx.settings().sweep_tmp_after_s;
    int removed = 0;
    {
        auto store = s.ctx.stores().acquire();
        auto images = store->sweep_image_tmp(age);
        if (!images) return images.error();
        removed += images.value();
    }
    auto exports = exchange::sweep_temp_outputs(s.ctx.data_dir() / "exports", age);
    if (!exports) return exports.error();
    return removed + exports.value();
}

}  // namespace pd::server
