// config/engine.toml -> domain::EngineSettings.
//   [engine] version = 1
//   [decode] max_pixels = 100000000, max_file_mb = 60, analysis_long_side = 1600
//   [face]   detect_long_side = 640, final_detect_long_side = 320, min_face_px = 40,
//            retry_upsample = 2.0, rotate_when_no_face = true, small_face_upsample = 2.0,
//            cascade = "/usr/share/opencv4/...xml", cascade_long_side = 512,
//            cascade_min_face_px = 30, cascade_max_face_px = 120, cascade_scale_step = 1.2,
//            cascade_min_neighbours = 5 (0 = no cascade), cascade_verify_face_px = 120,
//            subject_score_share = 0.5, head_side_margin = 0.2, head_top_margin = 0.6
//   [matte]  matte_long_side = 320, forehead_lift = 0.36, local_wall_sigma = 2
//   [render] edge_unmix_radius = 6 (0 = off), edge_unmix_below_alpha = 0.9, edge_unmix_margin = 0.05,
//            edge_unmix_min_contrast = 30
// Every value is a positive integer; min_face_px must be below detect_long_side.
#include "config/config.h"
#include "config/toml_reader.h"

namespace pd::config {

using detail::Node;

Result<domain::EngineSettings> parse_engine_settings(std::string_view toml_text, std::string_view origin) {
    domain::EngineSettings s;
    Status status = detail::parse_document(toml_text, origin, [&](const Node& root) {
        root.allow_only({"engine", "decode", "face", "matte", "render"});

        const Node engine = root.table("engine");
        engine.allow_only({"version"});
        s.version = engine.positive_int("version");

        const Node decode = root.table("decode");
        decode.allow_only({"max_pixels", "max_file_mb", "analysis_long_side"});
        s.max_pixels = decode.integer("max_pixels");
        if (s.max_pixels <= 0) decode.fail_value("max_pixels", "must be > 0");
        s.max_file_bytes = std::int64_t{decode.int_in("max_file_mb", 1, 1 << 20)} * 1024 * 1024;
        s.analysis_long_side = decode.positive_int("analysis_long_side");

        const Node face = root.table("face");
        face.allow_only({"detect_long_side", "final_detect_long_side", "min_face_px", "retry_upsample",
                         "rotate_when_no_face", "small_face_upsample", "cascade", "cascade_long_side",
                         "cascade_min_face_px", "cascade_max_face_px", "cascade_scale_step",
                         "cascade_min_neighbours", "cascade_verify_face_px", "subject_score_share",
                         "head_side_margin", "head_top_margin"});
        s.detect_long_side = face.positive_int("detect_long_side");
        s.final_detect_long_side = face.positive_int("final_detect_long_side");
        s.min_face_px = face.positive_int("min_face_px");
        if (s.min_face_px >= s.detect_long_side)
            face.fail_value("min_face_px", "must be below face.detect_long_side = " + std::to_string(s.detect_long_side));
        s.retry_upsample = face.number_in("retry_upsample", 1, 4);
        s.rotate_when_no_face = face.boolean("rotate_when_no_face", false);
        s.small_face_upsample = face.number_in("small_face_upsample", 1, 4);
        s.cascade = face.string("cascade");
        s.cascade_long_side = face.positive_int("cascade_long_side");
        s.cascade_min_face_px = face.positive_int("cascade_min_face_px");
        s.cascade_max_face_px = face.positive_int("cascade_max_face_px");
        if (s.cascade_max_face_px < s.cascade_min_face_px)
            face.fail_value("cascade_max_face_px", "must be at least face.cascade_min_face_px");
        s.cascade_scale_step = face.number_in("cascade_scale_step", 1.01, 2);
        s.cascade_min_neighbours = face.int_in("cascade_min_neighbours", 0, 100);
        s.cascade_verify_face_px = face.int_in("cascade_verify_face_px", 0, 400);
        s.subject_score_share = face.number_in("subject_score_share", 0.0, 1.0);
        s.head_side_margin = face.number_in("head_side_margin", 0.0, 2.0);
        s.head_top_margin = face.number_in("head_top_margin", 0.0, 2.0);

        const Node matte = root.table("matte");
        matte.allow_only({"matte_long_side", "forehead_lift", "local_wall_sigma"});
        s.matte_long_side = matte.positive_int("matte_long_side");
        s.forehead_lift = matte.number_in("forehead_lift", 0.0, 0.6);
        s.local_wall_sigma = matte.number_in("local_wall_sigma", 0.0, 20.0);

        const Node render = root.table("render");
        render.allow_only({"edge_unmix_radius", "edge_unmix_below_alpha", "edge_unmix_margin", "edge_unmix_min_contrast"});
        s.edge_unmix_radius = render.int_in("edge_unmix_radius", 0, 40);
        s.edge_unmix_below_alpha = render.number_in("edge_unmix_below_alpha", 0.0, 1.0);
        s.edge_unmix_margin = render.number_in("edge_unmix_margin", 0.0, 1.0);
        s.edge_unmix_min_contrast = render.number_in("edge_unmix_min_contrast", 0.0, 442.0);
    });
    if (!status) return status.error();
    return s;
}

Result<domain::EngineSettings> load_engine_settings(const std::string& config_dir) {
    return detail::load_file<domain::EngineSettings>(detail::join_path(config_dir, "engine.toml"),
                                                     parse_engine_settings);
}

}  // namespace pd::config
