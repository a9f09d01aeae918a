#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exchange/exchange_test_util.h"
#include "exchange/roster.h"

namespace pd::exchange {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using pd::test::id_for;
using pd::test::id_with_x;
using pd::test::TempDir;
using pd::test::write_file;

storage::Student student(const std::string& id, const std::string& no) {
    storage::Student s;
    s.name = "A";
    s.id_number = id;
    s.student_no = no;
    s.school = "PKU";
    s.grade = "2025";
    return s;
}

PhotoFolder open_ok(const TempDir& dir) {
    auto f = PhotoFolder::open(dir.path());
    EXPECT_TRUE(f.ok()) << f.error().message;
    return std::move(f).value();
}

TEST(PhotoFolder, FindsByIdNumber) {
    TempDir dir;
    const std::string id = id_for(1);
    write_file(dir / (id + ".jpg"), "photo");
    write_file(dir / "notes.txt", "x");
    auto p = open_ok(dir).find(student(id, "2021001"));
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(*p, dir / (id + ".jpg"));
}

TEST(PhotoFolder, FindsLowerCaseXAndUpperCaseExtension) {
    TempDir dir;
    const std::string id = id_with_x();
    std::string lower = id;
    lower.back() = 'x';
    write_file(dir / (lower + ".JPEG"), "photo");
    auto p = open_ok(dir).find(student(id, "2021001"));
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->filename(), lower + ".JPEG");
}

TEST(PhotoFolder, FallsBackToStudentNumber) {
    TempDir dir;
    write_file(dir / "2021001.png", "photo");
    auto p = open_ok(dir).find(student(id_for(1), "2021001"));
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->filename(), "2021001.png");
}

TEST(PhotoFolder, AllImageExtensionsAccepted) {
    TempDir dir;
    int n = 0;
    for (const char* ext : {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".bmp", ".HEIC"})
        write_file(dir / (id_for(++n) + ext), "photo");
    write_file(dir / (id_for(++n) + ".gif"), "photo");
    write_file(dir / (id_for(++n) + ".tiff"), "photo");
    const PhotoFolder f = open_ok(dir);
    EXPECT_EQ(f.size(), 8u);
    EXPECT_TRUE(f.find(student(id_for(8), "")).ok());
    EXPECT_EQ(f.find(student(id_for(9), "")).error().code, ErrorCode::NotFound);  // .gif
}

TEST(PhotoFolder, SkipsHiddenFilesAndSubfolders) {
    TempDir dir;
    const std::string id = id_for(1);
    write_file(dir / ("._" + id + ".jpg"), "resource fork");
    std::filesystem::create_directory(dir / (id + ".jpg"));
    const PhotoFolder f = open_ok(dir);
    EXPECT_EQ(f.size(), 0u);
    EXPECT_EQ(f.find(student(id, "")).error().code, ErrorCode::NotFound);
}

TEST(PhotoFolder, MissingPhotoMessageIsMasked) {
    TempDir dir;
    const std::string id = id_with_x();
    auto p = open_ok(dir).find(student(id, "2021001"));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, ErrorCode::NotFound);
    EXPECT_EQ(p.error().message, "no photo named " + domain::mask_id_number(id) + ".* or 2021001.* in " +
                                     dir.path().string());
    EXPECT_THAT(p.error().message, Not(HasSubstr(id)));
    EXPECT_THAT(p.error().message, HasSubstr("110101********"));
}

TEST(PhotoFolder, TwoExtensionsForOneStemAreAmbiguous) {
    TempDir dir;
    const std::string id = id_for(1);
    write_file(dir / (id + ".jpg"), "one");
    write_file(dir / (id + ".png"), "two");
    auto p = open_ok(dir).find(student(id, "2021001"));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(p.error().message, "2 photos named " + domain::mask_id_number(id) + " (.jpg and .png) in " +
                                     dir.path().string() + ": keep one");

    write_file(dir / "2021002.jpg", "a");
    write_file(dir / "2021002.JPG", "b");
    auto q = open_ok(dir).find(student(id_for(2), "2021002"));
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().code, ErrorCode::InvalidArgument);
    EXPECT_THAT(q.error().message, HasSubstr("2 photos named 2021002"));
}

TEST(PhotoFolder, IdFileAndStudentNumberFileThatDifferAreAmbiguous) {
    TempDir dir;
    const std::string id = id_for(1);
    write_file(dir / (id + ".jpg"), "one");
    write_file(dir / "2021001.jpg", "two");
    auto p = open_ok(dir).find(student(id, "2021001"));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(p.error().message, "both " + domain::mask_id_number(id) + ".jpg and 2021001.jpg exist in " +
                                     dir.path().string() + " and differ: keep one");
}

TEST(PhotoFolder, IdenticalCopiesUnderBothNamesAreFine) {
    TempDir dir;
    const std::string id = id_for(1);
    write_file(dir / (id + ".jpg"), "same bytes");
    write_file(dir / "2021001.jpg", "same bytes");
    auto p = open_ok(dir).find(student(id, "2021001"));
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->filename(), id + ".jpg");  // the ID-number name wins
}

TEST(PhotoFolder, UnmatchedPhotos) {
    TempDir dir;
    const std::string a = id_for(1), b = id_for(2);
    write_file(dir / (a + ".jpg"), "a");
    write_file(dir / "2021002.png", "b");
    write_file(dir / "typo-2021003.jpg", "c");
    write_file(dir / (id_for(9) + ".jpg"), "d");
    write_file(dir / "readme.txt", "not a photo");
    Roster roster;
    roster.rows.push_back({2, student(a, "2021001")});
    roster.rows.push_back({3, student(b, "2021002")});
    const PhotoFolder f = open_ok(dir);
    EXPECT_THAT(f.unmatched(roster), ElementsAre(dir / (id_for(9) + ".jpg"), dir / "typo-2021003.jpg"));
    EXPECT_EQ(f.find(roster.rows[1].student)->filename(), "2021002.png");
}

TEST(PhotoFolder, OpenErrors) {
    TempDir dir;
    auto missing = PhotoFolder::open(dir / "nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
    write_file(dir / "file.jpg", "x");
    auto file = PhotoFolder::open(dir / "file.jpg");
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace pd::exchange
