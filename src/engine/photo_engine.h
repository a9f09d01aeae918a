// PhotoEngine: the whole engine behind one object. Turns the bytes of a phone photo into a
// spec photo plus the automated checks, or checks a photo that is already standardized.
//
//   process()  the entry point for a new photo: decodes it once, then judges a JPEG already
//              at the spec's pixel size as it is, and standardizes anything else
//   analyze()  decode -> working image -> faces + landmarks -> person matte -> crown
//              (no face upright: a larger copy, then the photo turned; see analysis.h)
//   plan()     crop window that meets the spec (or the exact reason it cannot)
//   render()   composite on the spec background + encode; re-crops call only this
//   check()    every configured automated check
//
// Threading: a PhotoEngine is immutable after create(); all methods are const and may be
// called from many threads at once (the face model is shared, see face_landmarks.h).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "domain/engine_settings.h"
#include "domain/spec_profile.h"
#include "engine/analysis.h"
#include "engine/checks/check_registry.h"
#include "engine/face/face_cascade.h"
#include "engine/render/render.h"

namespace pd::engine {

struct EngineConfig {
    domain::SpecProfile spec;
    domain::CheckSettings checks;
    domain::EngineSettings settings;
    ExifHints hints;
};

struct StandardizeOutcome {
    // True when the file was a JPEG already at the spec's pixel size (as stored, 480x640) and was
    // judged as it is: nothing resized or re-rendered, and `photo` (when a face was found) is
    // the file itself, its bytes the input bytes. False when the photo was standardized.
    bool judged_as_final = false;
    SourceAnalysis analysis;
    std::optional<RenderedPhoto> photo;  // absent when the spec cannot be met
    std::optional<Error> spec_error;     // why (SpecUnreachable / NoFace), when absent
    std::vector<CheckResult> checks;
};

class PhotoEngine {
public:
    // Reads every check's parameters (configure_checks). Errors name the check and the bad key.
    static Result<PhotoEngine> create(EngineConfig config, std::shared_ptr<const FaceModel> faces);

    const EngineConfig& config() const { return cfg_; }

    // The one way in for a new photo. Decodes the bytes once and decides from the size the
    // file stores: a JPEG at the spec's pixel size (spec.width x spec.height, e.g. 480x640 from
    // the platform) is judged as the final file (no resizing; the "rendered photo" is the file
    // itself, so every check judges it; judged_as_final); anything else is analysed, planned,
    // rendered and checked. Fails only on undecodable input; a photo that cannot meet the spec
    // (or a final-size file with no face) comes back with spec_error set and the checks that
    // could still run.
    Result<StandardizeOutcome> process(std::span<const std::uint8_t> bytes) const;

    // Decode and analyse a source photo (for re-crops). Errors: decode errors; NoFace is not
    // an error here (the analysis says has_face() == false and the checks report it).
    Result<SourceAnalysis> analyze(std::span<const std::uint8_t> bytes) const;

    Result<CropPlan> plan(const SourceAnalysis& a) const;
    // A re-crop passes the previous render's JPEG quality as `quality_hint` (faster search).
    Result<RenderedPhoto> render(const SourceAnalysis& a, const CropPlan& crop, int quality_hint = 0) const;
    std::vector<CheckResult> check(const SourceAnalysis& a, const RenderedPhoto* photo) const;

private:
    PhotoEngine(EngineConfig cfg, std::vector<ConfiguredCheck> checks, std::shared_ptr<const FaceModel> faces,
                std::shared_ptr<const FaceCascade> cascade)
        : cfg_(std::move(cfg)), checks_(std::move(checks)), faces_(std::move(faces)), cascade_(std::move(cascade)) {}
    // At the analysis size (JPEGs DCT-scaled to at least analysis_long_side), or full size.
    Result<DecodedImage> decode(std::span<const std::uint8_t> bytes, bool full_size) const;
    // `keep_size`: a final-size file (full-size pixels, nothing resized, the final detection size).
    Result<SourceAnalysis> analyze_decoded(DecodedImage decoded, bool keep_size) const;
    // process()'s two paths, on the pixels it decoded.
    Result<StandardizeOutcome> standardize(DecodedImage decoded) const;
    Result<StandardizeOutcome> judge_final(std::span<const std::uint8_t> bytes, DecodedImage decoded) const;

    // Faces beside the subject too small for the plain HOG pass; appended to `faces`.
    void add_small_faces(const cv::Mat& img, int detect_long_side, std::vector<Face>& faces) const;
    bool hog_confirms(const cv::Mat& img, const cv::Rect2f& box) const;

    EngineConfig cfg_;
    std::vector<ConfiguredCheck> checks_;  // cfg_.checks, read once by create()
    std::shared_ptr<const FaceModel> faces_;
    std::shared_ptr<const FaceCascade> cascade_;  // null when [face] cascade_min_neighbours = 0
};

}  // namespace pd::engine
