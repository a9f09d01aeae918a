// Known ways of spoiling a real photo, shared by the degradation suite (tests/engine) and the
// validation table (tests/validation). Each function takes the clean photo with the engine's
// own analysis of it (face, landmarks, person matte, mapped to the photo's pixels) and returns
// a spoiled copy of the same size unless it says otherwise.
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "engine/photo_engine.h"

namespace pd::test {

struct Photo {
    std::string name;
    cv::Mat bgr;
    // From the engine's analysis of the clean photo, in this photo's pixel coordinates.
    engine::Face face;
    cv::Mat alpha;  // person matte, CV_32F, full size
    double tilt_deg = 0;
};

// Analyses the clean photo. Throws when it cannot be decoded or has no face.
Photo analyse_photo(const std::string& name, const cv::Mat& bgr);

// Rotates about the eyes so that the head's existing lean grows by `deg`.
cv::Mat rotate_with_lean(const Photo& p, double deg);
// Rotates about the eyes so that the eye line ends up `deg` from horizontal (positive: the
// image-right eye lower, i.e. the head turned clockwise as seen).
cv::Mat tilt_to(const Photo& p, double deg);
cv::Mat blur(const Photo& p, double k);
cv::Mat expose(const Photo& p, double stops);
// The garment below the chin recoloured to `bgr_colour`, keeping its shading (matte >= 0.5);
// empty when the frame shows no garment.
cv::Mat recolour_clothes(const Photo& p, const cv::Scalar& bgr_colour);
// The garment painted with a pattern the notice forbids (its sizes follow the face width),
// keeping the garment's shading; empty when the frame shows no garment.
enum class GarmentPattern { Stripes, Checks, Print };
cv::Mat pattern_clothes(const Photo& p, GarmentPattern kind);
// Bare skin where the garment was, in the face's own skin colour and the garment's shading: a
// strapless top (everything of the garment above 0.9 face widths below the chin), or a deep V
// neckline (a wedge 1.4 face widths wide at the chin, closing 1.4 face widths below it). Empty
// when the frame shows no garment or ends within half a face width below the chin.
enum class Neckline { Strapless, DeepV };
cv::Mat bare_skin(const Photo& p, Neckline kind);
// The old suite's blue: the spec's background colour RGB(100,197,255).
cv::Mat blue_clothes(const Photo& p);
cv::Mat dark_border(const Photo& p, double frac);
cv::Mat shrink_enlarge(const Photo& p, double k);
cv::Mat smooth_skin(const Photo& p);
// Both eyes darkened to `k` of their brightness: 0.3 is a tinted lens, 0.6 an eye socket in shadow.
cv::Mat tint_lenses(const Photo& p, double k = 0.3);
cv::Mat add_noise(const Photo& p, double sigma, unsigned seed);
// The subject's own face pasted into the top corner farther from the subject, at least 110 px
// wide (the old suite's case). Empty when there is no room for it beside the subject's face.
cv::Mat second_face(const Photo& p);
// The same, with the pasted face `px_at_512` px wide once the photo is scaled to 512 px long;
// empty when it would cover the subject's face.
cv::Mat second_face_at(const Photo& p, double px_at_512);
cv::Mat clutter(const Photo& p, unsigned seed);
// The background (1 - matte) replaced by `backdrop` (same size as the photo).
cv::Mat replace_background(const Photo& p, const cv::Mat& backdrop);
cv::Mat dark_plain_backdrop(const Photo& p);
cv::Mat dark_curtain_backdrop(const Photo& p);    // dark red vertical folds
cv::Mat patterned_backdrop(const Photo& p);       // mid-grey and beige checks with a motif

cv::Mat blend(const cv::Mat& a, const cv::Mat& b, const cv::Mat& w);

}  // namespace pd::test
