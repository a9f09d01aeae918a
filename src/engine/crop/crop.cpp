#include "engine/crop/crop.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace pd::engine {

HeadMeasure measure_head(const Face& face, int crown_row) {
    HeadMeasure h;
    h.crown_y = crown_row;
    h.eye_y = face.eyes_midpoint().y;
    h.centre_x = (face.points[lm::kJawLeft].x + face.points[lm::kJawRight].x) / 2.0;
    h.face_width = face.face_width();
    h.chin_y = face.points[lm::kChin].y;
    return h;
}

static std::string fmt(const char* f, double a, double b = 0, double c = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, f, a, b, c);
    return buf;
}

CropPlan crop_from_window(const HeadMeasure& head, double x, double y, double scale,
                          const domain::SpecProfile& spec) {
    CropPlan p;
    p.x = x;
    p.y = y;
    p.scale = scale;
    p.out_width = spec.width;
    p.out_height = spec.height;
    p.crown_y = (head.crown_y - y) * scale;
    p.eye_y = (head.eye_y - y) * scale;
    p.face_width = head.face_width * scale;
    p.centre_offset = (head.centre_x - x) * scale - spec.width / 2.0;
    p.chin_y_working = head.chin_y;
    return p;
}

Result<CropPlan> plan_crop(const HeadMeasure& head, cv::Size working_size, bool head_cut_off,
                           double working_per_original, const domain::SpecProfile& spec) {
    if (head_cut_off) {
        return make_error(ErrorCode::SpecUnreachable, refusal::kCrownCutOff,
                          "the head touches the top edge of the photo: the crown is cut off, retake "
                          "with space above the hair");
    }
    const double d_src = head.eye_y - head.crown_y;  // crown to eye line, working px
    if (d_src <= 1 || head.face_width <= 1) {
        return make_error(ErrorCode::SpecUnreachable, refusal::kCrownNotFound,
                          "no crown found above the eyes: the hair cannot be told from the background");
    }
    // Aim well inside each band so that landmark and matte noise (a few px between two
    // measurements of the same photo) cannot push a value out of spec; narrow the margin only
    // when the head's proportions leave no room.
    double s = 0;
    domain::Range crown, eye;
    bool feasible = false;
    const double step = std::max(1.0, (spec.margin_px.max - spec.margin_px.min) / 4.0);
    for (double margin = spec.margin_px.max; margin >= spec.margin_px.min - 1e-9; margin -= step) {
        crown = {spec.crown_y.min + margin, spec.crown_y.max - margin};
        eye = {spec.eye_y.min + margin, spec.eye_y.max - margin};
        const domain::Range width{spec.face_width.min + margin, spec.face_width.max - margin};
        // Scale: crown-to-eye distance as the target says, within what the bands allow.
        const double s_target = (spec.target_eye_y - spec.target_crown_y) / d_src;
        const double s_lo = std::max(width.min / head.face_width, (eye.min - crown.max) / d_src);
        const double s_hi = std::min(width.max / head.face_width, (eye.max - crown.min) / d_src);
        if (s_lo <= s_hi) {
            s = std::clamp(s_target, s_lo, s_hi);
            feasible = true;
            break;
        }
    }
    if (!feasible) {
        return make_error(ErrorCode::SpecUnreachable, refusal::kHeadProportions,
                          fmt("head proportions fit no crop: %.0f px from crown to eyes against a face "
                              "%.0f px wide (ratio %.2f) leave no safe margin in the crown and eye bands; "
                              "a tall hairstyle or a tilted head does this: retake",
                              d_src, head.face_width, d_src / head.face_width));
    }

    const double upscale = s * working_per_original;
    if (upscale > spec.max_upscale) {
        return make_error(ErrorCode::SpecUnreachable, refusal::kUpscaleLimit,
                          fmt("the face is %.0f px wide in the photo: reaching the spec needs x%.2f "
                              "up-scaling, over the x%.2f limit; retake closer or at a higher resolution",
                              head.face_width / working_per_original, upscale, spec.max_upscale));
    }

    // Crown position: both bands hold, as close to both targets as possible.
    const double d_out = d_src * s;
    const double c_lo = std::max(crown.min, eye.min - d_out);
    const double c_hi = std::min(crown.max, eye.max - d_out);
    double c = std::clamp((spec.target_crown_y + spec.target_eye_y - d_out) / 2.0, c_lo, c_hi);
    // The window may reach above or beside the photo (filled with background), but not below
    // it: rows there could only repeat the last row. Lower the head in its bands as far as
    // they allow to cover the bottom, then refuse what still falls short.
    const double missing_at = (head.crown_y * s - c + spec.height) - working_size.height * s;
    if (missing_at > 0) c = std::min(c_hi, c + missing_at);

    const double y = head.crown_y - c / s;
    const double x = head.centre_x - spec.width / 2.0 / s;
    const double bottom_missing = (y + spec.height / s - working_size.height) * s;
    if (bottom_missing > spec.max_padded_rows) {
        return make_error(ErrorCode::SpecUnreachable, refusal::kBodyTooShort,
                          fmt("the photo ends %.0f px (output scale) above the bottom of the spec "
                              "frame: the upper body down to the chest is needed",
                              bottom_missing));
    }
    return crop_from_window(head, x, y, s, spec);
}

}  // namespace pd::engine
