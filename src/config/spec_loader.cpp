// config/specs/NAME.toml -> domain::SpecProfile.
#include <optional>

#include "config/config.h"
#include "config/toml_reader.h"

namespace pd::config {

namespace {

using detail::Node;

bool is_profile_name(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.front() == '-') return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

std::string show(const domain::Range& r) {
    return "[" + detail::format_number(r.min) + ", " + detail::format_number(r.max) + "]";
}

domain::Rgb read_rgb(const Node& node, std::string_view key) {
    const toml::value& v = node.require(key);
    if (!v.is_array() || v.as_array().size() != 3)
        node.fail_value(key, "must be [r, g, b], three integers 0..255");
    int c[3];
    for (std::size_t i = 0; i < 3; ++i) {
        const toml::value& e = v.as_array()[i];
        const std::string at = node.key_path(key) + "[" + std::to_string(i) + "] = " + detail::describe(e);
        if (!e.is_integer()) node.fail_at(e, at + ": must be an integer 0..255");
        if (e.as_integer() < 0 || e.as_integer() > 255) node.fail_at(e, at + ": must be within 0..255");
        c[i] = static_cast<int>(e.as_integer());
    }
    return domain::Rgb{static_cast<std::uint8_t>(c[0]), static_cast<std::uint8_t>(c[1]),
                       static_cast<std::uint8_t>(c[2])};
}

Result<domain::SpecProfile> parse_spec(std::string_view text, std::string_view origin,
                                       const std::optional<std::string>& expected_name) {
    domain::SpecProfile p;
    Status status = detail::parse_document(text, origin, [&](const Node& root) {
        root.allow_only({"profile", "file", "background", "head", "crop"});

        const Node profile = root.table("profile");
        profile.allow_only({"name", "description"});
        p.name = profile.string("name");
        if (!is_profile_name(p.name)) profile.fail_value("name", "must use only letters, digits, '-' and '_'");
        if (expected_name && p.name != *expected_name)
            profile.fail_value("name", "must equal the file name stem '" + *expected_name + "'");
        p.description = profile.string("description");

        const Node file = root.table("file");
        file.allow_only({"width", "height", "dpi", "min_quality", "min_kb", "max_kb"});
        p.width = file.positive_int("width");
        p.height = file.positive_int("height");
        p.dpi = file.positive_int("dpi");
        p.min_quality = file.int_in("min_quality", 1, 100);
        p.file_kb.min = file.positive_number("min_kb");
        p.file_kb.max = file.positive_number("max_kb");
        if (p.file_kb.min > p.file_kb.max)
            file.fail_value("max_kb", "must not be below file.min_kb = " + detail::format_number(p.file_kb.min));

        const Node background = root.table("background");
        background.allow_only({"rgb", "max_delta_e"});
        p.background = read_rgb(background, "rgb");
        p.background_max_delta_e = background.positive_number("max_delta_e");

        const Node head = root.table("head");
        head.allow_only({"crown_y", "eye_y", "face_width", "max_centre_offset_px"});
        p.crown_y = head.range("crown_y");
        p.eye_y = head.range("eye_y");
        p.face_width = head.range("face_width");
        const std::string height = std::to_string(p.height), width = std::to_string(p.width);
        if (p.crown_y.max > p.height) head.fail_value("crown_y", "max exceeds file.height = " + height);
        if (p.eye_y.max > p.height) head.fail_value("eye_y", "max exceeds file.height = " + height);
        if (p.crown_y.max > p.eye_y.min)
            head.fail_value("crown_y", "must lie above head.eye_y " + show(p.eye_y));
        if (p.face_width.min <= 0) head.fail_value("face_width", "min must be > 0");
        if (p.face_width.max > p.width) head.fail_value("face_width", "max exceeds file.width = " + width);
        p.max_centre_offset_px = head.number_in("max_centre_offset_px", 0, p.width / 2.0);

        const Node crop = root.table("crop");
        crop.allow_only({"target_crown_y", "target_eye_y", "max_upscale", "margin_px", "max_padded_rows"});
        p.target_crown_y = crop.number("target_crown_y");
        if (!p.crown_y.contains(p.target_crown_y))
            crop.fail_value("target_crown_y", "must lie inside head.crown_y " + show(p.crown_y));
        p.target_eye_y = crop.number("target_eye_y");
        if (!p.eye_y.contains(p.target_eye_y))
            crop.fail_value("target_eye_y", "must lie inside head.eye_y " + show(p.eye_y));
        p.max_upscale = crop.positive_number("max_upscale");
        p.margin_px = crop.range("margin_px");
        if (p.margin_px.min < 0) crop.fail_value("margin_px", "min must be >= 0");
        p.max_padded_rows = crop.int_in("max_padded_rows", 0, p.height / 4);
    });
    if (!status) return status.error();
    return p;
}

}  // namespace

Result<domain::SpecProfile> parse_spec_profile(std::string_view toml_text, std::string_view origin) {
    return parse_spec(toml_text, origin, std::nullopt);
}

Result<domain::SpecProfile> load_spec_profile(const std::string& config_dir, const std::string& name) {
    if (!is_profile_name(name))
        return make_error(ErrorCode::InvalidArgument,
                          "invalid spec profile name '" + name + "' (letters, digits, '-' and '_' only)");
    const std::string specs_dir = detail::join_path(config_dir, "specs");
    const std::string path = detail::join_path(specs_dir, name + ".toml");
    Result<std::string> text = detail::read_text_file(path);
    if (!text) {
        if (text.error().code != ErrorCode::NotFound) return text.error();
        std::string available;
        for (const std::string& n : list_spec_profiles(config_dir)) available += (available.empty() ? "" : ", ") + n;
        return make_error(ErrorCode::NotFound, "spec profile '" + name + "' not found in " + specs_dir +
                                                   " (available: " + (available.empty() ? "none" : available) + ")");
    }
    return parse_spec(*text, path, name);
}

}  // namespace pd::config
