// The package uploaded to CHSI (学信网) for one school: every approved photo named by the
// student's ID number, plus a manifest, as a zip file or as a folder.
//
// Contents
//   {id_number}.jpg   the standardised JPEG, byte for byte as the ImageStore holds it. Its
//                     SHA-256 is checked against submission.images.standardized before
//                     anything is written; a mismatch is ErrorCode::Corrupt.
//   manifest.csv      header  name,id_number,student_no,school,sha256,decided_at,reviewer
//                     UTF-8 without BOM, LF line ends, RFC 4180 quoting only where needed,
//                     one row per photo sorted by id_number. decided_at is ISO 8601 in China
//                     time (2026-11-24T10:00:00+08:00, no DST in China since 1991). decided_at
//                     and reviewer describe the decision in force: the supervisor's overturn
//                     (overturned_by / overturned_at) when there is one, else the reviewer's,
//                     dated by the server's clock (ExportItem::applied_at; the decided_at a
//                     client sent is used only for rows that predate applied_at). Text cells
//                     (name, student_no, school, reviewer) that a spreadsheet would run as a
//                     formula get a leading apostrophe (csv::defuse_formula).
//                     No BOM because the consumer is a machine; spreadsheet users open the zip
//                     anyway. An empty item list gives a manifest with only the header.
//
// Zip layout is deterministic so that exporting the same items again gives a byte-identical
// file (idempotent re-export, comparable hashes): manifest.csv first (deflated), then the
// photos in id_number order, stored uncompressed (JPEG does not deflate), every entry with the
// same mtime: the latest decided_at of the items (1980-01-01 for an empty export) as China
// wall-clock time, independent of the exporting machine's time zone.
//
// Durability and atomicity: output is written to "<name>.tmp-<random>" next to the target,
// fsynced, renamed into place and the directory fsynced. On any failure the temp output is
// removed and the target is untouched. A zip replaces an existing file of the same name (the
// re-export case); the folder variant refuses an existing target.
//
// Memory: the zip variant holds every photo of the export in memory until the archive is
// closed (libzip reads its sources at zip_close): ~50 KB a photo, so a 5,000-student school
// needs ~250 MB. The folder variant holds one photo at a time.
//
// Validation before writing: every item must have a decision, a standardised image hash and
// a valid ID number (it becomes a file name, so "../x" can never escape); two items with the
// same ID number are refused (InvalidArgument). No threads inside; the loader is called from
// the calling thread, once per item.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/model.h"

namespace pd::exchange {

// Gives the bytes of an image by SHA-256 hex (typically ImageStore::get).
using ImageLoader = std::function<Result<std::vector<unsigned char>>(const std::string& sha256)>;

struct ExportSummary {
    int items = 0;
    std::string sha256;           // of the zip file; of manifest.csv for a folder
    std::filesystem::path path;   // the zip file or folder written
};

inline constexpr const char* kManifestName = "manifest.csv";
inline constexpr const char* kManifestHeader = "name,id_number,student_no,school,sha256,decided_at,reviewer";

// The manifest text for `items` (checked as above), exactly as written into the package.
// Exposed for the server's preview and for tests.
Result<std::string> build_manifest(const std::vector<storage::ExportItem>& items);

// The checks above ("Validation before writing") without writing anything: InvalidArgument
// naming the first item that cannot be packaged. The server runs it before locking.
Status check_export(const std::vector<storage::ExportItem>& items);

// Reads every item's standardized photo through `load` and checks its SHA-256, one photo at a
// time: Corrupt or NotFound naming the first item whose photo cannot be packaged.
Status verify_photos(const std::vector<storage::ExportItem>& items, const ImageLoader& load);

// The package's file name for a school and grade: both, made safe for a file system and
// shortened, plus the first 8 hex digits of SHA-256(school "\n" grade), so that two
// selections never share a name ("A" + grade "B" and "A-B" differ) and the same selection
// always gets the same one: "示例大学_2026_1a2b3c4d.zip", "示例大学_all_5e6f7a8b.zip".
std::string package_name(const std::string& school, const std::string& grade);

// Deletes what a crashed write_export_* left in `dir`: "*.tmp-XXXXXXXX" files and folders
// last modified more than `min_age_seconds` ago. Answers how many; 0 when `dir` is missing.
Result<int> sweep_temp_outputs(const std::filesystem::path& dir, std::int64_t min_age_seconds);

// unix seconds -> "2026-11-24T10:00:00+08:00".
std::string china_time_iso8601(std::int64_t unix_seconds);

Result<ExportSummary> write_export_zip(const std::vector<storage::ExportItem>& items, const ImageLoader& load,
                                       const std::filesystem::path& out_zip);

// Creates `out_dir` holding the same files as the zip. InvalidArgument if it already exists.
Result<ExportSummary> write_export_folder(const std::vector<storage::ExportItem>& items, const ImageLoader& load,
                                          const std::filesystem::path& out_dir);

}  // namespace pd::exchange
