// config/validation.toml for the tests that measure the checks on real photos (the degradation
// suite here, the validation table in tests/validation): the held-out split, the clean photos
// named true positives, and the real photos themselves, found once for both.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pd::test {

// A clean photo that really shows what a check looks for (named after looking at it): set
// aside, not counted as a false alarm of that check.
struct TruePositive {
    std::string photo;  // the photo's short name: its file name without extension
    std::string check;  // a check id of the catalogue
    std::string why;    // what is seen on the photo
};

struct ValidationConfig {
    std::string path;
    std::set<std::string> held_out;  // keys: "portraits-dev/<file>" or an absolute path
    std::vector<TruePositive> true_positives;

    bool is_true_positive(const std::string& photo, const std::string& check) const;
};

// Reads config/validation.toml; throws std::runtime_error naming the file and the key on a
// syntax error, a missing key or a true positive without photo, check or why.
const ValidationConfig& validation_config();

// One real photo: astronaut.png, ../shared/data/portraits, ../shared/data/portraits-dev and
// the single-face photos among Debian's dlib examples.
struct RealPhoto {
    std::string key;   // as config/validation.toml's split names it
    std::string name;  // short name (file name without extension), as the true positives do
    std::filesystem::path path;
    bool held_out = false;
};

struct RealPhotos {
    std::vector<RealPhoto> photos;
    std::vector<std::string> notes;  // absent folders, skipped dlib examples, missing held-out photos
    bool complete = true;            // every folder was there
};

RealPhotos real_photos(const ValidationConfig& cfg);

// What is wrong with the true-positive list: a check id not in the catalogue, a photo name no
// real photo has (when every folder is there: otherwise a missing photo cannot be told from a
// typo), a pair named twice. Empty when the list is sound.
std::vector<std::string> true_positive_problems(const ValidationConfig& cfg, const RealPhotos& photos);

}  // namespace pd::test
