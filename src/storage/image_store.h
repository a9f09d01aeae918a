// Content-addressed image files: DATA/images/ab/cdef... where abcdef... is the SHA-256 hex of
// the bytes. Shared by both Store backends (images never go into the database).
//
// Durability: put() writes DATA/images/tmp/<random>, fsyncs it, renames it into place and
// fsyncs the target directory (and images/ when it created the 2-hex subdirectory) before
// returning, so a hash handed out survives a crash. Writing the same bytes twice is a no-op.
// Thread safety: stateless apart from the root path; any number of threads and processes may
// put/get concurrently (rename is atomic; identical content makes races harmless).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace pd::storage {

std::string sha256_hex(std::span<const unsigned char> bytes);
bool is_sha256_hex(const std::string& s);

class ImageStore {
public:
    explicit ImageStore(std::filesystem::path root) : root_(std::move(root)) {}

    Status init();  // creates root/ and root/tmp/
    Result<std::string> put(std::span<const unsigned char> bytes);
    Result<std::vector<unsigned char>> get(const std::string& sha256_hex) const;
    std::filesystem::path path_of(const std::string& sha256_hex) const;

    // Writes, fsyncs and unlinks a small file in root/tmp/: what every put() needs to work.
    Status probe() const;
    // Deletes the entries of root/tmp/ last modified more than `min_age_seconds` ago (temp
    // files of puts that crashed before their rename); answers how many.
    Result<int> sweep_tmp(std::int64_t min_age_seconds) const;

private:
    std::filesystem::path root_;
};

}  // namespace pd::storage
