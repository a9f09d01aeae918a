// config/demo.toml and the students made from it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "config/config.h"
#include "demo/demo_support.h"
#include "demo/students.h"
#include "domain/id_number.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using demo::Defect;

// [SECTION] demo.toml

TEST(DemoConfig, TheRepositoryFileLoadsAndFitsTheCatalog) {
    const auto& c = demo_config();
    EXPECT_GE(c.count, 200);
    double sum = 0;
    for (Defect d : demo::all_defects()) sum += c.defect(d).share;
    EXPECT_NEAR(sum, 1.0, 1e-9);
    EXPECT_GE(c.defect(Defect::clean).share, 0.55);
    EXPECT_LE(c.defect(Defect::clean).share, 0.65);
    for (Defect d : demo::all_defects()) {
        if (d == Defect::clean) continue;
        EXPECT_GT(c.defect(d).share, 0) << demo::to_string(d);
        EXPECT_FALSE(c.defect(d).reasons.empty()) << demo::to_string(d);
        EXPECT_FALSE(c.defect(d).note.empty()) << demo::to_string(d);
    }
    auto reasons = config::load_reasons(config_dir());
    ASSERT_TRUE(reasons) << reasons.error().message;
    auto st = demo::validate_defect_reasons(c, reasons.value());
    EXPECT_TRUE(st) << st.error().message;
    EXPECT_FALSE(demo::validate_defect_reasons(c, std::set<std::string>{"head_tilted"}));
}

TEST(DemoConfig, DefectNamesRoundTrip) {
    for (Defect d : demo::all_defects()) EXPECT_EQ(demo::parse_defect(demo::to_string(d)), d);
    EXPECT_FALSE(demo::parse_defect("sunglasses"));
}

// Every problem is one line naming the file, the line and the key.
TEST(DemoConfig, MistakesAreReportedWithFileLineAndKey) {
    std::ifstream in(config_dir() + "/demo.toml");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto expect_error = [&](const std::string& from, const std::string& to, const std::string& want) {
        std::string t = text;
        const auto at = t.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        t.replace(at, from.size(), to);
        auto r = demo::parse_demo_config(t, "demo.toml");
        ASSERT_FALSE(r) << "accepted: " << to;
        EXPECT_EQ(r.error().code, ErrorCode::ConfigInvalid);
        EXPECT_NE(r.error().message.find(want), std::string::npos) << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    };
    expect_error("count = 240", "count = 240\ncolour = 3", "unknown key 'queue.colour'");
    expect_error("[defects.clean]\nshare = 0.60", "[defects.clean]\nshare = 0.70", "sum to 1.1");
    expect_error("[defects.tilt]", "[defects.sunglasses]\nshare = 0\n[defects.tilt]", "unknown defect 'defects.sunglasses'");
    expect_error("\"110105\", \"110108\"", "\"110105\", \"11010\"", "'11010' is not a 6-digit region code");
    expect_error("amount = [7.0, 10.0]", "amount = [10.0, 7.0]", "defects.tilt.amount");
    expect_error("days_back = 8", "days_back = \"8\"", "timing.days_back = \"8\": must be an integer");
    expect_error("count = 240", "count = ", "demo.toml:");
    EXPECT_EQ(demo::load_demo_config("/nonexistent").error().code, ErrorCode::NotFound);
}

// [SECTION] Students

TEST(DemoStudents, EveryIdNumberIsValidAndDistinct) {
    const auto& l = demo_config().students;
    const auto students = demo::make_students(l, 20261130, 1000);
    ASSERT_EQ(students.size(), 1000u);
    std::set<std::string> ids, nos, regions(l.regions.begin(), l.regions.end());
    for (const auto& s : students) {
        auto v = domain::validate_id_number(s.id_number);
        ASSERT_TRUE(v) << s.id_number << ": " << v.error().message;
        EXPECT_EQ(v.value(), s.id_number);
        EXPECT_EQ(s.id_number.back(), domain::id_number_check_char(s.id_number.substr(0, 17)));
        EXPECT_TRUE(regions.count(s.id_number.substr(0, 6))) << s.id_number;
        const int year = std::stoi(s.id_number.substr(6, 4));
        EXPECT_GE(year, 2000);
        EXPECT_LE(year, 2004);
        EXPECT_EQ(s.male, (s.id_number[16] - '0') % 2 == 1) << "the 17th digit is the sex";
        ids.insert(s.id_number);
        nos.insert(s.student_no);
    }
    EXPECT_EQ(ids.size(), students.size());
    EXPECT_EQ(nos.size(), students.size());
    // Far beyond the demo queue too (grow_queue's students).
    std::set<std::string> far;
    for (std::int64_t i = 0; i < 200000; i += 7) far.insert(demo::make_student(l, 1, 1'000'000 + i, false).id_number);
    EXPECT_EQ(far.size(), 200000u / 7 + 1);
    EXPECT_GT(demo::id_space(l), 50'000'000);
}

TEST(DemoStudents, NamesAreDistinctAndSomeUseRareCharacters) {
    const auto& l = demo_config().students;
    const auto students = demo::make_students(l, 7, 240);
    std::set<std::string> names;
    int rare = 0;
    std::set<std::string> rare_chars;
    for (const auto& s : students) {
        EXPECT_TRUE(names.insert(s.name).second) << "twice: " << s.name;
        EXPECT_GE(s.name.size(), 6u) << s.name;  // surname + given name, 3 bytes a character
        if (s.rare_name) ++rare;
        for (const char* c : {"堃", "赟", "昇", "㛃", "䶮"})
            if (s.name.find(c) != std::string::npos) rare_chars.insert(c);
    }
    EXPECT_GE(rare, l.rare_min);
    EXPECT_GE(rare_chars.size(), 3u) << "the workstation's font code must meet rare characters";
}

TEST(DemoStudents, SchoolsStationsAndGradesComeFromTheLists) {
    const auto& l = demo_config().students;
    std::set<std::string> schools, grades;
    for (const auto& s : demo::make_students(l, 3, 300)) {
        const auto it = std::find_if(l.schools.begin(), l.schools.end(), [&](const demo::School& x) { return x.name == s.school; });
        ASSERT_NE(it, l.schools.end()) << s.school;
        EXPECT_NE(std::find(it->stations.begin(), it->stations.end(), s.station), it->stations.end());
        EXPECT_EQ(s.student_no.substr(0, 4), std::to_string(std::stoi(s.grade) - l.study_years));
        EXPECT_EQ(s.student_no.substr(4, 2), it->code);
        schools.insert(s.school);
        grades.insert(s.grade);
    }
    EXPECT_EQ(schools.size(), l.schools.size());
    EXPECT_EQ(grades.size(), l.grades.size());
}

TEST(DemoStudents, SameSeedSameStudentsOtherSeedOthers) {
    const auto& l = demo_config().students;
    const auto a = demo::make_students(l, 11, 50), b = demo::make_students(l, 11, 50), c = demo::make_students(l, 12, 50);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(a[i].name, b[i].name);
        EXPECT_EQ(a[i].id_number, b[i].id_number);
        EXPECT_EQ(a[i].school, b[i].school);
    }
    int same = 0;
    for (int i = 0; i < 50; ++i) same += a[i].id_number == c[i].id_number;
    EXPECT_LT(same, 3);
}

}  // namespace
}  // namespace pd::test
