#include "exchange/roster.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <system_error>
#include <unordered_map>

#include "domain/id_number.h"
#include "exchange/csv.h"

namespace pd::exchange {
namespace fs = std::filesystem;

namespace {

// [SECTION] Text helpers

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string ascii_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

// Trims ASCII space/tab, NBSP (C2 A0) and the ideographic space U+3000 (E3 80 80).
std::string trim(std::string_view s) {
    auto strip_front = [&]() {
        if (!s.empty() && (s.front() == ' ' || s.front() == '\t')) { s.remove_prefix(1); return true; }
        if (s.starts_with("\xC2\xA0")) { s.remove_prefix(2); return true; }
        if (s.starts_with("\xE3\x80\x80")) { s.remove_prefix(3); return true; }
        return false;
    };
    auto strip_back = [&]() {
        if (!s.empty() && (s.back() == ' ' || s.back() == '\t')) { s.remove_suffix(1); return true; }
        if (s.ends_with("\xC2\xA0")) { s.remove_suffix(2); return true; }
        if (s.ends_with("\xE3\x80\x80")) { s.remove_suffix(3); return true; }
        return false;
    };
    while (strip_front()) {}
    while (strip_back()) {}
    return std::string(s);
}

// Offset of the first byte that is not part of well-formed UTF-8 (no overlongs, surrogates or
// code points above U+10FFFF), or npos.
std::size_t first_invalid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) { ++i; continue; }
        std::size_t len = 0;
        unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) { len = 3; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEC) len = 3;
        else if (c == 0xED) { len = 3; hi = 0x9F; }
        else if (c >= 0xEE && c <= 0xEF) len = 3;
        else if (c == 0xF0) { len = 4; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4) { len = 4; hi = 0x8F; }
        else return i;
        if (i + len > n) return i;
        if (p[i + 1] < lo || p[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
        i += len;
    }
    return std::string_view::npos;
}

int line_of_offset(std::string_view s, std::size_t offset) {
    int line = 1;
    for (std::size_t i = 0; i < offset && i < s.size(); ++i) {
        if (s[i] == '\n') ++line;
        else if (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n')) ++line;
    }
    return line;
}

// [SECTION] Columns

enum Column { kName, kIdNumber, kStudentNo, kSchool, kStation, kGrade, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "name", "id_number", "student_no", "school", "station", "grade"};

bool is_blank(const csv::Record& r) {
    return std::all_of(r.fields.begin(), r.fields.end(),
                       [](const std::string& f) { return trim(f).empty(); });
}

Error invalid(std::string message) { return make_error(ErrorCode::InvalidArgument, std::move(message)); }

}  // namespace

// [SECTION] parse_roster

Result<Roster> parse_roster(std::string_view text) {
    if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF"))
        return invalid("roster is UTF-16 text; save it from the spreadsheet as \"CSV UTF-8\"");
    if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
    if (const auto bad = first_invalid_utf8(text); bad != std::string_view::npos)
        return invalid("roster is not valid UTF-8 (first bad byte on line " +
                       std::to_string(line_of_offset(text, bad)) +
                       "; GBK from an older Excel?); save it as \"CSV UTF-8\"");

    auto records = csv::read_records(text);
    if (!records) return records.error();

    Roster roster;
    auto rec = records->begin();
    while (rec != records->end() && is_blank(*rec)) ++rec;
    if (rec == records->end())
        return make_error(ErrorCode::EmptyInput,
                          "roster is empty: a header row is required "
                          "(name,id_number,student_no,school,station,grade)");

    // Header: map each required column to its index; report unknown ones.
    const csv::Record& header = *rec++;
    if (!header.malformed.empty())
        return invalid("header row (line " + std::to_string(header.line) + "): " + header.malformed);
    std::array<int, kColumnCount> index;
    index.fill(-1);
    for (std::size_t c = 0; c < header.fields.size(); ++c) {
        const std::string name = ascii_lower(trim(header.fields[c]));
        const auto known = std::find(kColumnNames.begin(), kColumnNames.end(), name);
        if (known == kColumnNames.end()) {
            roster.warnings.push_back(name.empty()
                                          ? "column " + std::to_string(c + 1) + " has no header and is ignored"
                                          : "unknown column '" + name + "' ignored");
            continue;
        }
        int& slot = index[static_cast<std::size_t>(known - kColumnNames.begin())];
        if (slot >= 0)
            return invalid("column '" + name + "' appears twice in the header (columns " +
                           std::to_string(slot + 1) + " and " + std::to_string(c + 1) + ")");
        slot = static_cast<int>(c);
    }
    for (std::size_t k = 0; k < kColumnCount; ++k)
        if (index[k] < 0)
            return invalid("roster header has no '" + std::string(kColumnNames[k]) +
                           "' column (required: name,id_number,student_no,school,station,grade)");
    const std::size_t width = header.fields.size();

    // Rows. Duplicate detection covers every row with a usable key, even one rejected for
    // another reason: the file is inconsistent either way and the school must fix it.
    std::unordered_map<std::string, int> id_seen;                   // id -> line
    std::map<std::pair<std::string, std::string>, int> no_seen;     // (school, student_no) -> line
    for (; rec != records->end(); ++rec) {
        if (is_blank(*rec)) continue;
        const int line = rec->line;
        auto problem = [&](std::string field, std::string message) {
            roster.problems.push_back({line, std::move(field), std::move(message)});
        };
        if (!rec->malformed.empty()) {
            problem("", rec->malformed);
            continue;
        }
        if (rec->fields.size() != width) {
            problem("", "expected " + std::to_string(width) + " fields as in the header, got " +
                            std::to_string(rec->fields.size()));
            continue;
        }
        auto value = [&](Column c) { return trim(rec->fields[static_cast<std::size_t>(index[c])]); };
        storage::Student st;
        st.name = value(kName);
        st.id_number = value(kIdNumber);
        st.student_no = value(kStudentNo);
        st.school = value(kSchool);
        st.station = value(kStation);
        st.grade = value(kGrade);

        const std::size_t before = roster.problems.size();
        if (st.name.empty()) problem("name", "name is empty");
        if (st.id_number.empty()) {
            problem("id_number", "ID number is empty");
        } else if (auto id = domain::validate_id_number(st.id_number); !id) {
            problem("id_number", domain::mask_id_number(st.id_number) + ": " + id.error().message);
        } else {
            st.id_number = *id;
            if (auto [it, fresh] = id_seen.emplace(st.id_number, line); !fresh)
                problem("id_number", "ID number " + domain::mask_id_number(st.id_number) +
                                         " already appears on line " + std::to_string(it->second));
        }
        if (st.student_no.empty()) problem("student_no", "student number is empty");
        if (st.school.empty()) problem("school", "school is empty");
        if (st.grade.empty()) problem("grade", "grade is empty");
        if (!st.student_no.empty() && !st.school.empty()) {
            if (auto [it, fresh] = no_seen.emplace(std::pair{st.school, st.student_no}, line); !fresh)
                problem("student_no", "student number " + st.student_no + " already appears on line " +
                                          std::to_string(it->second) + " for school " + st.school);
        }
        if (roster.problems.size() == before) roster.rows.push_back({line, std::move(st)});
    }
    return roster;
}

Result<Roster> read_roster(const fs::path& path) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status)) return make_error(ErrorCode::NotFound, "roster file " + path.string() + " does not exist");
    if (fs::is_directory(status))
        return invalid(path.string() + " is a directory, not a roster CSV file");
    const auto size = fs::file_size(path, ec);
    if (ec) return make_error(ErrorCode::Internal, "cannot stat " + path.string() + ": " + ec.message());
    if (size > kMaxRosterBytes)
        return make_error(ErrorCode::TooLarge, "roster file " + path.string() + " is " + std::to_string(size) +
                                                   " bytes, over the limit of 50 MB");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::Internal, "cannot open " + path.string() + " for reading");
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size)
        return make_error(ErrorCode::Internal, "short read from " + path.string());
    auto roster = parse_roster(text);
    if (!roster) return make_error(roster.error().code, path.filename().string() + ": " + roster.error().message);
    return roster;
}

// [SECTION] PhotoFolder

const std::vector<std::string>& PhotoFolder::image_extensions() {
    static const std::vector<std::string> exts = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp"};
    return exts;
}

Result<PhotoFolder> PhotoFolder::open(const fs::path& dir) {
    std::error_code ec;
    const auto status = fs::status(dir, ec);
    if (!fs::exists(status)) return make_error(ErrorCode::NotFound, "photo folder " + dir.string() + " does not exist");
    if (!fs::is_directory(status)) return invalid(dir.string() + " is not a folder");

    PhotoFolder folder;
    folder.dir_ = dir;
    fs::directory_iterator it(dir, ec), end;
    if (ec) return make_error(ErrorCode::Internal, "cannot list " + dir.string() + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        const std::string name = p.filename().string();
        if (name.empty() || name.front() == '.') continue;
        const std::string ext = ascii_lower(p.extension().string());
        const auto& exts = image_extensions();
        if (std::find(exts.begin(), exts.end(), ext) == exts.end()) continue;
        std::error_code fec;
        if (!it->is_regular_file(fec)) continue;  // follows symlinks; skips folders named x.jpg
        folder.by_stem_[ascii_upper(p.stem().string())].push_back(p);
    }
    if (ec) return make_error(ErrorCode::Internal, "cannot list " + dir.string() + ": " + ec.message());
    for (auto& [stem, paths] : folder.by_stem_) std::sort(paths.begin(), paths.end());
    return folder;
}

std::size_t PhotoFolder::size() const {
    std::size_t n = 0;
    for (const auto& [stem, paths] : by_stem_) n += paths.size();
    return n;
}

namespace {

// Byte equality of two files; false on any read error (treated as "different", which makes
// the caller report an ambiguity rather than guess).
bool same_bytes(const fs::path& a, const fs::path& b) {
    std::error_code ec1, ec2;
    if (fs::file_size(a, ec1) != fs::file_size(b, ec2) || ec1 || ec2) return false;
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    if (!fa || !fb) return false;
    std::array<char, 65536> ba{}, bb{};
    while (fa && fb) {
        fa.read(ba.data(), ba.size());
        fb.read(bb.data(), bb.size());
        if (fa.gcount() != fb.gcount()) return false;
        if (!std::equal(ba.begin(), ba.begin() + fa.gcount(), bb.begin())) return false;
    }
    return fa.eof() && fb.eof();
}

// "2 photos named 110105********002X: .jpg and .png" -- extensions only, the stem is masked.
std::string list_extensions(const std::vector<fs::path>& paths) {
    std::string out;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        if (i) out += (i + 1 == paths.size()) ? " and " : ", ";
        out += paths[i].extension().string();
    }
    return out;
}

}  // namespace

Result<fs::path> PhotoFolder::find(const storage::Student& student) const {
    const std::string masked = domain::mask_id_number(student.id_number);
    const std::vector<fs::path>* by_id = nullptr;
    const std::vector<fs::path>* by_no = nullptr;
    if (!student.id_number.empty())
        if (auto it = by_stem_.find(ascii_upper(student.id_number)); it != by_stem_.end()) by_id = &it->second;
    if (!student.student_no.empty())
        if (auto it = by_stem_.find(ascii_upper(student.student_no)); it != by_stem_.end()) by_no = &it->second;
    if (by_no == by_id) by_no = nullptr;  // student_no equal to the ID number: one set of files

    if (by_id && by_id->size() > 1)
        return invalid(std::to_string(by_id->size()) + " photos named " + masked + " (" +
                       list_extensions(*by_id) + ") in " + dir_.string() + ": keep one");
    if (by_no && by_no->size() > 1)
        return invalid(std::to_string(by_no->size()) + " photos named " + student.student_no + " (" +
                       list_extensions(*by_no) + ") in " + dir_.string() + ": keep one");
    if (by_id && by_no) {
        if (same_bytes(by_id->front(), by_no->front())) return by_id->front();
        return invalid("both " + masked + by_id->front().extension().string() + " and " +
                       by_no->front().filename().string() + " exist in " + dir_.string() +
                       " and differ: keep one");
    }
    if (by_id) return by_id->front();
    if (by_no) return by_no->front();
    std::string names = masked + ".*";
    if (!student.student_no.empty()) names += " or " + student.student_no + ".*";
    return make_error(ErrorCode::NotFound, "no photo named " + names + " in " + dir_.string());
}

std::vector<fs::path> PhotoFolder::unmatched(const Roster& roster) const {
    std::set<std::string> wanted;
    for (const auto& row : roster.rows) {
        if (!row.student.id_number.empty()) wanted.insert(ascii_upper(row.student.id_number));
        if (!row.student.student_no.empty()) wanted.insert(ascii_upper(row.student.student_no));
    }
    std::vector<fs::path> out;
    for (const auto& [stem, paths] : by_stem_)
        if (!wanted.contains(stem)) out.insert(out.end(), paths.begin(), paths.end());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace pd::exchange
