// Helpers shared by the test binaries: where the real test photos are, and skipping
// cleanly when an optional folder is absent.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pd::test {

std::string astronaut_path();          // Debian python3-skimage; always installed by the scripts
std::string truncated_jpeg_path();
std::string config_dir();              // the repository's config/

// The shared portraits folder (../shared/data/portraits), or empty when absent.
std::vector<std::filesystem::path> shared_portraits();

// The astronaut, the shared portraits and the photos Debian ships with dlib (groups among
// them): the real faces the face-model tests compare two implementations on.
std::vector<std::string> photos_with_faces();

// A copy of config/ in a fresh temporary folder, with the first `from` in `file` (e.g.
// "engine.toml") replaced by `to`; removed again with the object. Throws std::runtime_error
// when `from` is not in the file, so a test never runs on the shipped value by mistake.
class ConfigCopy {
public:
    ConfigCopy(const std::string& file, const std::string& from, const std::string& to);
    ~ConfigCopy();
    ConfigCopy(const ConfigCopy&) = delete;
    ConfigCopy& operator=(const ConfigCopy&) = delete;
    const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

}  // namespace pd::test

// Skip the current test with a clear message when the shared portraits are not there.
#define PD_REQUIRE_SHARED_PORTRAITS(list)                                                 \
    do {                                                                                  \
        if ((list).empty())                                                               \
            GTEST_SKIP() << "shared portraits folder " PD_SHARED_PORTRAITS " is absent";   \
    } while (0)
