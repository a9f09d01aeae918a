// config/checks.toml -> domain::CheckSettings.
//   [checks.<check_id>]
//   reason = "<reason code>"   # required
//   enabled = true             # optional, default true
//   <param> = <number>         # any other key: a numeric parameter (int or float)
// Which parameters a check accepts is the engine's check registry's business; here every
// parameter must merely be a finite number with an identifier name.
#include "config/config.h"
#include "config/toml_reader.h"

namespace pd::config {

using detail::Node;

Result<domain::CheckSettings> parse_check_settings(std::string_view toml_text, std::string_view origin) {
    domain::CheckSettings settings;
    Status status = detail::parse_document(toml_text, origin, [&](const Node& root) {
        root.allow_only({"checks"});
        const Node checks = root.table("checks");
        for (const auto& [id, value] : checks.entries()) {
            if (!domain::is_identifier(id))
                checks.fail_at(*value, "check id '" + checks.key_path(id) + "' must use only a-z, 0-9 and _");
            const Node check(*value, checks.key_path(id), std::string(origin));

            domain::CheckConfig config;
            config.reason = check.string("reason");
            if (!domain::is_identifier(config.reason))
                check.fail_value("reason", "must be a reason code (a-z, 0-9 and _)");
            config.enabled = check.boolean("enabled", true);
            for (const auto& [key, param] : check.entries()) {
                if (key == "reason" || key == "enabled") continue;
                if (!domain::is_identifier(key))
                    check.fail_at(*param, "parameter name '" + check.key_path(key) + "' must use only a-z, 0-9 and _");
                config.params[key] = check.number(key);
            }
            settings[id] = std::move(config);
        }
    });
    if (!status) return status.error();
    return settings;
}

Result<domain::CheckSettings> load_check_settings(const std::string& config_dir) {
    return detail::load_file<domain::CheckSettings>(detail::join_path(config_dir, "checks.toml"),
                                                    parse_check_settings);
}

Status validate_check_reasons(const domain::CheckSettings& checks, const domain::ReasonCatalog& reasons) {
    for (const auto& [id, config] : checks) {
        if (reasons.find(config.reason) == nullptr)
            return make_error(ErrorCode::ConfigInvalid, "checks.toml: checks." + id + ".reason = \"" +
                                                            config.reason + "\" is not a code in reasons.toml");
    }
    return Ok{};
}

}  // namespace pd::config
