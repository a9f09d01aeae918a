// Helpers for the pd_config tests: edit inline TOML, read errors, scratch config folders.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include "common/result.h"

namespace pd::test {

// `text` with the first occurrence of `from` replaced by `to`; fails the test if absent.
inline std::string replace_once(std::string text, std::string_view from, std::string_view to) {
    const std::size_t at = text.find(from);
    if (at == std::string::npos) {
        ADD_FAILURE() << "test bug: '" << from << "' not in the TOML text";
        return text;
    }
    return text.replace(at, from.size(), to);
}

// The error message of a failed result, or "<ok>" so a wrong success shows in the assertion.
template <class T>
std::string error_message(const Result<T>& r) {
    return r.ok() ? "<ok>" : r.error().message;
}

template <class T>
ErrorCode error_code(const Result<T>& r) {
    return r.ok() ? ErrorCode::Internal : r.error().code;
}

// A fresh folder under the test temp dir, removed afterwards.
class ScratchDir {
public:
    ScratchDir() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::path(::testing::TempDir()) /
                ("pd_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    std::string str() const { return path_.string(); }
    void write(const std::string& relative, const std::string& text) const {
        const auto p = path_ / relative;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
    }

private:
    std::filesystem::path path_;
};

}  // namespace pd::test

// Asserts that `result` failed with ConfigInvalid and a one-line message containing `needle`.
#define EXPECT_CONFIG_ERROR(result, needle)                                                   \
    do {                                                                                      \
        const auto& pd_r_ = (result);                                                         \
        ASSERT_FALSE(pd_r_.ok()) << "expected an error containing: " << (needle);             \
        EXPECT_EQ(pd_r_.error().code, ::pd::ErrorCode::ConfigInvalid) << pd_r_.error().message; \
        EXPECT_NE(pd_r_.error().message.find(needle), std::string::npos)                     \
            << "message: " << pd_r_.error().message << "\nexpected to contain: " << (needle); \
        EXPECT_EQ(pd_r_.error().message.find('\n'), std::string::npos)                       \
            << "multi-line message: " << pd_r_.error().message;                               \
    } while (0)
