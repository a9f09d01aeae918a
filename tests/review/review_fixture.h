// A ReviewSession with a fake clock, a real journal in a temporary folder and no network: the
// test plays the sync worker, answering the requests plan() produces.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "review/session.h"

namespace pd::test {

// A submission as the server sends it (docs/api.md), with a report whose failing checks and
// warnings are the given ids (eye_tilt -> head_tilted, exposure -> exposure, ...).
nlohmann::json submission_json(std::int64_t id, const std::string& name, std::vector<std::string> fails = {},
                               std::vector<std::string> warns = {}, std::int64_t lease_expires = 0,
                               bool standardized = true);
review::ReviewItem item(std::int64_t id, std::vector<std::string> fails = {}, std::vector<std::string> warns = {},
                        std::int64_t lease_expires = 0);
// An item the engine made no spec photo for: no crop, no standardized image, and the report's
// spec_error with this refusal `kind` (engine/crop/crop.h).
review::ReviewItem refused_item(std::int64_t id, const std::string& kind, std::vector<std::string> fails = {},
                                std::int64_t lease_expires = 0);
review::HelloResult hello();   // a reviewer "alice" with a few catalog reasons

class SessionTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // A new session on the same journal (a restart).
    void restart();
    // plan() once; returns the requests (and keeps them in `sent`).
    std::vector<review::Envelope> step();
    // Answers the hello/restore dance and a first claim with `n` items (ids first..first+n-1).
    void ready_with(int n, std::int64_t first = 1);
    void answer(review::Result_ r) { s->on_reply({s->generation(), std::move(r)}); }
    // Every request of type T in `list`.
    template <class T>
    static std::vector<T> of(const std::vector<review::Envelope>& list) {
        std::vector<T> out;
        for (const auto& e : list)
            if (auto p = std::get_if<T>(&e.request)) out.push_back(*p);
        return out;
    }
    // Delivers both images of the current item so it counts as fully drawn.
    void images_ready();

    std::filesystem::path dir;
    review::Strings strings;
    double mono = 1000;
    std::int64_t unix_now = 1796000000;   // Monday 2026-11-30 08:53 in Beijing
    std::unique_ptr<review::ReviewSession> s;
    std::vector<review::Envelope> sent;
    review::WorkstationSettings settings;
};

}  // namespace pd::test
