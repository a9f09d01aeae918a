// The roster a school sends for bulk ingest, and the folder of photos that comes with it.
//
// Roster file format (CSV, what Excel's "CSV UTF-8" and WPS produce):
//   - UTF-8, with or without a BOM. UTF-16 and invalid UTF-8 (typically GBK from an older
//     Excel) are refused for the whole file with a message saying how to re-save it, because
//     guessing an encoding would silently garble names.
//   - A header row is required: name, id_number, student_no, school, station, grade, in any
//     order, matched case-insensitively after trimming. All six must be present (station may be
//     empty in rows); other columns are ignored and listed in Roster::warnings.
//   - RFC 4180 quoting (see csv.h), CRLF, LF or CR line ends. Blank lines and rows whose
//     fields are all empty (spreadsheets leave those at the end) are skipped.
//   - Every value is trimmed of surrounding ASCII spaces/tabs, NBSP and the ideographic space
//     U+3000: none of these fields can meaningfully start or end with one, and an ID number
//     typed with a trailing space must not be rejected for it.
//
// Each data row ends up either in Roster::rows (valid) or as one or more Roster::problems
// (never both), so a caller can ingest the good rows and hand the problems back to the school.
// Messages never contain a full ID number (domain::mask_id_number), because reports are shown
// and logged. ID numbers are stored normalised (a lower-case check 'x' becomes 'X').
//
// No threads inside; every function is safe to call concurrently on different data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/model.h"

namespace pd::exchange {

inline constexpr std::uintmax_t kMaxRosterBytes = 50u * 1024 * 1024;

struct RosterRow {
    int line = 0;  // 1-based physical line where the row starts
    storage::Student student;
};

struct RosterProblem {
    int line = 0;           // as RosterRow::line
    std::string field;      // column name, or empty for the row as a whole (field count, quoting)
    std::string message;    // one specific line; ID numbers masked
};

struct Roster {
    std::vector<RosterRow> rows;
    std::vector<RosterProblem> problems;   // in line order
    std::vector<std::string> warnings;     // file-level, e.g. an ignored column
};

// Errors only for the file as a whole: empty, not UTF-8, no header, a missing or repeated
// column, an unclosed quote (InvalidArgument / EmptyInput). Row problems are in the Roster.
Result<Roster> parse_roster(std::string_view csv_text);

// parse_roster on a file: NotFound when missing, InvalidArgument for a directory, TooLarge
// above kMaxRosterBytes.
Result<Roster> read_roster(const std::filesystem::path& path);

// The photos that came with a roster: one folder, files named after the student's ID number
// (preferred) or student number. Only the top level is read; hidden files (".*", including
// macOS "._" resource forks) and non-image extensions are skipped. Stems are compared
// ASCII-case-insensitively, so "11010519491231002x.JPG" matches ID ...002X, and
// "2021001.jpg" and "2021001.JPG" count as two photos for one name (an ambiguity).
class PhotoFolder {
public:
    // Image extensions accepted, lower case with the dot.
    static const std::vector<std::string>& image_extensions();

    // NotFound if `dir` does not exist, InvalidArgument if it is not a directory.
    static Result<PhotoFolder> open(const std::filesystem::path& dir);

    // The photo for one student: a file named by ID number first, else by student number.
    //   NotFound        "no photo named 110105********002X.* or 2021001.* in DIR"
    //   InvalidArgument two files share the stem (e.g. .jpg and .png), or both an ID-number
    //                   file and a student-number file exist and their bytes differ.
    Result<std::filesystem::path> find(const storage::Student& student) const;

    // Photos that match no row of `roster` by ID number or student number, sorted; for the
    // ingest report (a typo in a file name shows up here and as NotFound for its row). Rows
    // with problems are not in Roster::rows, so their photos are listed here too.
    std::vector<std::filesystem::path> unmatched(const Roster& roster) const;

    const std::filesystem::path& dir() const { return dir_; }
    std::size_t size() const;  // number of image files indexed

private:
    std::filesystem::path dir_;
    std::map<std::string, std::vector<std::filesystem::path>> by_stem_;  // key: upper-cased stem
};

}  // namespace pd::exchange
