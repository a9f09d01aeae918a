#include "support/test_support.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

namespace pd::test {

std::string astronaut_path() { return PD_ASTRONAUT; }
std::string truncated_jpeg_path() { return PD_TRUNCATED_JPEG; }
std::string config_dir() { return PD_TEST_CONFIG_DIR; }

std::vector<std::filesystem::path> shared_portraits() {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(PD_SHARED_PORTRAITS, ec)) {
        if (e.is_regular_file() && e.path().extension() == ".jpg") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> photos_with_faces() {
    std::vector<std::string> out = {PD_ASTRONAUT};
    for (const char* dir : {PD_SHARED_PORTRAITS, PD_DLIB_FACES}) {
        if (!std::filesystem::exists(dir)) continue;
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            if (e.path().extension() == ".jpg" || e.path().extension() == ".png") out.push_back(e.path().string());
        }
    }
    return out;
}

ConfigCopy::ConfigCopy(const std::string& file, const std::string& from, const std::string& to) {
    namespace fs = std::filesystem;
    static std::atomic<int> serial{0};
    dir_ = fs::temp_directory_path() /
           ("pd-config-" + std::to_string(::getpid()) + "-" + std::to_string(serial.fetch_add(1)));
    fs::remove_all(dir_);
    fs::copy(config_dir(), dir_, fs::copy_options::recursive);
    std::stringstream in;
    in << std::ifstream(dir_ / file).rdbuf();
    std::string text = in.str();
    const auto at = text.find(from);
    if (at == std::string::npos) {
        fs::remove_all(dir_);
        throw std::runtime_error("config/" + file + " has no '" + from + "' to replace");
    }
    text.replace(at, from.size(), to);
    std::ofstream(dir_ / file, std::ios::trunc) << text;
}

ConfigCopy::~ConfigCopy() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

}  // namespace pd::test
