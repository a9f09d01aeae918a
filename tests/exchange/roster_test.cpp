#include "exchange/roster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exchange/exchange_test_util.h"

namespace pd::exchange {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using pd::test::id_for;
using pd::test::id_with_x;
using pd::test::make_id;

constexpr const char* kHeader = "name,id_number,student_no,school,station,grade";

std::string row(const std::string& name, const std::string& id, const std::string& no,
                const std::string& school = "PKU", const std::string& station = "Haidian",
                const std::string& grade = "2025") {
    return name + "," + id + "," + no + "," + school + "," + station + "," + grade;
}

Roster parse_ok(std::string_view text) {
    auto r = parse_roster(text);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Roster{};
}

// [SECTION] Well-formed files

TEST(Roster, ParsesRowsWithLineNumbers) {
    const std::string a = id_for(1), b = id_for(2);
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("张三", a, "2021001") + "\n" +
                              row("李四", b, "2021002", "PKU", "", "2024") + "\n");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_TRUE(r.problems.empty());
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_EQ(r.rows[0].line, 2);
    EXPECT_EQ(r.rows[0].student.name, "张三");
    EXPECT_EQ(r.rows[0].student.id_number, a);
    EXPECT_EQ(r.rows[0].student.student_no, "2021001");
    EXPECT_EQ(r.rows[0].student.school, "PKU");
    EXPECT_EQ(r.rows[0].student.station, "Haidian");
    EXPECT_EQ(r.rows[0].student.grade, "2025");
    EXPECT_EQ(r.rows[1].line, 3);
    EXPECT_EQ(r.rows[1].student.station, "");  // station may be empty
    EXPECT_EQ(r.rows[1].student.grade, "2024");
}

TEST(Roster, AcceptsBomAndCrlf) {
    const std::string a = id_for(1), b = id_for(2);
    const Roster r = parse_ok("\xEF\xBB\xBF" + std::string(kHeader) + "\r\n" + row("A", a, "1") + "\r\n" +
                              row("B", b, "2") + "\r\n");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].student.name, "A");        // the BOM did not stick to the header
    EXPECT_EQ(r.rows[1].student.grade, "2025");    // no '\r' left on the last field
    EXPECT_EQ(r.rows[1].line, 3);
}

TEST(Roster, LastRowWithoutNewline) {
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("A", id_for(1), "1"));
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].student.grade, "2025");
}

TEST(Roster, ColumnsInAnyOrderCaseInsensitiveTrimmedUnknownWarned) {
    const std::string a = id_for(7);
    const Roster r = parse_ok(" Grade ,EMAIL,Station, School,Student_No ,ID_Number,Name\n"
                              "2026,x@y.cn,Nankai,TJU,S9," + a + ",王五\n");
    ASSERT_EQ(r.rows.size(), 1u);
    const auto& s = r.rows[0].student;
    EXPECT_EQ(s.name, "王五");
    EXPECT_EQ(s.id_number, a);
    EXPECT_EQ(s.student_no, "S9");
    EXPECT_EQ(s.school, "TJU");
    EXPECT_EQ(s.station, "Nankai");
    EXPECT_EQ(s.grade, "2026");
    EXPECT_THAT(r.warnings, ElementsAre("unknown column 'email' ignored"));
}

TEST(Roster, QuotedFieldsWithCommaQuotesAndNewlines) {
    const std::string a = id_for(1), b = id_for(2), c = id_for(3);
    const std::string text = std::string(kHeader) + "\n" +
                             "\"Smith, John\"," + a + ",1,\"Peking \"\"PKU\"\" University\",\"line one\nline two\",2025\n" +
                             // a row after the multi-line field: it starts on physical line 4
                             row("B", b, "2") + "\n" +
                             "\"C\"," + c + ",\"3\",PKU,\"a\r\nb\",2025\r\n" +
                             row("D", "", "4") + "\n";
    const Roster r = parse_ok(text);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.rows[0].line, 2);
    EXPECT_EQ(r.rows[0].student.name, "Smith, John");
    EXPECT_EQ(r.rows[0].student.school, "Peking \"PKU\" University");
    EXPECT_EQ(r.rows[0].student.station, "line one\nline two");
    EXPECT_EQ(r.rows[1].line, 4);
    EXPECT_EQ(r.rows[1].student.id_number, b);
    EXPECT_EQ(r.rows[2].line, 5);
    EXPECT_EQ(r.rows[2].student.station, "a\r\nb");  // kept as written
    // The row after a second multi-line field is on line 7, and its problem says so.
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 7);
    EXPECT_EQ(r.problems[0].field, "id_number");
    EXPECT_EQ(r.problems[0].message, "ID number is empty");
}

TEST(Roster, BlankLinesAndEmptyRowsSkippedLinesStayPhysical) {
    const std::string a = id_for(1), b = id_for(2);
    const Roster r = parse_ok("\n\n" + std::string(kHeader) + "\n\n" + row("A", a, "1") + "\n\r\n,,,,,\n  \n" +
                              row("B", b, "2") + "\n\n");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_TRUE(r.problems.empty()) << r.problems[0].message;
    EXPECT_EQ(r.rows[0].line, 5);
    EXPECT_EQ(r.rows[1].line, 9);
}

TEST(Roster, ValuesTrimmedIncludingIdeographicSpace) {
    const std::string a = id_for(1);
    const Roster r = parse_ok(std::string(kHeader) + "\n" + "\xE3\x80\x80张三 , " + a + "\t,\" 1 \",PKU,,2025\n");
    ASSERT_EQ(r.rows.size(), 1u) << r.problems[0].message;
    EXPECT_EQ(r.rows[0].student.name, "张三");
    EXPECT_EQ(r.rows[0].student.id_number, a);
    EXPECT_EQ(r.rows[0].student.student_no, "1");
}

TEST(Roster, LowerCaseXNormalised) {
    std::string id = id_with_x();
    ASSERT_FALSE(id.empty());
    std::string lower = id;
    lower.back() = 'x';
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("A", lower, "1") + "\n");
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].student.id_number, id);
}

// [SECTION] File-level errors

TEST(Roster, MissingColumnNamesIt) {
    auto r = parse_roster("name,id_number,student_no,school,station\nA," + id_for(1) + ",1,PKU,X\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_THAT(r.error().message, HasSubstr("no 'grade' column"));
}

TEST(Roster, RepeatedColumnIsAnError) {
    auto r = parse_roster("name,id_number,student_no,school,station,grade,NAME\n");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("'name' appears twice"));
}

TEST(Roster, EmptyOrBlankTextHasNoHeader) {
    for (std::string_view text : {std::string_view(""), std::string_view("\xEF\xBB\xBF"), std::string_view("\n\r\n\n")}) {
        auto r = parse_roster(text);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::EmptyInput);
        EXPECT_THAT(r.error().message, HasSubstr("header row is required"));
    }
}

TEST(Roster, HeaderOnlyIsAnEmptyRoster) {
    const Roster r = parse_ok(std::string(kHeader) + "\n");
    EXPECT_TRUE(r.rows.empty());
    EXPECT_TRUE(r.problems.empty());
}

TEST(Roster, GbkIsRefusedWithLine) {
    // "张三" in GBK is D5 C5 C8 FD: not UTF-8.
    auto r = parse_roster(std::string(kHeader) + "\n" + row("\xD5\xC5\xC8\xFD", id_for(1), "1") + "\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_THAT(r.error().message, HasSubstr("not valid UTF-8 (first bad byte on line 2"));
}

TEST(Roster, Utf16IsRefused) {
    auto r = parse_roster(std::string("\xFF\xFEn\0a\0", 6));
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("UTF-16"));
}

TEST(Roster, UnclosedQuoteIsAFileError) {
    auto r = parse_roster(std::string(kHeader) + "\n" + row("A", id_for(1), "1") + "\n\"B," + id_for(2) + ",2,PKU,,2025\n" +
                          row("C", id_for(3), "3") + "\n");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "quoted field starting on line 3 is never closed (a '\"' is missing)");
}

// [SECTION] Row problems

TEST(Roster, RowProblemsWithFieldsAndLines) {
    const std::string good = id_for(1);
    const std::string text = std::string(kHeader) + "\n" +
                             row("", id_for(2), "2") + "\n" +              // line 2: empty name
                             row("C", id_for(3), "3") + ",extra\n" +       // line 3: 7 fields
                             "D," + id_for(4) + ",4,PKU,2025\n" +          // line 4: 5 fields
                             row("E", id_for(5), "", "", "", "") + "\n" +  // line 5: three empties
                             row("F", good, "6") + "\n" +                  // line 6: fine
                             "\"G\"x," + id_for(7) + ",7,PKU,,2025\n";     // line 7: junk after quote
    const Roster r = parse_ok(text);
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(r.rows[0].line, 6);
    ASSERT_EQ(r.problems.size(), 7u);
    EXPECT_EQ(r.problems[0].line, 2);
    EXPECT_EQ(r.problems[0].field, "name");
    EXPECT_EQ(r.problems[0].message, "name is empty");
    EXPECT_EQ(r.problems[1].line, 3);
    EXPECT_EQ(r.problems[1].field, "");
    EXPECT_EQ(r.problems[1].message, "expected 6 fields as in the header, got 7");
    EXPECT_EQ(r.problems[2].line, 4);
    EXPECT_EQ(r.problems[2].message, "expected 6 fields as in the header, got 5");
    EXPECT_EQ(r.problems[3].line, 5);
    EXPECT_EQ(r.problems[3].field, "student_no");
    EXPECT_EQ(r.problems[4].field, "school");
    EXPECT_EQ(r.problems[5].field, "grade");
    EXPECT_EQ(r.problems[6].line, 7);
    EXPECT_EQ(r.problems[6].message, "field 1 has text after its closing quote");
}

TEST(Roster, BadCheckCharacterIsMasked) {
    std::string id = id_for(1);
    const char wrong = id.back() == '0' ? '1' : '0';
    const std::string bad = id.substr(0, 17) + wrong;
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("A", bad, "1") + "\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_TRUE(r.rows.empty());
    EXPECT_EQ(r.problems[0].field, "id_number");
    EXPECT_EQ(r.problems[0].message, domain::mask_id_number(bad) + ": ID number check character should be " +
                                         std::string(1, id.back()) + ", got " + std::string(1, wrong));
    EXPECT_THAT(r.problems[0].message, Not(HasSubstr(bad)));
    EXPECT_THAT(r.problems[0].message, HasSubstr("110101********"));
}

TEST(Roster, WrongLengthIdIsMasked) {
    const std::string bad = id_for(1).substr(0, 17);
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("A", bad, "1") + "\n");
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].message, domain::mask_id_number(bad) + ": ID number must be 18 characters, got 17");
    EXPECT_THAT(r.problems[0].message, Not(HasSubstr(bad)));
}

TEST(Roster, DuplicateIdSecondOccurrenceIsTheProblem) {
    std::string x = id_with_x();
    std::string lower = x;
    lower.back() = 'x';
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("A", x, "1") + "\n" + row("B", id_for(500), "2") +
                              "\n" + row("C", lower, "3") + "\n");
    ASSERT_EQ(r.rows.size(), 2u);
    EXPECT_EQ(r.rows[0].line, 2);
    EXPECT_EQ(r.rows[1].line, 3);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 4);
    EXPECT_EQ(r.problems[0].field, "id_number");
    EXPECT_EQ(r.problems[0].message, "ID number " + domain::mask_id_number(x) + " already appears on line 2");
    EXPECT_THAT(r.problems[0].message, Not(HasSubstr(x)));
}

TEST(Roster, DuplicateStudentNoWithinOneSchoolOnly) {
    const Roster r = parse_ok(std::string(kHeader) + "\n" + row("A", id_for(1), "2021001", "PKU") + "\n" +
                              row("B", id_for(2), "2021001", "THU") + "\n" +   // other school: fine
                              row("C", id_for(3), "2021001", "PKU") + "\n");
    ASSERT_EQ(r.rows.size(), 2u);
    ASSERT_EQ(r.problems.size(), 1u);
    EXPECT_EQ(r.problems[0].line, 4);
    EXPECT_EQ(r.problems[0].field, "student_no");
    EXPECT_EQ(r.problems[0].message, "student number 2021001 already appears on line 2 for school PKU");
}

// [SECTION] read_roster

TEST(ReadRoster, ReadsAFile) {
    pd::test::TempDir dir;
    pd::test::write_file(dir / "r.csv", std::string(kHeader) + "\r\n" + row("A", id_for(1), "1") + "\r\n");
    auto r = read_roster(dir / "r.csv");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->rows.size(), 1u);
}

TEST(ReadRoster, FileErrors) {
    pd::test::TempDir dir;
    auto missing = read_roster(dir / "nope.csv");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
    EXPECT_THAT(missing.error().message, HasSubstr("nope.csv does not exist"));

    auto folder = read_roster(dir.path());
    ASSERT_FALSE(folder.ok());
    EXPECT_EQ(folder.error().code, ErrorCode::InvalidArgument);
    EXPECT_THAT(folder.error().message, HasSubstr("is a directory"));

    {  // sparse: costs no disk
        std::ofstream(dir / "big.csv").put('n');
        std::filesystem::resize_file(dir / "big.csv", kMaxRosterBytes + 1);
    }
    auto big = read_roster(dir / "big.csv");
    ASSERT_FALSE(big.ok());
    EXPECT_EQ(big.error().code, ErrorCode::TooLarge);
    EXPECT_THAT(big.error().message, HasSubstr("is 52428801 bytes, over the limit of 50 MB"));

    pd::test::write_file(dir / "bad.csv", "name,id_number\n");
    auto bad = read_roster(dir / "bad.csv");
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message, HasSubstr("bad.csv: roster header has no 'student_no' column"));
}

}  // namespace
}  // namespace pd::exchange
