// EngineSettings: limits and working resolutions of the photo engine, from config/engine.toml.
// `version` is the engine parameter version stored with every rendered photo, so a re-crop
// rendered next month gives the same pixels as today.
#pragma once

#include <cstdint>
#include <string>

namespace pd::domain {

struct EngineSettings {
    int version = 1;

    // [decode]
    std::int64_t max_pixels = 0;       // refuse images larger than this from the header
    std::int64_t max_file_bytes = 0;   // refuse files larger than this before reading them
    int analysis_long_side = 0;        // JPEGs are DCT-scaled to at least this long side

    // [face]
    int detect_long_side = 0;          // HOG detection runs on a copy this long (px)
    int final_detect_long_side = 0;    // ... and this long on a photo already at the spec size,
                                       // whose face is known to be 180-300 px wide
    int min_face_px = 0;               // faces narrower than this at detection scale are ignored
    double retry_upsample = 1;         // no face: HOG again on a copy this many times larger
    bool rotate_when_no_face = false;  // still none: the photo turned 90 CW, 90 CCW, 180
    double small_face_upsample = 1;    // other faces: HOG outside the subject's head on a copy
                                       // this many times larger (1 = no such pass)
    std::string cascade;               // OpenCV cascade file, a second opinion on other faces
    int cascade_long_side = 0;         // ... run on a grey copy this long (px)
    int cascade_min_face_px = 0;       // ... smallest box at that size (px)
    int cascade_max_face_px = 0;       // ... largest (bigger faces are HOG's)
    double cascade_scale_step = 1.1;   // ... pyramid step between window sizes
    int cascade_min_neighbours = 0;    // ... overlapping hits needed (0 = cascade off)
    double subject_score_share = 0;    // the student: the widest face scoring at least this share of
                                       // the best HOG score (0 = the widest face)
    int cascade_verify_face_px = 0;    // a cascade face HOG did not find is kept only when HOG finds
                                       // it on a copy where it is this wide (0 = kept unverified)
    double head_side_margin = 0.2;     // the student's head: the face box grown by this many box
    double head_top_margin = 0.6;      // widths each side and box heights above; a cascade box
                                       // there is not another person

    // [matte]
    int matte_long_side = 0;           // the matte is computed at this size then refined
    double forehead_lift = 0;          // the face hull reaches this x face width above the brows:
                                       // always person, whatever its colour
    double local_wall_sigma = 0;       // the backdrop behind an edge is read from the backdrop around
                                       // it within this Gaussian sigma (matte px; 0 = the smooth model)

    // [render]
    int edge_unmix_radius = 0;         // an edge pixel's person colour: the solid person pixels this
                                       // near it (output px, a box; 0 = no unmixing)
    double edge_unmix_below_alpha = 0; // only alpha below this is lowered to what the colours say
    double edge_unmix_margin = 0;      // ... and only by what exceeds this
    double edge_unmix_min_contrast = 0; // ... where person and wall differ by this (BGR distance)
};

}  // namespace pd::domain
