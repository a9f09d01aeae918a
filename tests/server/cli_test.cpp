// photodeskd's admin commands (user add, ingest, export) on the data directory of a running
// server, on both backends: what they print, what they store, and what the server then serves.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

TEST_P(ServerTest, UserAddPrintsATokenOnceAndRefusesBadRoles) {
    int code = -1;
    std::string err;
    const std::string token = run_photodeskd({"user", "add", "erin", "--role", "reviewer"}, &code, &err);
    ASSERT_EQ(code, 0) << err;
    client::ApiClient erin(base_url(), token.substr(0, token.find('\n')));
    EXPECT_EQ(erin.me().value().json()["name"], "erin");
    run_photodeskd({"user", "add", "erin", "--role", "reviewer"}, &code, &err);
    EXPECT_NE(code, 0);
    EXPECT_NE(err.find("already exists"), std::string::npos) << err;
    run_photodeskd({"user", "add", "frank", "--role", "king"}, &code, &err);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("--role 'king'"), std::string::npos) << err;
}

TEST_P(ServerTest, BulkIngestReportsEveryRowAndQueuesTheGoodOnes) {
    const fs::path photos = dir_ / "photos";
    fs::create_directories(photos);
    fs::copy_file(astronaut_path(), photos / (valid_id(1) + ".png"));   // by ID number
    fs::copy_file(astronaut_path(), photos / "S2.png");                 // by student number
    fs::copy_file(astronaut_path(), photos / "stranger.png");           // nobody's
    std::string bad_id = valid_id(3);
    bad_id.back() = bad_id.back() == '0' ? '1' : '0';
    std::ofstream(dir_ / "roster.csv") << "name,id_number,student_no,school,station,grade\n"
                                       << "甲," << valid_id(1) << ",S1,示例大学,本部,2026\n"
                                       << "乙," << valid_id(2) << ",S2,示例大学,本部,2026\n"
                                       << "丙," << bad_id << ",S3,示例大学,本部,2026\n"
                                       << "丁," << valid_id(4) << ",S4,示例大学,本部,2026\n";
    int code = -1;
    std::string err;
    const fs::path report = dir_ / "report.csv";
    const std::string out =
        run_photodeskd({"ingest", "--roster", (dir_ / "roster.csv").string(), "--photos", photos.string(),
                        "--report", report.string()},
                       &code, &err);
    EXPECT_EQ(code, 2) << out << err;  // some rows failed
    EXPECT_NE(out.find("ingest: 2 added, 3 not added"), std::string::npos) << out;
    EXPECT_NE(err.find("4/4"), std::string::npos) << err;  // the progress reached the end

    const auto rows = lines_of(slurp(report));
    ASSERT_EQ(rows.size(), 6u) << slurp(report);
    EXPECT_EQ(rows[0], "line,id_number,student_no,photo,status,submission_id,attempt,flags,message");
    EXPECT_NE(rows[1].find("," + valid_id(1) + ".png,added,"), std::string::npos) << rows[1];
    EXPECT_NE(rows[2].find(",S2.png,added,"), std::string::npos) << rows[2];
    // The same photo for two students: whichever was added second reports the flag, and the
    // store flags both.
    EXPECT_NE(rows[1].find("duplicate_image") + rows[2].find("duplicate_image"), 2 * std::string::npos);
    EXPECT_NE(rows[3].find("invalid_row"), std::string::npos) << rows[3];
    EXPECT_NE(rows[4].find("no_photo"), std::string::npos) << rows[4];
    EXPECT_NE(rows[5].find("stranger.png,unmatched_photo"), std::string::npos) << rows[5];
    // No full ID number of a failed row in the report or on stderr.
    EXPECT_EQ(slurp(report).find(bad_id), std::string::npos);
    EXPECT_EQ(err.find(valid_id(4)), std::string::npos);

    // The server offers the two new items to reviewers.
    auto rev = client("rev1");
    const json claimed = rev.claim({10, 60}).value().json();
    ASSERT_EQ(claimed["items"].size(), 2u);
    EXPECT_EQ(claimed["items"][0]["student"]["school"], "示例大学");
    for (const auto& item : claimed["items"]) EXPECT_EQ(item["flags"], json::array({"duplicate_image"}));

    // A missing roster is one clear line and exit 1.
    run_photodeskd({"ingest", "--roster", (dir_ / "nope.csv").string(), "--photos", photos.string()}, &code, &err);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("nope.csv"), std::string::npos) << err;
}

TEST_P(ServerTest, ExportCommandWritesZipOrFolderLocksAndRepeats) {
    const auto ids = seed(2, "命令大学");
    auto rev = client("rev1");
    ASSERT_EQ(rev.claim({2, 60}).value().json()["items"].size(), 2u);
    rev.push_decisions({{client::new_decision_id(), ids[0], "approve", {}, "", std::nullopt, 0},
                        {client::new_decision_id(), ids[1], "approve", {}, "", std::nullopt, 0}});

    int code = -1;
    std::string err;
    const fs::path zip = dir_ / "pkg.zip";
    const std::string first = run_photodeskd({"export", "--school", "命令大学", "--out", zip.string()}, &code, &err);
    ASSERT_EQ(code, 0) << err;
    EXPECT_NE(first.find(": 2 photos, sha256 "), std::string::npos) << first;
    const std::string bytes = slurp(zip);
    EXPECT_EQ(bytes.rfind("PK", 0), 0u);
    EXPECT_NE(bytes.find(valid_id(0) + ".jpg"), std::string::npos);
    EXPECT_EQ(client("sup").submission(ids[1]).value().json()["submission"]["state"], "locked");

    const std::string second = run_photodeskd({"export", "--school", "命令大学", "--out", zip.string()}, &code, &err);
    EXPECT_EQ(code, 0) << err;
    EXPECT_EQ(second, first);          // same items, same bytes, same hash
    EXPECT_EQ(slurp(zip), bytes);

    const fs::path folder = dir_ / "pkg";
    run_photodeskd({"export", "--school", "命令大学", "--out", folder.string()}, &code, &err);
    ASSERT_EQ(code, 0) << err;
    EXPECT_TRUE(fs::exists(folder / "manifest.csv"));
    EXPECT_TRUE(fs::exists(folder / (valid_id(1) + ".jpg")));
    const auto manifest = lines_of(slurp(folder / "manifest.csv"));
    ASSERT_EQ(manifest.size(), 3u);
    EXPECT_EQ(manifest[0], "name,id_number,student_no,school,sha256,decided_at,reviewer");
    EXPECT_NE(manifest[1].find(",rev1"), std::string::npos) << manifest[1];
}

}  // namespace
}  // namespace pd::test
