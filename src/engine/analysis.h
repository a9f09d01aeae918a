// SourceAnalysis: everything the engine learns from one photo before any crop is chosen,
// kept so that re-crops and re-checks need no detection and no matte again.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "engine/crop/crop.h"
#include "engine/decode/decode.h"
#include "engine/face/face_landmarks.h"
#include "engine/matte/person_matte.h"

namespace pd::engine {

struct SourceAnalysis {
    DecodedImage decoded;         // facts, EXIF; pixels possibly DCT-scaled (and turned, below)

    // Degrees (90, 180, 270) the decoded pixels were turned clockwise because no face was
    // found upright: a photo lying on its side with no EXIF orientation to say so. Everything
    // below, and the spec photo, is in the turned (upright) frame; 0 when not turned.
    int turned_clockwise = 0;

    // The working image: the decoded pixels resized so the face is about the width it will
    // have in the output (never enlarged). Landmarks, matte and crop live in its coordinates.
    cv::Mat working;
    double working_per_original = 1;  // working px per original-file px

    std::vector<Face> faces;      // every face, largest first; faces[0] is the subject
    PersonMatte matte;            // empty when there is no face
    int crown_row = -1;
    bool head_cut_off = false;
    HeadMeasure head;

    bool has_face() const { return !faces.empty(); }
    const Face& subject() const { return faces.front(); }
};

}  // namespace pd::engine
