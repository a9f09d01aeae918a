#include "exchange/export_package.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <stdio.h>  // renameat2
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <random>
#include <system_error>

#include "domain/id_number.h"
#include "exchange/csv.h"
#include "storage/image_store.h"

namespace pd::exchange {
namespace fs = std::filesystem;

namespace {

// [SECTION] Checked, sorted entries

struct Entry {
    const storage::Submission* sub = nullptr;
    std::string id_number;   // validated, normalised
    std::string sha256;      // lower-case hex of the standardised JPEG
    std::string reviewer;    // who set the decision in force
    std::int64_t decided_at = 0;
    std::string file_name() const { return id_number + ".jpg"; }
};

Error invalid(std::string message) { return make_error(ErrorCode::InvalidArgument, std::move(message)); }

std::string describe(const storage::Submission& s) {
    return "submission " + std::to_string(s.id) + " (" + domain::mask_id_number(s.student.id_number) + ")";
}

std::string ascii_lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

Result<std::vector<Entry>> prepare(const std::vector<storage::ExportItem>& items) {
    std::vector<Entry> out;
    out.reserve(items.size());
    for (const auto& item : items) {
        const storage::Submission& s = item.submission;
        auto id = domain::validate_id_number(s.student.id_number);
        if (!id) return invalid(describe(s) + ": " + id.error().message);
        if (!s.decision) return invalid(describe(s) + " has no decision; only decided photos can be exported");
        const storage::DecisionSummary& d = *s.decision;
        if (d.verdict == storage::Verdict::reject)
            return invalid(describe(s) + " is rejected; a rejected photo cannot be exported");
        if (s.state != storage::SubmissionState::approved && s.state != storage::SubmissionState::locked)
            return invalid(describe(s) + " is " + storage::to_string(s.state) +
                           "; only approved or locked submissions can be exported");
        const std::string hash = ascii_lower(s.images.standardized);
        if (!storage::is_sha256_hex(hash))
            return invalid(describe(s) + " has no standardised image (hash '" + s.images.standardized + "')");
        Entry e;
        e.sub = &s;
        e.id_number = *id;
        e.sha256 = hash;
        const bool overturned = !d.overturned_by.empty();
        e.reviewer = overturned ? d.overturned_by : d.reviewer;
        // The server's clocks only: an overturn's time is the server's; a reviewer's decision
        // is dated when the server applied it, not by what the client claimed.
        e.decided_at = overturned ? d.overturned_at : item.applied_at > 0 ? item.applied_at : d.decided_at;
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.id_number < b.id_number; });
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].id_number == out[i - 1].id_number)
            return invalid("ID number " + domain::mask_id_number(out[i].id_number) + " is in the export twice (submissions " +
                           std::to_string(out[i - 1].sub->id) + " and " + std::to_string(out[i].sub->id) + ")");
    return out;
}

std::string manifest_text(const std::vector<Entry>& entries) {
    std::string out = std::string(kManifestHeader) + "\n";
    for (const Entry& e : entries) {
        const storage::Student& st = e.sub->student;
        auto text = [](const std::string& cell) { return csv::quote(csv::defuse_formula(cell)); };
        out += text(st.name) + ',' + csv::quote(e.id_number) + ',' + text(st.student_no) + ',' +
               text(st.school) + ',' + e.sha256 + ',' + china_time_iso8601(e.decided_at) + ',' +
               text(e.reviewer) + '\n';
    }
    return out;
}

Result<std::vector<unsigned char>> load_verified(const Entry& e, const ImageLoader& load) {
    auto bytes = load(e.sha256);
    if (!bytes)
        return make_error(bytes.error().code, "photo of " + describe(*e.sub) + ": " + bytes.error().message);
    const std::string actual = storage::sha256_hex(*bytes);
    if (actual != e.sha256)
        return make_error(ErrorCode::Corrupt, "photo of " + describe(*e.sub) + ": image " + e.sha256.substr(0, 12) +
                                                  "... has SHA-256 " + actual.substr(0, 12) +
                                                  "...; the image store is damaged");
    return bytes;
}

// [SECTION] File system helpers

Error sys_error(const std::string& what, const fs::path& p) {
    return make_error(ErrorCode::Internal, what + " " + p.string() + ": " + std::strerror(errno));
}

Status fsync_path(const fs::path& p, int flags) {
    const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return sys_error("cannot open", p);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return sys_error("cannot fsync", p);
    return Ok{};
}

Status write_file_synced(const fs::path& p, const void* data, std::size_t size) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return sys_error("cannot create", p);
    const auto* c = static_cast<const unsigned char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, c, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto err = sys_error("cannot write", p);
            ::close(fd);
            return err;
        }
        c += n;
        size -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto err = sys_error("cannot fsync", p);
        ::close(fd);
        return err;
    }
    if (::close(fd) != 0) return sys_error("cannot close", p);
    return Ok{};
}

Result<std::string> sha256_of_file(const fs::path& p) {
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_error("cannot open", p);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    std::vector<unsigned char> buf(1 << 16);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto err = sys_error("cannot read", p);
            ::close(fd);
            return err;
        }
        if (n == 0) break;
        EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), md, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

fs::path temp_sibling(const fs::path& target) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string suffix;
    auto r = rng();
    for (int i = 0; i < 8; ++i, r >>= 4) suffix.push_back(hex[r & 15]);
    return target.parent_path() / (target.filename().string() + ".tmp-" + suffix);
}

// The parent directory of an output path must exist; "" means the current directory.
Result<fs::path> parent_dir(const fs::path& target) {
    fs::path parent = target.parent_path();
    if (parent.empty()) parent = ".";
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) return make_error(ErrorCode::NotFound, "folder " + parent.string() + " does not exist");
    return parent;
}

// The mtime given to every zip entry: China wall-clock time of `unix_seconds` (or 1980-01-01
// 00:00 when 0), expressed as the time_t whose *local* time has those fields, because libzip
// turns the time_t into a DOS date with localtime(). The archive bytes then do not depend on
// the exporting machine's time zone.
std::time_t zip_entry_mtime(std::int64_t unix_seconds) {
    std::tm fields{};
    const std::time_t china = static_cast<std::time_t>(unix_seconds + 8 * 3600);
    gmtime_r(&china, &fields);
    if (fields.tm_year < 80) {  // DOS dates start in 1980
        fields = std::tm{};
        fields.tm_year = 80;
        fields.tm_mday = 1;
    }
    fields.tm_isdst = -1;
    return std::mktime(&fields);
}

// [SECTION] Zip writing

Status add_zip_entry(zip_t* za, const std::string& name, const void* data, std::size_t size, bool deflate,
                     std::time_t mtime) {
    zip_source_t* src = zip_source_buffer(za, data, size, 0);
    if (!src) return make_error(ErrorCode::Internal, "zip: " + std::string(zip_strerror(za)));
    const zip_int64_t idx = zip_file_add(za, name.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return make_error(ErrorCode::Internal, "zip: cannot add " + name + ": " + zip_strerror(za));
    }
    const auto index = static_cast<zip_uint64_t>(idx);
    if (zip_set_file_compression(za, index, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, deflate ? 9 : 0) != 0 ||
        zip_file_set_mtime(za, index, mtime, 0) != 0)
        return make_error(ErrorCode::Internal, "zip: cannot set attributes of " + name + ": " + zip_strerror(za));
    return Ok{};
}

// Writes the archive to `tmp` (which must not exist). On failure nothing is left at `tmp`.
Status write_zip_file(const fs::path& tmp, const std::vector<Entry>& entries, const ImageLoader& load) {
    const std::string manifest = manifest_text(entries);
    std::int64_t latest = 0;
    for (const Entry& e : entries) latest = std::max(latest, e.decided_at);
    const std::time_t mtime = zip_entry_mtime(latest);

    // Load and verify every photo before creating anything: a bad image fails fast and cheap.
    std::deque<std::vector<unsigned char>> photos;  // must outlive zip_close (buffers are not copied)
    for (const Entry& e : entries) {
        auto bytes = load_verified(e, load);
        if (!bytes) return bytes.error();
        photos.push_back(std::move(*bytes));
    }

    int zerr = 0;
    zip_t* za = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_EXCL, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        Error err = make_error(ErrorCode::Internal, "cannot create " + tmp.string() + ": " + zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return err;
    }
    auto fail = [&](Error err) -> Status {
        zip_discard(za);  // frees the archive; nothing was written yet
        return err;
    };
    if (auto s = add_zip_entry(za, kManifestName, manifest.data(), manifest.size(), true, mtime); !s)
        return fail(s.error());
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (auto s = add_zip_entry(za, entries[i].file_name(), photos[i].data(), photos[i].size(), false, mtime); !s)
            return fail(s.error());
    if (zip_close(za) != 0) {
        Error err = make_error(ErrorCode::Internal, "cannot write " + tmp.string() + ": " + zip_strerror(za));
        zip_discard(za);
        std::error_code ec;
        fs::remove(tmp, ec);
        return err;
    }
    return Ok{};
}

}  // namespace

// [SECTION] Public API

std::string china_time_iso8601(std::int64_t unix_seconds) {
    const std::time_t china = static_cast<std::time_t>(unix_seconds + 8 * 3600);
    std::tm f{};
    gmtime_r(&china, &f);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+08:00", &f);
    return buf;
}

Result<std::string> build_manifest(const std::vector<storage::ExportItem>& items) {
    auto entries = prepare(items);
    if (!entries) return entries.error();
    return manifest_text(*entries);
}

Status check_export(const std::vector<storage::ExportItem>& items) {
    auto entries = prepare(items);
    if (!entries) return entries.error();
    return Ok{};
}

Status verify_photos(const std::vector<storage::ExportItem>& items, const ImageLoader& load) {
    auto entries = prepare(items);
    if (!entries) return entries.error();
    for (const Entry& e : *entries)
        if (auto bytes = load_verified(e, load); !bytes) return bytes.error();
    return Ok{};
}

std::string package_name(const std::string& school, const std::string& grade) {
    // Readable part: school and grade with anything a file system or a URL path could trip
    // on replaced, cut to 96 bytes at a UTF-8 character boundary.
    std::string readable = school + "_" + (grade.empty() ? std::string("all") : grade);
    for (char& c : readable) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F || std::string_view("/\\:*?\"<>|%#&+ ").find(c) != std::string_view::npos) c = '_';
    }
    if (readable.size() > 96) {
        size_t cut = 96;
        while (cut > 0 && (static_cast<unsigned char>(readable[cut]) & 0xC0) == 0x80) --cut;
        readable.resize(cut);
    }
    if (readable.empty() || readable[0] == '.') readable = "_" + readable;
    const std::string key = school + "\n" + grade;
    const std::string hash = storage::sha256_hex(
        std::span(reinterpret_cast<const unsigned char*>(key.data()), key.size()));
    return readable + "_" + hash.substr(0, 8) + ".zip";
}

Result<int> sweep_temp_outputs(const fs::path& dir, std::int64_t min_age_seconds) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return 0;
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::seconds(min_age_seconds);
    auto is_temp = [](const std::string& name) {
        // "<target>.tmp-" + 8 hex digits (temp_sibling)
        const auto at = name.rfind(".tmp-");
        if (at == std::string::npos || name.size() != at + 13) return false;
        return name.find_first_not_of("0123456789abcdef", at + 5) == std::string::npos;
    };
    int removed = 0;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!is_temp(it->path().filename().string())) continue;
        std::error_code e;
        const auto t = fs::last_write_time(it->path(), e);
        if (e || t > cutoff) continue;
        if (fs::remove_all(it->path(), e) > 0 && !e) ++removed;
    }
    if (ec) return make_error(ErrorCode::Internal, "cannot list " + dir.string() + ": " + ec.message());
    return removed;
}

Result<ExportSummary> write_export_zip(const std::vector<storage::ExportItem>& items, const ImageLoader& load,
                                       const fs::path& out_zip) {
    auto entries = prepare(items);
    if (!entries) return entries.error();
    auto parent = parent_dir(out_zip);
    if (!parent) return parent.error();
    std::error_code ec;
    if (fs::is_directory(out_zip, ec)) return invalid(out_zip.string() + " is a folder, not a zip file name");

    const fs::path tmp = temp_sibling(out_zip);
    auto cleanup = [&](Error err) -> Result<ExportSummary> {
        std::error_code rec;
        fs::remove(tmp, rec);
        return err;
    };
    if (auto s = write_zip_file(tmp, *entries, load); !s) return cleanup(s.error());
    if (auto s = fsync_path(tmp, O_RDONLY); !s) return cleanup(s.error());
    auto hash = sha256_of_file(tmp);
    if (!hash) return cleanup(hash.error());
    if (::rename(tmp.c_str(), out_zip.c_str()) != 0) return cleanup(sys_error("cannot rename into", out_zip));
    if (auto s = fsync_path(*parent, O_RDONLY | O_DIRECTORY); !s) return s.error();
    return ExportSummary{static_cast<int>(entries->size()), *hash, out_zip};
}

Result<ExportSummary> write_export_folder(const std::vector<storage::ExportItem>& items, const ImageLoader& load,
                                          const fs::path& out_dir) {
    auto entries = prepare(items);
    if (!entries) return entries.error();
    auto parent = parent_dir(out_dir);
    if (!parent) return parent.error();
    std::error_code ec;
    if (fs::exists(fs::symlink_status(out_dir, ec)))
        return invalid("export folder " + out_dir.string() + " already exists; remove it or choose another name");

    const fs::path tmp = temp_sibling(out_dir);
    if (::mkdir(tmp.c_str(), 0755) != 0) return sys_error("cannot create folder", tmp);
    auto cleanup = [&](Error err) -> Result<ExportSummary> {
        std::error_code rec;
        fs::remove_all(tmp, rec);
        return err;
    };

    const std::string manifest = manifest_text(*entries);
    for (const Entry& e : *entries) {
        auto bytes = load_verified(e, load);
        if (!bytes) return cleanup(bytes.error());
        if (auto s = write_file_synced(tmp / e.file_name(), bytes->data(), bytes->size()); !s)
            return cleanup(s.error());
    }
    if (auto s = write_file_synced(tmp / kManifestName, manifest.data(), manifest.size()); !s)
        return cleanup(s.error());
    if (auto s = fsync_path(tmp, O_RDONLY | O_DIRECTORY); !s) return cleanup(s.error());

    // RENAME_NOREPLACE: a folder created meanwhile by someone else is never replaced (plain
    // rename() would silently replace an empty one). Fall back where the file system lacks it.
    int rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out_dir.c_str(), RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
        if (fs::exists(fs::symlink_status(out_dir, ec))) errno = EEXIST;
        else rc = ::rename(tmp.c_str(), out_dir.c_str());
    }
    if (rc != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            return cleanup(invalid("export folder " + out_dir.string() + " already exists; remove it or choose another name"));
        return cleanup(sys_error("cannot rename into", out_dir));
    }
    if (auto s = fsync_path(*parent, O_RDONLY | O_DIRECTORY); !s) return s.error();
    return ExportSummary{static_cast<int>(entries->size()), storage::sha256_hex(std::span(
                             reinterpret_cast<const unsigned char*>(manifest.data()), manifest.size())),
                         out_dir};
}

}  // namespace pd::exchange
