// pd::config: loads the project's config/*.toml into domain structs, validating every key.
// Every loader returns pd::Result; nothing throws. Errors are one specific line naming the
// file (and line), the key and the problem, e.g.
//   "/…/config/specs/x.toml:14: unknown key 'head.crown_yy'"          (ConfigInvalid)
//   "/…/config/specs/x.toml:9: file.min_quality = 0: must be within 1..100"
//   "spec profile 'foo' not found in /…/config/specs (available: chsi-2017, …)" (NotFound)
// The parse_* functions take TOML text and an origin used in messages (tests, tools).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/calendar.h"
#include "domain/engine_settings.h"
#include "domain/reason_catalog.h"
#include "domain/server_settings.h"
#include "domain/spec_profile.h"

namespace pd::config {

// $PHOTODESK_CONFIG_DIR when set and non-empty, else the source tree's config/ (build-time).
std::string default_config_dir();

// --- spec profiles: config/specs/NAME.toml -------------------------------------------------
// Profile names (file stems) found in config_dir/specs, sorted; empty if the folder is absent.
std::vector<std::string> list_spec_profiles(const std::string& config_dir);
// NotFound (listing the available names) when there is no such file; InvalidArgument for a
// name that is not a plain file stem; ConfigInvalid when [profile] name differs from NAME.
Result<domain::SpecProfile> load_spec_profile(const std::string& config_dir, const std::string& name);
Result<domain::SpecProfile> parse_spec_profile(std::string_view toml_text, std::string_view origin);

// --- automated check settings: config/checks.toml ------------------------------------------
Result<domain::CheckSettings> load_check_settings(const std::string& config_dir);
Result<domain::CheckSettings> parse_check_settings(std::string_view toml_text, std::string_view origin);

// --- rejection reasons: config/reasons.toml ------------------------------------------------
Result<domain::ReasonCatalog> load_reasons(const std::string& config_dir);
Result<domain::ReasonCatalog> parse_reasons(std::string_view toml_text, std::string_view origin);

// Cross-file consistency: every check's `reason` must be a code in the catalog.
// ConfigInvalid naming the check and the reason otherwise.
Status validate_check_reasons(const domain::CheckSettings& checks, const domain::ReasonCatalog& reasons);

// --- working calendar and SLA: config/calendar.toml ----------------------------------------
Result<domain::WorkCalendar> load_calendar(const std::string& config_dir);
Result<domain::WorkCalendar> parse_calendar(std::string_view toml_text, std::string_view origin);

// --- engine limits: config/engine.toml ----------------------------------------------------
Result<domain::EngineSettings> load_engine_settings(const std::string& config_dir);
Result<domain::EngineSettings> parse_engine_settings(std::string_view toml_text, std::string_view origin);

// --- the server: config/server.toml (or any file of that shape) ----------------------------
Result<domain::ServerSettings> load_server_settings(const std::string& config_dir);
Result<domain::ServerSettings> load_server_settings_file(const std::string& path);
Result<domain::ServerSettings> parse_server_settings(std::string_view toml_text, std::string_view origin);

}  // namespace pd::config
