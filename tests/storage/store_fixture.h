// Every storage test runs against both backends: TEST_P(StoreTest, ...) is instantiated for
// "sqlite" (a fresh data directory) and "postgres" (a fresh database in the throwaway
// cluster of pg_cluster.h, plus a fresh data directory for images).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "storage/store.h"

namespace pd::test {

class StoreTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override;
    void TearDown() override;

    bool is_postgres() const { return GetParam() == "postgres"; }
    // A new connection to this test's database (call as often as needed: one per thread).
    std::unique_ptr<storage::Store> open();

    // Helpers on the default store `store_`.
    static storage::Student student(int i, const std::string& school = "PKU",
                                    const std::string& grade = "2025");
    // Puts a unique image (or `image_seed`'s image) and adds a submission. With
    // store_image = false only the hash is computed (bulk tests that never read images).
    storage::AddedSubmission add(storage::Store& s, const storage::Student& st,
                                 std::int64_t deadline, int image_seed = -1,
                                 bool store_image = true);

    std::filesystem::path dir_;
    std::string conninfo_;
    std::unique_ptr<storage::Store> store_;
    static inline int image_counter_ = 1'000'000;
};

std::string backend_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace pd::test

// Unwraps a Result or throws (gtest reports the exception as a failure with the message).
namespace pd::test {
template <class T>
T must(Result<T> r, const char* what) {
    if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error().message);
    return std::move(r).value();
}
}  // namespace pd::test
#define MUST(expr) ::pd::test::must((expr), #expr)
