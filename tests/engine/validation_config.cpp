#include "engine/validation_config.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <toml.hpp>

#include "engine/checks/check_registry.h"
#include "support/test_support.h"

namespace fs = std::filesystem;

namespace pd::test {

namespace {

// Debian's dlib examples are mostly group photos; only these have one dominant face (looked at).
const std::set<std::string> kDlibSingleFace = {"Tom_Cruise_avp_2014_4.jpg"};

ValidationConfig load(const std::string& path) {
    ValidationConfig cfg;
    cfg.path = path;
    try {
        const auto data = toml::parse(path);
        for (const auto& k : toml::find<std::vector<std::string>>(data, "validation", "held_out")) cfg.held_out.insert(k);
        if (data.contains("true_positive")) {
            for (const auto& t : toml::find<toml::array>(data, "true_positive")) {
                TruePositive tp{toml::find<std::string>(t, "photo"), toml::find<std::string>(t, "check"),
                                toml::find<std::string>(t, "why")};
                if (tp.why.empty())
                    throw std::runtime_error("true positive " + tp.photo + " / " + tp.check + " says no why");
                cfg.true_positives.push_back(std::move(tp));
            }
        }
    } catch (const std::exception& e) {
        // toml11's messages already carry the line; say which file.
        throw std::runtime_error(path + ": " + e.what());
    }
    return cfg;
}

std::vector<fs::path> jpegs_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".jpg") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

bool ValidationConfig::is_true_positive(const std::string& photo, const std::string& check) const {
    return std::any_of(true_positives.begin(), true_positives.end(),
                       [&](const TruePositive& t) { return t.photo == photo && t.check == check; });
}

const ValidationConfig& validation_config() {
    static const ValidationConfig cfg = load(config_dir() + "/validation.toml");
    return cfg;
}

RealPhotos real_photos(const ValidationConfig& cfg) {
    RealPhotos r;
    const auto& held = cfg.held_out;
    r.photos.push_back({"astronaut", "astronaut", astronaut_path(), false});
    const fs::path shared = PD_SHARED_DATA;
    for (const char* dir : {"portraits", "portraits-dev"}) {
        const auto files = jpegs_in(shared / dir);
        if (files.empty()) {
            r.notes.push_back(std::string("absent: ") + (shared / dir).string() + " (its photos are not in the table)");
            r.complete = false;
        }
        for (const auto& f : files) {
            const std::string key = std::string(dir) + "/" + f.filename().string();
            r.photos.push_back({key, f.stem().string(), f, held.count(key) > 0});
        }
    }
    const auto dlib = jpegs_in(PD_DLIB_FACES);
    if (dlib.empty()) {
        r.notes.push_back(std::string("absent: ") + PD_DLIB_FACES + " (libdlib-data examples not installed)");
        r.complete = false;
    }
    std::vector<std::string> skipped;
    for (const auto& f : dlib) {
        if (!kDlibSingleFace.count(f.filename().string())) {
            skipped.push_back(f.filename().string());
            continue;
        }
        r.photos.push_back({f.string(), f.stem().string(), f, held.count(f.string()) > 0});
    }
    if (!skipped.empty()) {
        std::string s = "skipped " + std::to_string(skipped.size()) + " dlib examples (groups of people, a collage, dogs):";
        for (const auto& n : skipped) s += " " + n;
        r.notes.push_back(s);
    }
    for (const auto& k : held) {
        const bool found = std::any_of(r.photos.begin(), r.photos.end(), [&](const RealPhoto& p) { return p.key == k; });
        if (!found) r.notes.push_back("held-out photo not available: " + k);
    }
    return r;
}

std::vector<std::string> true_positive_problems(const ValidationConfig& cfg, const RealPhotos& photos) {
    std::set<std::string> checks, names;
    for (const auto& d : engine::check_catalogue()) checks.insert(d.id);
    for (const auto& p : photos.photos) names.insert(p.name);
    std::vector<std::string> out;
    std::map<std::pair<std::string, std::string>, int> seen;
    for (const auto& t : cfg.true_positives) {
        const std::string where = cfg.path + ": [[true_positive]] photo \"" + t.photo + "\" check \"" + t.check + "\": ";
        if (!checks.count(t.check)) out.push_back(where + "no check has this id (see check_catalogue())");
        if (!names.count(t.photo) && photos.complete)
            out.push_back(where + "no real photo has this name (a file name without extension, e.g. deepface-img29)");
        if (++seen[{t.photo, t.check}] == 2) out.push_back(where + "named twice");
    }
    return out;
}

}  // namespace pd::test
