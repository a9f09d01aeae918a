#include "demo/demo_support.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>

#include "config/config.h"
#include "engine/decode/decode.h"
#include "setup/engine_setup.h"
#include "support/test_support.h"

namespace pd::test {

namespace {
template <class T>
T must(Result<T> r, const char* what) {
    if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message);
    return std::move(r.value());
}
}  // namespace

const demo::DemoConfig& demo_config() {
    static const demo::DemoConfig c = must(demo::load_demo_config(config_dir()), "demo.toml");
    return c;
}

const domain::WorkCalendar& work_calendar() {
    static const domain::WorkCalendar c = must(config::load_calendar(config_dir()), "calendar.toml");
    return c;
}

const engine::FaceModel& face_model() {
    static const auto m = must(engine::FaceModel::shared(), "face model");
    return *m;
}

const engine::PhotoEngine& photo_engine() {
    static const auto e = must(setup::make_engine({config_dir(), "chsi-2017"}), "engine");
    return *e;
}

int engine_detect_long_side() { return photo_engine().config().settings.detect_long_side; }

const LoadedPortraits& loaded_portraits() {
    static const LoadedPortraits l = [] {
        LoadedPortraits out;
        out.sources = demo::find_sources(demo_config().sources, PD_SHARED_PORTRAITS, &out.notes);
        out.shared_present = !shared_portraits().empty();
        for (const auto& s : out.sources) {
            auto r = demo::load_portraits(s, face_model(), demo_config().sources, &out.notes);
            if (!r) throw std::runtime_error(r.error().message);
            for (auto& p : r.value()) out.portraits.push_back(std::move(p));
        }
        return out;
    }();
    return l;
}

int portrait_index(const std::string& prefix) {
    const auto& ps = loaded_portraits().portraits;
    for (int i = 0; i < int(ps.size()); ++i)
        if (ps[i].name.rfind(prefix, 0) == 0) return i;
    return -1;
}

void look(const std::string& name, const cv::Mat& bgr) {
    const char* dir = std::getenv("PD_DEMO_LOOK");
    if (!dir || !*dir) return;
    std::filesystem::create_directories(std::string(dir) + "/png");
    cv::imwrite(std::string(dir) + "/" + name + ".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 92});
    cv::imwrite(std::string(dir) + "/png/" + name + ".png", bgr);  // for viewers without JPEG
}

cv::Mat decode_bgr(const std::vector<std::uint8_t>& bytes) {
    auto d = engine::decode_image(bytes);
    if (!d) throw std::runtime_error(d.error().message);
    return d->bgr;
}

}  // namespace pd::test
