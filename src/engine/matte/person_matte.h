// The person matte: a soft alpha separating the student from the wall, hair edges included.
//
// Method (students are told to stand against a plain, light wall in contrasting clothes):
//  1. at a small working size, fit a smooth (quadratic) colour model of the wall to the border
//     pixels above the shoulders, robustly, so gradients and vignetting are part of the wall;
//  2. alpha from the CIELAB distance to that model, with thresholds set from the wall's own
//     noise; the face hull (up to the forehead) is foreground by construction;
//  3. keep what is connected to the face or the bottom edge, fill holes not reachable from the
//     top or side borders (a white shirt inside a dark jacket stays person), and clip to a
//     generous head-and-shoulders envelope so background clutter cannot bleed far;
//  3b. when the wall is busy or the crown implausible, GrabCut at a tiny size, seeded by 1-3;
//  4. upsample and refine the edges with a (fast) guided filter on the full image's luminance.
// The matte is computed once per photo and kept: a new crop re-renders without it.
//
// Thread-safe: pure function.
#pragma once

#include <opencv2/core.hpp>

#include "engine/face/face_landmarks.h"

namespace pd::engine {

struct MatteParams {
    int work_long_side = 320;   // size of the colour model and thresholding step
    int guided_radius = 4;      // at the full size of the image the matte is refined on
    double guided_eps = 1e-3;
    // Above this wall noise (dE), or when the crown found is implausible, GrabCut at
    // `grabcut_long_side` px takes over from the colour model (slower, ~0.1 s).
    double max_wall_noise = 4.0;
    int grabcut_long_side = 160;
    // The face hull (jaw, brows, forehead up to this x face width above the brows) is person
    // by construction, at every step and in the final full-size alpha.
    double forehead_lift = 0.36;
    // The backdrop behind the person's edge, which the renderer takes out of edge pixels, is the
    // backdrop seen around it (a Gaussian of this sigma, px at work_long_side, over the pixels
    // that are surely backdrop), falling back to the smooth wall model where none is near.
    // 0: the smooth model only, which leaves a rim of a busy backdrop around the hair.
    double local_wall_sigma = 2.0;
};

struct PersonMatte {
    cv::Mat alpha;        // CV_32FC1 in [0,1], same size as the image it was computed on
    cv::Mat wall_bgr;     // CV_32FC3 backdrop colour behind the edges (0..255): the backdrop
                          // around them, blurred, or the smooth wall model where none is near;
                          // kept at the small working size, `wall_scale` x the size of alpha
    double wall_scale = 1;
    cv::Mat small_bgr;    // CV_8UC3 the image at that small working size (area average)
    cv::Mat small_lab;    // CV_32FC3 its Lab, L in 0..100
    cv::Vec3d wall_mean_bgr;   // mean wall colour
    cv::Mat wall_distance;     // CV_32FC1 dE76 of each pixel from the wall model, at the
                               // matte's small working size (work_long_side)
    double wall_noise = 0;     // robust std of wall samples around the model (ΔE units)
    double wall_residual_p95 = 0;  // 95th percentile ΔE of wall samples from the model
    double wall_gradient = 0;      // ΔE between the lightest and darkest points of the model
    int wall_samples = 0;
    bool used_grabcut = false;
};

// `face` must be the subject's face in `bgr` coordinates.
PersonMatte compute_person_matte(const cv::Mat& bgr, const Face& face, const MatteParams& params = {});

// The top of the head: topmost row, within the face's central columns, where alpha > 0.5
// over a short vertical run (a stray hair or speck is not the crown). -1 when the head
// touches row 0 (cut off) or nothing is found.
int find_crown_row(const cv::Mat& alpha, const Face& face);

}  // namespace pd::engine
