#include "exchange/export_package.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zip.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <ctime>
#include <map>

#include "exchange/csv.h"
#include "exchange/exchange_test_util.h"
#include "storage/image_store.h"

namespace pd::exchange {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using pd::test::id_for;
using pd::test::TempDir;

constexpr std::int64_t kNov24_10am_China = 1795485600;  // 2026-11-24T02:00:00Z

std::vector<unsigned char> fake_jpeg(int seed, std::size_t size = 3000) {
    std::vector<unsigned char> out = {0xFF, 0xD8, 0xFF, 0xE0};
    std::uint32_t x = static_cast<std::uint32_t>(seed) * 2654435761u + 1;
    while (out.size() < size) {
        x = x * 1664525u + 1013904223u;
        out.push_back(static_cast<unsigned char>(x >> 24));
    }
    out.push_back(0xFF);
    out.push_back(0xD9);
    return out;
}

// An in-memory image store: the loader hands out what was put, counts calls, and can be
// told to return other bytes for a hash (a damaged store).
struct FakeStore {
    std::map<std::string, std::vector<unsigned char>> images;
    int loads = 0;

    std::string put(const std::vector<unsigned char>& bytes) {
        std::string h = storage::sha256_hex(bytes);
        images[h] = bytes;
        return h;
    }
    ImageLoader loader() {
        return [this](const std::string& h) -> Result<std::vector<unsigned char>> {
            ++loads;
            auto it = images.find(h);
            if (it == images.end()) return make_error(ErrorCode::NotFound, "image " + h + " not in store");
            return it->second;
        };
    }
};

storage::ExportItem item(FakeStore& store, std::int64_t id, const std::string& id_number, const std::string& name,
                         std::int64_t decided_at, const std::string& reviewer = "rev1") {
    storage::ExportItem it;
    storage::Submission& s = it.submission;
    s.id = id;
    s.student.name = name;
    s.student.id_number = id_number;
    s.student.student_no = "2021" + std::to_string(id);
    s.student.school = "PKU";
    s.student.grade = "2025";
    s.state = storage::SubmissionState::locked;
    s.images.standardized = store.put(fake_jpeg(static_cast<int>(id)));
    storage::DecisionSummary d;
    d.verdict = storage::Verdict::approve;
    d.reviewer = reviewer;
    d.decided_at = decided_at;
    s.decision = d;
    return it;
}

// The three-item export most tests use; given out of id order on purpose.
struct Fixture {
    FakeStore store;
    std::vector<storage::ExportItem> items;
    Fixture() {
        items.push_back(item(store, 3, id_for(3), "王五", kNov24_10am_China - 3600));
        items.push_back(item(store, 1, id_for(1), "Smith, \"Jo\"", kNov24_10am_China - 7200));
        auto overturned = item(store, 2, id_for(2), "李四", kNov24_10am_China - 86400, "rev2");
        overturned.submission.decision->verdict = storage::Verdict::approve_recropped;
        overturned.submission.decision->overturned_by = "boss";
        overturned.submission.decision->overturned_at = kNov24_10am_China;
        items.push_back(overturned);
    }
    std::string expected_manifest() const {
        auto h = [&](int i) { return items[static_cast<std::size_t>(i)].submission.images.standardized; };
        return std::string(kManifestHeader) + "\n" +
               "\"Smith, \"\"Jo\"\"\"," + id_for(1) + ",20211,PKU," + h(1) + ",2026-11-24T08:00:00+08:00,rev1\n" +
               "李四," + id_for(2) + ",20212,PKU," + h(2) + ",2026-11-24T10:00:00+08:00,boss\n" +
               "王五," + id_for(3) + ",20213,PKU," + h(0) + ",2026-11-24T09:00:00+08:00,rev1\n";
    }
};

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0;
    std::time_t mtime = 0;
    std::string bytes;
};

std::vector<ZipEntry> read_zip(const std::filesystem::path& p) {
    std::vector<ZipEntry> out;
    int err = 0;
    zip_t* za = zip_open(p.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
    EXPECT_NE(za, nullptr) << "zip_open error " << err;
    if (!za) return out;
    const zip_int64_t n = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        EXPECT_EQ(zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st), 0);
        ZipEntry e;
        e.name = st.name;
        e.method = st.comp_method;
        e.mtime = st.mtime;
        e.bytes.resize(st.size);
        zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
        EXPECT_NE(f, nullptr);
        if (f) {
            EXPECT_EQ(zip_fread(f, e.bytes.data(), st.size), static_cast<zip_int64_t>(st.size));
            zip_fclose(f);
        }
        out.push_back(std::move(e));
    }
    zip_close(za);
    return out;
}

std::string as_string(const std::vector<unsigned char>& v) { return std::string(v.begin(), v.end()); }

// [SECTION] Manifest

TEST(ExportManifest, ChinaTime) {
    EXPECT_EQ(china_time_iso8601(kNov24_10am_China), "2026-11-24T10:00:00+08:00");
    EXPECT_EQ(china_time_iso8601(kNov24_10am_China + 14 * 3600), "2026-11-25T00:00:00+08:00");
    EXPECT_EQ(china_time_iso8601(0), "1970-01-01T08:00:00+08:00");
}

TEST(ExportManifest, SortedQuotedOverturnShowsSupervisor) {
    Fixture fx;
    auto m = build_manifest(fx.items);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(*m, fx.expected_manifest());
    EXPECT_EQ(m->find('\r'), std::string::npos);
    EXPECT_FALSE(m->starts_with("\xEF\xBB\xBF"));
}

TEST(ExportManifest, RefusesItemsThatMustNotBeExported) {
    FakeStore store;
    auto no_decision = item(store, 1, id_for(1), "A", 1);
    no_decision.submission.decision.reset();
    auto rejected = item(store, 2, id_for(2), "B", 1);
    rejected.submission.decision->verdict = storage::Verdict::reject;
    auto pending = item(store, 3, id_for(3), "C", 1);
    pending.submission.state = storage::SubmissionState::pending;
    auto no_image = item(store, 4, id_for(4), "D", 1);
    no_image.submission.images.standardized.clear();
    auto bad_id = item(store, 5, "../../etc/passwd", "E", 1);
    for (const auto& it : {no_decision, rejected, pending, no_image, bad_id}) {
        auto m = build_manifest({it});
        ASSERT_FALSE(m.ok()) << it.submission.id;
        EXPECT_EQ(m.error().code, ErrorCode::InvalidArgument);
        EXPECT_THAT(m.error().message, HasSubstr("submission " + std::to_string(it.submission.id)));
    }
}

// [SECTION] Zip

TEST(ExportZip, WritesPhotosAndManifest) {
    Fixture fx;
    TempDir dir;
    auto s = write_export_zip(fx.items, fx.store.loader(), dir / "PKU.zip");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->items, 3);
    EXPECT_EQ(s->path, dir / "PKU.zip");
    EXPECT_EQ(s->sha256, storage::sha256_hex(
                             [&] { auto t = pd::test::read_file(dir / "PKU.zip"); return std::vector<unsigned char>(t.begin(), t.end()); }()));
    EXPECT_EQ(fx.store.loads, 3);
    EXPECT_THAT(dir.list(), ElementsAre("PKU.zip"));  // no temp file left

    const auto entries = read_zip(dir / "PKU.zip");
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].name, "manifest.csv");
    EXPECT_EQ(entries[0].method, ZIP_CM_DEFLATE);
    EXPECT_EQ(entries[0].bytes, fx.expected_manifest());
    for (int i = 1; i <= 3; ++i) {
        const auto& e = entries[static_cast<std::size_t>(i)];
        EXPECT_EQ(e.name, id_for(i) + ".jpg");
        EXPECT_EQ(e.method, ZIP_CM_STORE);
        EXPECT_EQ(e.bytes, as_string(fake_jpeg(i)));
    }
    // Every entry carries the latest decision time as China wall-clock time (DOS time is
    // local, so read it back with localtime).
    for (const auto& e : entries) {
        std::tm t{};
        localtime_r(&e.mtime, &t);
        EXPECT_EQ(t.tm_year + 1900, 2026);
        EXPECT_EQ(t.tm_mon + 1, 11);
        EXPECT_EQ(t.tm_mday, 24);
        EXPECT_EQ(t.tm_hour, 10);
        EXPECT_EQ(t.tm_min, 0);
    }
}

TEST(ExportZip, DeterministicAndIdempotent) {
    Fixture fx;
    TempDir dir;
    auto a = write_export_zip(fx.items, fx.store.loader(), dir / "a.zip");
    std::reverse(fx.items.begin(), fx.items.end());  // input order does not matter
    auto b = write_export_zip(fx.items, fx.store.loader(), dir / "b.zip");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->sha256, b->sha256);
    EXPECT_EQ(pd::test::read_file(dir / "a.zip"), pd::test::read_file(dir / "b.zip"));

    // Exporting again over the same name replaces it with the same bytes.
    auto again = write_export_zip(fx.items, fx.store.loader(), dir / "a.zip");
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->sha256, a->sha256);
    EXPECT_THAT(dir.list(), ElementsAre("a.zip", "b.zip"));
}

TEST(ExportZip, SameBytesInAnyTimeZone) {
    Fixture fx;
    TempDir dir;
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    std::vector<std::string> hashes;
    for (const char* tz : {"UTC0", "CST-8", "EST5EDT,M3.2.0,M11.1.0"}) {
        setenv("TZ", tz, 1);
        tzset();
        auto s = write_export_zip(fx.items, fx.store.loader(), dir / (std::string("tz") + std::to_string(hashes.size()) + ".zip"));
        ASSERT_TRUE(s.ok()) << s.error().message;
        hashes.push_back(s->sha256);
    }
    if (old) setenv("TZ", saved.c_str(), 1);
    else unsetenv("TZ");
    tzset();
    EXPECT_EQ(hashes[0], hashes[1]);
    EXPECT_EQ(hashes[0], hashes[2]);
}

TEST(ExportZip, EmptyExportHasOnlyTheManifestHeader) {
    FakeStore store;
    TempDir dir;
    auto s = write_export_zip({}, store.loader(), dir / "empty.zip");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->items, 0);
    const auto entries = read_zip(dir / "empty.zip");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].name, "manifest.csv");
    EXPECT_EQ(entries[0].bytes, std::string(kManifestHeader) + "\n");
}

TEST(ExportZip, HashMismatchFailsAndLeavesNothing) {
    Fixture fx;
    TempDir dir;
    const std::string h = fx.items[1].submission.images.standardized;
    fx.store.images[h].back() ^= 1;  // one bit flipped in the store
    auto s = write_export_zip(fx.items, fx.store.loader(), dir / "PKU.zip");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::Corrupt);
    EXPECT_THAT(s.error().message, HasSubstr("submission 1 (" + domain::mask_id_number(id_for(1)) + ")"));
    EXPECT_THAT(s.error().message, HasSubstr("image " + h.substr(0, 12)));
    EXPECT_THAT(dir.list(), IsEmpty());
}

TEST(ExportZip, FailureKeepsThePreviousExport) {
    Fixture fx;
    TempDir dir;
    ASSERT_TRUE(write_export_zip(fx.items, fx.store.loader(), dir / "PKU.zip").ok());
    const std::string before = pd::test::read_file(dir / "PKU.zip");
    fx.store.images.erase(fx.items[0].submission.images.standardized);  // loader now fails
    auto s = write_export_zip(fx.items, fx.store.loader(), dir / "PKU.zip");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::NotFound);
    EXPECT_THAT(s.error().message, HasSubstr("photo of submission 3"));
    EXPECT_THAT(dir.list(), ElementsAre("PKU.zip"));
    EXPECT_EQ(pd::test::read_file(dir / "PKU.zip"), before);
}

TEST(ExportZip, DuplicateIdNumberIsRefused) {
    Fixture fx;
    TempDir dir;
    auto dup = item(fx.store, 9, id_for(2), "Other", 5);
    fx.items.push_back(dup);
    auto s = write_export_zip(fx.items, fx.store.loader(), dir / "PKU.zip");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s.error().message, "ID number " + domain::mask_id_number(id_for(2)) +
                                     " is in the export twice (submissions 2 and 9)");
    EXPECT_EQ(fx.store.loads, 0);  // refused before any image was read
    EXPECT_THAT(dir.list(), IsEmpty());
}

TEST(ExportZip, BadTargets) {
    Fixture fx;
    TempDir dir;
    auto no_parent = write_export_zip(fx.items, fx.store.loader(), dir / "missing" / "PKU.zip");
    ASSERT_FALSE(no_parent.ok());
    EXPECT_EQ(no_parent.error().code, ErrorCode::NotFound);
    auto is_dir = write_export_zip(fx.items, fx.store.loader(), dir.path());
    ASSERT_FALSE(is_dir.ok());
    EXPECT_EQ(is_dir.error().code, ErrorCode::InvalidArgument);
}

// [SECTION] Folder

TEST(ExportFolder, WritesTheSameFiles) {
    Fixture fx;
    TempDir dir;
    auto s = write_export_folder(fx.items, fx.store.loader(), dir / "PKU");
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->items, 3);
    EXPECT_EQ(s->path, dir / "PKU");
    const std::string manifest = fx.expected_manifest();
    EXPECT_EQ(s->sha256, storage::sha256_hex(std::vector<unsigned char>(manifest.begin(), manifest.end())));
    EXPECT_THAT(dir.list(), ElementsAre("PKU"));  // no temp folder left

    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir / "PKU")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    EXPECT_THAT(names, ElementsAre(id_for(1) + ".jpg", id_for(2) + ".jpg", id_for(3) + ".jpg", "manifest.csv"));
    EXPECT_EQ(pd::test::read_file(dir / "PKU" / "manifest.csv"), manifest);
    for (int i = 1; i <= 3; ++i)
        EXPECT_EQ(pd::test::read_file(dir / "PKU" / (id_for(i) + ".jpg")), as_string(fake_jpeg(i)));
}

TEST(ExportFolder, ExistingFolderIsRefused) {
    Fixture fx;
    TempDir dir;
    std::filesystem::create_directory(dir / "PKU");
    auto s = write_export_folder(fx.items, fx.store.loader(), dir / "PKU");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::InvalidArgument);
    EXPECT_THAT(s.error().message, HasSubstr("already exists"));
    EXPECT_THAT(dir.list(), ElementsAre("PKU"));
    EXPECT_TRUE(std::filesystem::is_empty(dir / "PKU"));
}

TEST(ExportFolder, FailureLeavesNoFolder) {
    Fixture fx;
    TempDir dir;
    fx.store.images[fx.items[0].submission.images.standardized][10] ^= 0x40;  // id_for(3): written last
    auto s = write_export_folder(fx.items, fx.store.loader(), dir / "PKU");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::Corrupt);
    EXPECT_EQ(fx.store.loads, 3);  // the first two photos were written before the failure
    EXPECT_THAT(dir.list(), IsEmpty());
}

}  // namespace
}  // namespace pd::exchange

// [SECTION] issue 9: formulas, the server's clock, checks before locking, names, temp sweep

namespace pd::exchange {
namespace {

TEST(ExportIssue9, ManifestDefusesFormulasAndUsesTheServersTime) {
    FakeStore store;
    auto a = item(store, 1, pd::test::id_for(1), "=HYPERLINK(\"http://x\",\"y\")", 1, "@rev");
    a.submission.student.student_no = "+86";
    a.submission.student.school = "-1";
    a.applied_at = kNov24_10am_China;   // the server applied it; the client claimed 1970
    auto b = item(store, 2, pd::test::id_for(2), "正常", kNov24_10am_China - 60);   // predates applied_at
    auto m = build_manifest({a, b});
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_THAT(*m, HasSubstr("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"," + pd::test::id_for(1) +
                              ",'+86,'-1,"));
    EXPECT_THAT(*m, HasSubstr(",2026-11-24T10:00:00+08:00,'@rev\n"));
    EXPECT_THAT(*m, HasSubstr(",2026-11-24T09:59:00+08:00,rev1\n"));
    EXPECT_EQ(m->find("1970"), std::string::npos) << *m;
    EXPECT_EQ(csv::defuse_formula("张三"), "张三");
    EXPECT_EQ(csv::defuse_formula("\tx"), "'\tx");
    EXPECT_EQ(csv::defuse_formula(""), "");
}

TEST(ExportIssue9, CheckAndVerifyBeforeWriting) {
    Fixture f;
    EXPECT_TRUE(check_export(f.items).ok());
    EXPECT_TRUE(verify_photos(f.items, f.store.loader()).ok());
    auto no_photo = f.items;
    no_photo[1].submission.images.standardized.clear();
    auto c = check_export(no_photo);
    ASSERT_FALSE(c.ok());
    EXPECT_THAT(c.error().message, HasSubstr("submission 1"));
    EXPECT_THAT(c.error().message, HasSubstr("no standardised image"));
    FakeStore other;   // the photos are missing from this store
    auto v = verify_photos(f.items, other.loader());
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, ErrorCode::NotFound);
}

TEST(ExportIssue9, PackageNamesAreUniqueAndStable) {
    EXPECT_NE(package_name("A", "B"), package_name("A-B", ""));
    EXPECT_NE(package_name("A", "B"), package_name("A_B", ""));
    EXPECT_NE(package_name("A", ""), package_name("A", "all"));
    EXPECT_EQ(package_name("示例大学", "2026"), package_name("示例大学", "2026"));
    EXPECT_THAT(package_name("示例大学", "2026"), ::testing::MatchesRegex("示例大学_2026_[0-9a-f]{8}\\.zip"));
    EXPECT_THAT(package_name("示例大学", ""), ::testing::MatchesRegex("示例大学_all_[0-9a-f]{8}\\.zip"));
    const std::string odd = package_name("../../etc/passwd", "a/b");
    EXPECT_EQ(odd.find('/'), std::string::npos) << odd;
    EXPECT_NE(odd.front(), '.') << odd;
    const std::string long_name = package_name(std::string(200, 'x') + "大学", "");
    EXPECT_LE(long_name.size(), 96u + 14u) << long_name;
}

TEST(ExportIssue9, SweepRemovesOnlyOldTempOutputs) {
    TempDir dir;
    namespace fs = std::filesystem;
    const auto old = fs::file_time_type::clock::now() - std::chrono::hours(3);
    std::ofstream(dir.path() / "a_1a2b3c4d.zip.tmp-0a1b2c3d") << "x";
    std::ofstream(dir.path() / "a_1a2b3c4d.zip.tmp-deadbeef") << "x";
    fs::create_directories(dir.path() / "folder.tmp-00ff00ff");
    std::ofstream(dir.path() / "a_1a2b3c4d.zip") << "done";
    std::ofstream(dir.path() / "notes.tmp-xyz") << "not ours";
    for (const char* n : {"a_1a2b3c4d.zip.tmp-0a1b2c3d", "folder.tmp-00ff00ff", "a_1a2b3c4d.zip", "notes.tmp-xyz"})
        fs::last_write_time(dir.path() / n, old);
    auto r = sweep_temp_outputs(dir.path(), 3600);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, 2);
    EXPECT_FALSE(fs::exists(dir.path() / "a_1a2b3c4d.zip.tmp-0a1b2c3d"));
    EXPECT_FALSE(fs::exists(dir.path() / "folder.tmp-00ff00ff"));
    EXPECT_TRUE(fs::exists(dir.path() / "a_1a2b3c4d.zip.tmp-deadbeef"));   // young: maybe in progress
    EXPECT_TRUE(fs::exists(dir.path() / "a_1a2b3c4d.zip"));
    EXPECT_TRUE(fs::exists(dir.path() / "notes.tmp-xyz"));
    EXPECT_EQ(*sweep_temp_outputs(dir.path() / "missing", 3600), 0);
}

}  // namespace
}  // namespace pd::exchange
