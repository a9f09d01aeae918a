#include "support/test_support.h"

#include <algorithm>

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

}  // namespace pd::test
