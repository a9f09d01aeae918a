#include "setup/engine_setup.h"

#include "config/config.h"
#include "config/exif_hints_loader.h"
#include "engine/crop/crop.h"

namespace pd::setup {

Result<std::shared_ptr<const engine::PhotoEngine>> make_engine(const EngineSetupOptions& opt) {
    const std::string dir = opt.config_dir.empty() ? config::default_config_dir() : opt.config_dir;
    engine::EngineConfig cfg;
    auto spec = config::load_spec_profile(dir, opt.spec);
    if (!spec) return spec.error();
    cfg.spec = std::move(spec.value());
    auto checks = config::load_check_settings(dir);
    if (!checks) return checks.error();
    cfg.checks = std::move(checks.value());
    auto reasons = config::load_reasons(dir);
    if (!reasons) return reasons.error();
    if (auto st = config::validate_check_reasons(cfg.checks, reasons.value()); !st) return st.error();
    for (const auto& r : reasons->all())
        for (const auto& kind : r.suggested_by_refusals)
            if (!engine::refusal::is_kind(kind))
                return make_error(ErrorCode::ConfigInvalid, "reasons.toml: reason '" + r.code +
                                                                "' lists suggested_by_refusals \"" + kind +
                                                                "\", which is no refusal of the engine (engine/crop/crop.h)");
    auto settings = config::load_engine_settings(dir);
    if (!settings) return settings.error();
    cfg.settings = settings.value();
    auto hints = config::load_exif_hints(dir);
    if (!hints) return hints.error();
    cfg.hints = std::move(hints.value());

    auto faces = engine::FaceModel::shared();
    if (!faces) return faces.error();
    auto eng = engine::PhotoEngine::create(std::move(cfg), faces.value());
    if (!eng) return eng.error();
    return std::make_shared<const engine::PhotoEngine>(std::move(eng.value()));
}

}  // namespace pd::setup
