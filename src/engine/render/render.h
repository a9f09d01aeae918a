// Rendering a spec photo from the kept working image, matte and a crop: place the window,
// put the person on the profile's background colour, encode to the profile's JPEG spec.
// Re-rendering for a reviewer's new crop runs only this step (no detection, no matte).
//
// Thread-safe: pure function.
#pragma once

#include <opencv2/core.hpp>

#include "common/result.h"
#include "domain/spec_profile.h"
#include "engine/crop/crop.h"
#include "engine/jpeg/jpeg_codec.h"
#include "engine/matte/person_matte.h"

namespace pd::engine {

struct RenderedPhoto {
    cv::Mat bgr;        // CV_8UC3 out_width x out_height, what was encoded
    cv::Mat alpha;      // CV_32FC1 matte in output space (for overlays and checks)
    EncodedJpeg jpeg;   // the file
    CropPlan crop;
};

// Edge unmixing (engine.toml [render]): where the matte's alpha holds more person than an edge
// pixel's colour does, the alpha is lowered to what the colour says (never raised). radius 0: off.
struct EdgeUnmix {
    int radius = 0;              // the person colour beside an edge pixel: solid pixels this near (output px)
    float below_alpha = 0.9f;    // only alpha below this is lowered
    float margin = 0.05f;        // ... and only by what exceeds this
    float min_contrast = 30;     // ... where person and wall differ by this (BGR distance)
};

// Composites the person over the profile background. The wall's colour at partial alpha is
// replaced by the background's (out = I + (1 - a) * (background - wall)), so hair edges
// carry no halo of the old wall; where alpha is ~0 the pixel is the background exactly.
// `quality_hint`: the JPEG quality of the previous render of this photo (0 = none); it only
// makes the size search shorter, the bytes are the same.
Result<RenderedPhoto> render_photo(const cv::Mat& working_bgr, const PersonMatte& matte,
                                   const CropPlan& crop, const domain::SpecProfile& spec, int quality_hint = 0,
                                   const EdgeUnmix& unmix = {});

}  // namespace pd::engine
