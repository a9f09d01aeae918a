// Shared by the demo tests: the repository's config, calendar, face model and engine, and the
// portraits of every photo source, each loaded once per test binary.
// PD_DEMO_LOOK=/tmp/demo-look makes the photo tests write what they generate there as JPEG,
// for a person to look at.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "demo/demo_config.h"
#include "demo/photos.h"
#include "domain/calendar.h"
#include "engine/photo_engine.h"

namespace pd::test {

const demo::DemoConfig& demo_config();
const domain::WorkCalendar& work_calendar();
const engine::FaceModel& face_model();
const engine::PhotoEngine& photo_engine();
int engine_detect_long_side();

struct LoadedPortraits {
    std::vector<demo::SourceFile> sources;
    std::vector<demo::Portrait> portraits;
    std::vector<std::string> notes;
    bool shared_present = false;
};
// Every source of find_sources (astronaut, the shared portraits when present, dlib's faces).
const LoadedPortraits& loaded_portraits();

// Index of the first portrait whose name starts with `prefix`, or -1.
int portrait_index(const std::string& prefix);

// Writes bgr to $PD_DEMO_LOOK/NAME.jpg when the variable is set.
void look(const std::string& name, const cv::Mat& bgr);

cv::Mat decode_bgr(const std::vector<std::uint8_t>& bytes);

}  // namespace pd::test
