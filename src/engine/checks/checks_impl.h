// The setup of every check, grouped by the file that implements it. Internal to engine/checks;
// the catalogue in check_registry.cpp lists them in order. Beside each check, in its file:
//   struct XParams { double warn_x, fail_x; static XParams read(ParamReader&); };  // if it has any
//   static void x(const CheckContext&, const XParams&, CheckResult&);           // the check
//   CheckRun setup_x(ParamReader& in) { return bind_params(x, XParams::read(in)); }
#pragma once

#include <utility>

#include "engine/checks/check_context.h"

namespace pd::engine::checks {

#define PD_CHECK(name) CheckRun setup_##name(ParamReader&)

// checks_file.cpp: the file itself
PD_CHECK(file_format);
PD_CHECK(file_dimensions);
PD_CHECK(file_dpi);
PD_CHECK(file_size);
PD_CHECK(jpeg_quality);

// checks_geometry.cpp: head placement and pose
PD_CHECK(crown_position);
PD_CHECK(eye_position);
PD_CHECK(face_width);
PD_CHECK(centring);
PD_CHECK(eye_tilt);
PD_CHECK(yaw);
PD_CHECK(pitch);

// checks_face.cpp: eyes, mouth, glasses, light on the face
PD_CHECK(eyes_open);
PD_CHECK(mouth_closed);
PD_CHECK(glasses);
PD_CHECK(tinted_lenses);
PD_CHECK(lens_glare);
PD_CHECK(face_shadow);

// checks_image.cpp: exposure, sharpness, noise, retouching, resolution
PD_CHECK(exposure);
PD_CHECK(clipping);
PD_CHECK(sharpness);
PD_CHECK(noise);
PD_CHECK(skin_smoothing);
PD_CHECK(source_resolution);

// checks_scene.cpp: background, other people, clothing, borders, the source's backdrop, the matte
PD_CHECK(background_uniformity);
PD_CHECK(background_colour);
PD_CHECK(other_faces);
PD_CHECK(blue_clothing);
PD_CHECK(patterned_clothing);
PD_CHECK(bare_shoulders);
PD_CHECK(black_border);
PD_CHECK(source_background);
PD_CHECK(matte_quality);

// checks_metadata.cpp: EXIF hints
PD_CHECK(exif_front_camera);
PD_CHECK(exif_beauty_software);
PD_CHECK(mirrored);
PD_CHECK(stored_on_its_side);

#undef PD_CHECK

// A check function bound to the parameters it was set up with.
template <class Params>
CheckRun bind_params(void (*check)(const CheckContext&, const Params&, CheckResult&), Params params) {
    return [check, params = std::move(params)](const CheckContext& c, CheckResult& r) { check(c, params, r); };
}

// Marks a result as not assessable with a reason.
void not_assessable(CheckResult& r, const char* why);

}  // namespace pd::engine::checks
