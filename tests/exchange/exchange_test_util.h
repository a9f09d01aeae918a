// Helpers for the exchange tests: a self-deleting temporary folder, valid ID numbers built
// with the real check character, and whole-file reads/writes.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "domain/id_number.h"

namespace pd::test {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("pd-exchange-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

    // Names of everything in the folder, sorted.
    std::vector<std::string> list() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(path_)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    std::filesystem::path path_;
};

// A valid 18-character ID number: region + YYYYMMDD + 3-digit sequence + check character.
inline std::string make_id(std::string_view region, std::string_view birth, std::string_view seq) {
    std::string first17 = std::string(region) + std::string(birth) + std::string(seq);
    return first17 + domain::id_number_check_char(first17);
}

// A valid ID number whose sequence is `n` (000-999), born 2000-01-01 in Beijing Dongcheng.
inline std::string id_for(int n) {
    const int k = ((n % 1000) + 1000) % 1000;
    const std::string seq = std::to_string(k / 100) + std::to_string(k / 10 % 10) + std::to_string(k % 10);
    return make_id("110101", "20000101", seq);
}

// A valid ID number ending in the check character X.
inline std::string id_with_x() {
    for (int n = 0; n < 1000; ++n)
        if (auto id = id_for(n); id.back() == 'X') return id;
    return {};
}

inline void write_file(const std::filesystem::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace pd::test
