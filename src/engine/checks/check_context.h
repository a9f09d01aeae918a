// CheckContext: the input of every check plus what several checks share, computed once per
// run (greyscale and Lab copies of the photo, the face in output coordinates, skin, eye and
// clothing masks). Internal to engine/checks.
#pragma once

#include <opencv2/core.hpp>

#include "engine/checks/check_registry.h"

namespace pd::engine {

// Masks around a face, in the coordinates of one image.
struct FaceMasks {
    cv::Mat face;     // jaw + brows hull
    cv::Mat skin;     // face minus eyes, brows, nostrils and mouth
    cv::Mat eyes;     // both eyes with their surroundings (where lenses sit)
    cv::Rect eye_box; // bounding box of both eyes and brows
};
FaceMasks make_face_masks(const Face& f, cv::Size size);

struct CheckContext {
    explicit CheckContext(const CheckInput& input) : in(input) {}
    const CheckInput& in;

    // Output-space (the rendered photo); valid only when has_face_view. Without a spec photo
    // (its crop is out of reach) the face checks still judge the face, on a view of the head
    // cut from the working image at the photo's scale: the student learns every problem at
    // once, not one per retake. run_checks maps their geometry back to the working image.
    bool has_photo = false;
    bool has_face_view = false;   // has_photo, or the source's head view
    double view_scale = 1;        // view px per working px (the crop's scale with a photo)
    cv::Point2d view_origin;      // the head view's top-left corner in working px
    Face face;            // landmarks in output coordinates
    float fw = 0;         // face width in output px
    cv::Mat grey;         // CV_8UC1
    cv::Mat lab;          // CV_32FC3, L in 0..100
    cv::Mat face_mask;    // jaw + brows hull
    cv::Mat skin_mask;    // face minus eyes, brows, nostrils and mouth
    cv::Mat eye_mask;     // both eyes with their surroundings (where lenses sit)
    cv::Rect eye_box;     // bounding box of both eyes and brows
    cv::Mat clothing_mask;  // person below the neck

    // Source-space (the working image): detail is judged here, before any resampling.
    bool has_face = false;
    cv::Mat work_grey;
    FaceMasks work;

    // The working image and its matte at the matte's small working size (320 px long), for
    // measures that need no detail (tonal percentiles): the matte already made this copy,
    // and shrinking the working image again was the costliest step of a 12 MP photo's
    // checks. Valid only when has_face.
    double overview_scale = 1;  // overview px per working px
    cv::Mat overview_lab;       // CV_32FC3, L in 0..100
    cv::Mat overview_alpha;     // CV_32FC1 matte, same size

    // A smaller copy (made from the overview) for the scene checks that judge the
    // source's background and the matte itself (source_background, matte_quality): sized so
    // the face is about kSceneFaceWidth px wide (never enlarged, long side at most 320), so
    // their cost and their texture scale do not depend on the photo's framing. Valid only
    // when has_face.
    static constexpr double kSceneFaceWidth = 60;
    double scene_scale = 1;   // scene px per working px
    cv::Mat scene_lab;        // CV_32FC3, L in 0..100
    cv::Mat scene_alpha;      // CV_32FC1 matte, same size
    cv::Mat scene_edges;      // CV_32FC1 largest Lab gradient (Sobel 3x3 / 8, dE per px)
};

CheckContext make_check_context(const CheckInput& in);

// Helpers for check implementations.
double masked_percentile(const cv::Mat& values_32f, const cv::Mat& mask, double p);
cv::Rect clamp_rect(const cv::Rect& r, const cv::Size& s);
cv::Mat channel(const cv::Mat& m, int c);

}  // namespace pd::engine
