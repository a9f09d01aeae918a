// The demo queue's photos: real photos found on the machine, turned into portraits (one per
// usable face), and rendered per submission with a small jitter and at most one defect.
//
// Sources (find_sources):
//   - astronaut.png (python3-skimage) and ../shared/data/portraits/*.jpg: used whole
//     (SourceKind::portrait), formats sniffed from the bytes by the engine's decoder;
//   - dlib's example photos (/usr/share/doc/libdlib19.1/examples/faces/*.jpg, group photos
//     and a collage): every usable face is one student (SourceKind::group), cropped as an
//     ID-photo-like 3:4 portrait with shoulders.
//
// The rule for a usable face (judge_face; numbers from demo.toml [sources], W = jaw width):
//   1. W >= min_face_px; faces under full_face_px are "small" (see below);
//   2. |yaw| <= max_yaw_deg (nose tip between the jaw ends, as the engine's yaw check
//      measures it: profiles and half profiles are skipped) and |roll| <= max_roll_deg (the
//      window is turned to level the eye line; larger turns would show);
//   3. in a collage (a photo with many long straight seams: bald_guys.jpg) every tile is a
//      photo of its own: no window crosses a seam;
//   4. the crown (the top of the person matte, found as the engine finds it) lies at least
//      crown_margin W below the photo's top: the hair is never cut;
//   5. a 3:4 window window_width W wide (narrowed in 0.1 W steps down to min_window_width)
//      with room_above W above the eye line, room_below W below it (chin, neck, shoulders)
//      and room_side W either side of the face centre, holding no more than a third of any
//      other detected face (no neighbour's whole face in the background), lies inside the
//      photo; or, when none does, reaches beyond it by at most max_outside_top of its height
//      above (the photo's top row repeated: the wall over the head), max_outside_side of its
//      width on a side and max_outside_bottom below (mirrored). The eyes sit as near
//      eye_from_top of the way down and the face as near the centre as the photo allows.
// Small faces (W < full_face_px) are enlarged (x small_enlarge at least, to about
// small_face_target) and only ever make low-resolution submissions: a student who cut himself
// out of a group photo. The engine cannot up-scale them into a clean spec photo anyway.
//
// Rendering (make_photo): the portrait's window is warped from the source at its native
// scale (no up-scaling but a small face's enlargement) with a seeded jitter (shift, zoom,
// roll, exposure, white balance, JPEG quality), on a canvas with a margin of source pixels
// around it so that rotation and blur need no invented border (beyond the photo's edge: its
// top row repeated above, mirrored beside and below); the defect is applied; the window is
// cut out and encoded as JPEG.
//
// Thread-safe: pure functions; a Portrait is immutable once loaded and may be shared.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/result.h"
#include "demo/demo_config.h"
#include "engine/face/face_landmarks.h"

namespace pd::demo {

// [SECTION] Sources and portraits

enum class SourceKind {
    portrait,  // one person, used whole
    group,     // every usable face becomes its own portrait
};

struct SourceFile {
    std::string path;
    std::string name;  // file stem
    SourceKind kind = SourceKind::portrait;
};

// astronaut, then the shared portraits (sorted; skipped with a note in `notes` when the folder
// is absent or empty), then dlib's faces (sorted; a note when absent). Files that do not exist
// are left out with a note. Does not read the files.
std::vector<SourceFile> find_sources(const SourceRules& rules, const std::string& shared_portraits,
                                     std::vector<std::string>* notes);

// A rectangle on a source photo: `size` source px centred at `centre`, turned by `angle_deg`
// (the angle of the window's x axis in image coordinates, y down: positive turns clockwise
// on screen, like a head whose eye line falls to the right).
struct Window {
    cv::Point2d centre;
    cv::Size2d size;
    double angle_deg = 0;
};

struct Portrait {
    std::string name;                                   // "astronaut", "bald_guys#07"
    std::string file;                                   // the source file
    SourceKind kind = SourceKind::portrait;
    std::shared_ptr<const cv::Mat> image;               // the source, BGR, alpha on white, with
                                                        // a filled margin (shared by its faces)
    cv::Rect area;                                      // the source's own pixels in `image`
    std::shared_ptr<const std::vector<std::uint8_t>> bytes;  // the file as it is (portrait kind)
    Window window;                                      // the base crop (before jitter), `image` px
    engine::Face face;                                  // the student's face, `image` px
    double enlarge = 1;                                 // output px per source px (> 1: small)
    cv::Size out_size;                                  // rendered size: the window x enlarge

    bool small() const { return enlarge > 1; }
};

struct FaceJudgement {
    bool usable = false;
    std::string reason;  // why not, for the log and docs ("face 62 px wide < 80")
    Window window;       // when usable
};

// A long straight colour seam: a row (horizontal) or column `at`, pixels [from, to).
struct Seam {
    bool horizontal = true;
    int at = 0, from = 0, to = 0;
};
// Seams of at least min_length px: along the run (gaps of a few pixels allowed) the colour
// steps hard across three pixels and not four pixels to either side (a thin straight edge,
// not texture). A collage's tile edges; other photos have few and short ones.
std::vector<Seam> find_seams(const cv::Mat& bgr, int min_length);
// At least six long seams (a fifth of the photo) either way: a collage of photos.
bool is_collage(const std::vector<Seam>& seams, cv::Size size);

// Applies the rule above to `face` among the `all` faces of a photo whose pixels are `bounds`
// (in the faces' coordinates). `crown_y`: the top of the person (-1: touches the top).
// `seams`: a collage's tile edges, which no window may cross (empty for other photos).
FaceJudgement judge_face(const engine::Face& face, const std::vector<engine::Face>& all, cv::Rect bounds, int crown_y,
                         const SourceRules& rules, const std::vector<Seam>& seams = {});

// Decodes one source (engine decoder, any format) and finds its faces. Portrait kind: one
// portrait when a face is found (the largest), levelled. Group kind: one per usable face, in
// the detector's order (largest first), named "stem#NN". `notes` receives one line per face
// skipped and why. Errors: the decoder's, naming the file.
Result<std::vector<Portrait>> load_portraits(const SourceFile& source, const engine::FaceModel& model,
                                             const SourceRules& rules, std::vector<std::string>* notes);

// [SECTION] Photos

// Everything make_photo needs besides the portraits; drawn by the planner.
struct PhotoSpec {
    int portrait = 0;           // index into the portrait list
    Defect defect = Defect::clean;
    std::uint64_t seed = 0;     // jitter and defect strength
    int donor = -1;             // second_face: the portrait whose face is pasted
    bool original_bytes = false;  // upload the source file as it is (portrait kind, clean)
};

struct Photo {
    std::vector<std::uint8_t> bytes;  // the upload
    std::string extension;            // ".jpg", or the source file's for original bytes
    bool original = false;            // the source file as it is
    cv::Mat bgr;                      // the encoded pixels (only when keep_pixels)
    engine::Face face;                // the student's landmarks in `bgr` (when keep_pixels)
    double amount = 0;                // the defect's strength drawn (0 when clean)
};

// The detector's working size the engine uses (config/engine.toml [face] detect_long_side):
// a pasted second face is made large enough for the engine's HOG detector to see it.
inline constexpr int kDefaultEngineDetectLongSide = 512;

// Renders one submission photo. Deterministic for the same portraits, spec and config.
// InvalidArgument when an index is out of range or the donor is missing for second_face.
Result<Photo> make_photo(const std::vector<Portrait>& portraits, const PhotoSpec& spec, const DemoConfig& config,
                         bool keep_pixels = false, int engine_detect_long_side = kDefaultEngineDetectLongSide);

// True when a second face fits beside the portrait's head (see apply_defect): the planner
// gives second_face only to such portraits.
bool has_room_for_second_face(const Portrait& p, const DemoConfig& config,
                              int engine_detect_long_side = kDefaultEngineDetectLongSide);

// A face to paste for second_face: pixels and the face's landmarks in them.
struct DonorFace {
    cv::Mat bgr;
    engine::Face face;
};

// The portrait's base window rendered without jitter, and its face in that image.
DonorFace render_base(const Portrait& p);

// Applies one defect to `bgr` (CV_8UC3) whose student's landmarks are `face` (in `bgr`).
// `amount` is in demo.toml's unit for the defect; `seed` draws the remaining choices (tilt
// direction when the eye line is level, border style). Updates `face` when pixels move (tilt
// rotates about the eyes with a reflected border; dark_border pads). second_face needs
// `donor`; without one it returns the input unchanged. clean returns the input.
cv::Mat apply_defect(const cv::Mat& bgr, engine::Face& face, Defect defect, double amount, std::uint64_t seed,
                     const DonorFace* donor = nullptr,
                     int engine_detect_long_side = kDefaultEngineDetectLongSide);

// The eye-line angle of a face in degrees (positive: falls to the right), as eye_tilt measures.
double eye_line_deg(const engine::Face& f);
// The yaw as the engine's yaw check measures it (nose tip between the jaw ends), degrees.
double yaw_deg(const engine::Face& f);

}  // namespace pd::demo
