// Loads config/exif_hints.toml into domain::ExifHints.
#pragma once

#include <string>

#include "common/result.h"
#include "domain/exif_hints.h"

namespace pd::config {

Result<domain::ExifHints> load_exif_hints(const std::string& config_dir);

}  // namespace pd::config
