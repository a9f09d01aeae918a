// The crop: where the 480x640 output window sits on the source so that the crown, the eye
// line and the face width land inside the spec bands, centred. No rotation and no mirroring
// (the standard forbids both: tilt is reported by the checks, never corrected).
//
// Thread-safe: pure functions.
#pragma once

#include <string_view>

#include <opencv2/core.hpp>

#include "common/result.h"
#include "domain/spec_profile.h"
#include "engine/face/face_landmarks.h"

namespace pd::engine {

// What the crop is placed from, in the coordinates of the working image.
struct HeadMeasure {
    double crown_y = 0;     // top of the hair
    double eye_y = 0;       // mean of the two eye centres
    double centre_x = 0;    // midpoint of the jaw line ends (landmarks 0 and 16)
    double face_width = 0;  // |p0 - p16|
    double chin_y = 0;
};

HeadMeasure measure_head(const Face& face, int crown_row);

struct CropPlan {
    // Output window on the working image: x, y of its top-left corner and its scale
    // (output px per working px). The window may reach outside the image; the renderer pads.
    double x = 0, y = 0, scale = 1;
    int out_width = 0, out_height = 0;

    // Where the head lands in output pixels.
    double crown_y = 0, eye_y = 0, face_width = 0, centre_offset = 0;
    double chin_y_working = 0;  // the chin in working px (the renderer keeps hair streaks above it)

    cv::Rect2d source_rect() const { return {x, y, out_width / scale, out_height / scale}; }
};

// Why no spec photo can be made from a source: the `kind` of the engine's SpecUnreachable and
// NoFace errors. Stable keys: reports carry them (spec_error.kind) and the workstation names
// each in the reviewer's language (config/ui.*.toml, [spec_refusal]);
// tests/review/i18n_test.cpp reads these lines and holds the two lists together.
namespace refusal {
inline constexpr const char* kCrownCutOff = "crown_cut_off";         // the photo's top edge cuts the hair
inline constexpr const char* kCrownNotFound = "crown_not_found";     // hair not told from the wall above it
inline constexpr const char* kHeadProportions = "head_proportions";  // crown-to-eyes vs face width fits no band
inline constexpr const char* kUpscaleLimit = "upscale_limit";        // face too small in the source
inline constexpr const char* kBodyTooShort = "body_too_short";       // the photo ends above the chest
inline constexpr const char* kNoFace = "no_face";                    // no face found at all
inline constexpr std::string_view kAll[] = {kCrownCutOff, kCrownNotFound, kHeadProportions,
                                            kUpscaleLimit, kBodyTooShort, kNoFace};
// For config that names refusals (reasons.toml suggested_by_refusals): a typo fails at start.
inline bool is_kind(std::string_view kind) {
    for (std::string_view k : kAll)
        if (k == kind) return true;
    return false;
}
}  // namespace refusal

// Places the window. `working_per_original` is working px per original-file px (for the
// up-scaling limit: output px per original px = scale * working_per_original). Errors
// (SpecUnreachable) say exactly why, with a refusal:: kind: head cut off at the top, no crown,
// face too small, proportions that fit no band, body cut off below the chin.
Result<CropPlan> plan_crop(const HeadMeasure& head, cv::Size working_size, bool head_cut_off,
                           double working_per_original, const domain::SpecProfile& spec);

// A reviewer's re-crop: the window given directly (x, y, scale), head positions recomputed.
CropPlan crop_from_window(const HeadMeasure& head, double x, double y, double scale,
                          const domain::SpecProfile& spec);

}  // namespace pd::engine
