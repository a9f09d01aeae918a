// The composition root of the engine: reads config/ (spec profile, checks, reasons, EXIF
// hints, engine limits), loads the face model once, and builds a PhotoEngine. Shared by the
// CLI, the server, the benchmarks and the tests, so every one of them runs the same engine.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "engine/photo_engine.h"

namespace pd::setup {

struct EngineSetupOptions {
    std::string config_dir;   // empty = config::default_config_dir()
    std::string spec = "chsi-2017";
};

Result<std::shared_ptr<const engine::PhotoEngine>> make_engine(const EngineSetupOptions& opt = {});

}  // namespace pd::setup
