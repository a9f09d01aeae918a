// photodesk-cli, run as a subprocess exactly as users and scripts run it: outputs, reports,
// batch mode, and for every kind of bad input one specific line on stderr, the documented
// exit code (cli_common.h) and no output file.
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "engine/jpeg/jpeg_codec.h"
#include "support/test_support.h"
#include "tools/cli/cli_common.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Proc {
    int exit = -1;
    std::string out, err;
};

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

// Lines of text that are not empty.
std::vector<std::string> lines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        if (l.find_first_not_of(" \t\r") != std::string::npos) out.push_back(l);
    return out;
}

class CliTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "pd-cli-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    fs::path path(const std::string& name) const { return dir_ / name; }

    // Runs photodesk-cli with `args` (already quoted), capturing stdout and stderr.
    // PD_TEST_CLI (environment) runs another build, e.g. an unfixed one, to see a test fail.
    Proc cli(const std::string& args) const {
        const fs::path out = dir_ / ".stdout", err = dir_ / ".stderr";
        const char* other = std::getenv("PD_TEST_CLI");
        const std::string cmd = quote(other && *other ? other : PD_CLI_PATH) + " " + args + " >" + quote(out.string()) + " 2>" + quote(err.string());
        const int st = std::system(cmd.c_str());
        Proc r;
        r.exit = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        fs::remove(out);
        fs::remove(err);
        return r;
    }

    // Files in the temp dir other than the inputs the test made (for "no output created").
    std::vector<std::string> files_except(const std::vector<std::string>& keep) const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) {
            const std::string n = e.path().filename().string();
            if (std::find(keep.begin(), keep.end(), n) == keep.end()) out.push_back(n);
        }
        return out;
    }

    // A copy of the astronaut as the input photo.
    fs::path astronaut(const std::string& name = "astronaut.png") const {
        const fs::path p = path(name);
        fs::copy_file(pd::test::astronaut_path(), p, fs::copy_options::overwrite_existing);
        return p;
    }

    fs::path dir_;
};

// CRC-32 (ISO-HDLC, as PNG uses) by hand.
std::uint32_t crc32(const std::string& data) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

std::string be32(std::uint32_t v) {
    return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

std::string png_chunk(const std::string& type, const std::string& data) {
    return be32(std::uint32_t(data.size())) + type + data + be32(crc32(type + data));
}

// A valid PNG header that claims 60000 x 60000 RGB pixels (a decompression bomb).
std::string bomb_png() {
    std::string ihdr = be32(60000) + be32(60000);
    ihdr += std::string{8, 2, 0, 0, 0};  // 8-bit, RGB, deflate, adaptive, no interlace
    // A real zlib stream of a few zero bytes: the header must be refused before it matters.
    const std::string idat = std::string{0x78, 0x01, 0x01, 0x01, 0x00, char(0xFE), char(0xFF), 0x00, 0x00, 0x01, 0x00, 0x01};
    return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", idat) + png_chunk("IEND", "");
}

void expect_report_checks(const json& checks) {
    ASSERT_TRUE(checks.is_array());
    EXPECT_GE(checks.size(), 20u);
    for (const auto& c : checks) {
        ASSERT_TRUE(c.contains("id"));
        SCOPED_TRACE(c["id"].dump());
        EXPECT_TRUE(c["id"].is_string());
        EXPECT_FALSE(c["id"].get<std::string>().empty());
        ASSERT_TRUE(c.contains("verdict"));
        const std::string v = c["verdict"].get<std::string>();
        EXPECT_TRUE(v == "pass" || v == "warn" || v == "fail" || v == "not_assessable") << v;
        ASSERT_TRUE(c.contains("value"));
        EXPECT_TRUE(c["value"].is_number());
        ASSERT_TRUE(c.contains("threshold"));
        EXPECT_FALSE(c["threshold"].get<std::string>().empty());
        ASSERT_TRUE(c.contains("reason"));
        EXPECT_FALSE(c["reason"].get<std::string>().empty());
        ASSERT_TRUE(c.contains("geometry"));
        EXPECT_TRUE(c["geometry"].is_object());
        EXPECT_TRUE(c["geometry"].contains("space"));
    }
}

const json* find_check(const json& checks, const std::string& id) {
    for (const auto& c : checks)
        if (c.value("id", "") == id) return &c;
    return nullptr;
}

}  // namespace

// [SECTION] Good input

TEST_F(CliTest, StandardizeWritesPhotoAndReport) {
    const fs::path in = astronaut();
    const fs::path out = path("out.jpg"), rep = path("report.json");
    const Proc r = cli("standardize " + quote(in) + " -o " + quote(out) + " --report " + quote(rep));
    ASSERT_EQ(r.exit, pd::cli::kOk) << r.err;
    ASSERT_TRUE(fs::exists(out));
    ASSERT_TRUE(fs::exists(rep));
    EXPECT_GE(fs::file_size(out), 20u * 1024);
    EXPECT_LE(fs::file_size(out), 40u * 1000);
    const cv::Mat img = cv::imread(out.string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(img.empty());
    EXPECT_EQ(img.cols, 480);
    EXPECT_EQ(img.rows, 640);
    EXPECT_EQ(img.type(), CV_8UC3);
    const std::string jpeg = slurp(out);
    const auto info = pd::engine::inspect_jpeg(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->density_units, 1);
    EXPECT_EQ(info->x_density, 300);
    EXPECT_EQ(info->y_density, 300);
    ASSERT_TRUE(info->quality.has_value());
    EXPECT_GE(*info->quality, 60);
    EXPECT_EQ(files_except({"astronaut.png", "out.jpg", "report.json"}), std::vector<std::string>{})
        << "temporary files left behind";

    json j;
    ASSERT_NO_THROW(j = json::parse(slurp(rep)));
    EXPECT_EQ(j.value("spec", ""), "chsi-2017");
    EXPECT_FALSE(j.contains("spec_error"));
    ASSERT_TRUE(j.contains("output"));
    EXPECT_EQ(j["output"]["width"], 480);
    EXPECT_EQ(j["output"]["height"], 640);
    EXPECT_EQ(j["output"]["bytes"].get<std::uint64_t>(), fs::file_size(out));
    ASSERT_TRUE(j.contains("checks"));
    expect_report_checks(j["checks"]);
    EXPECT_EQ(j["summary"]["checks"].get<std::size_t>(), j["checks"].size());
    const json* crown = find_check(j["checks"], "crown_position");
    ASSERT_NE(crown, nullptr);
    EXPECT_GE((*crown)["value"].get<double>(), 50);
    EXPECT_LE((*crown)["value"].get<double>(), 110);
    // The subject's 68 landmarks, in the working image like the faces' boxes.
    ASSERT_TRUE(j.contains("landmarks"));
    EXPECT_EQ(j["landmarks"]["space"], "working");
    ASSERT_EQ(j["landmarks"]["points"].size(), 68u);
    for (const auto& p : j["landmarks"]["points"]) {
        ASSERT_EQ(p.size(), 2u);
        EXPECT_GE(p[0].get<double>(), 0);
        EXPECT_LT(p[0].get<double>(), j["working"]["width"].get<double>());
        EXPECT_GE(p[1].get<double>(), 0);
        EXPECT_LT(p[1].get<double>(), j["working"]["height"].get<double>());
    }
}

TEST_F(CliTest, CheckPrintsJson) {
    const fs::path in = astronaut();
    const Proc r = cli("check " + quote(in) + " --json");
    ASSERT_EQ(r.exit, pd::cli::kOk) << r.err;
    json j;
    ASSERT_NO_THROW(j = json::parse(r.out)) << r.out.substr(0, 200);
    ASSERT_TRUE(j.contains("checks"));
    expect_report_checks(j["checks"]);
    EXPECT_EQ(files_except({"astronaut.png"}), std::vector<std::string>{});
}

TEST_F(CliTest, CheckOnAFinalSizeFileJudgesItAsItIs) {
    const fs::path in = astronaut();
    const fs::path out = path("final.jpg");
    ASSERT_EQ(cli("standardize " + quote(in) + " -o " + quote(out)).exit, pd::cli::kOk);
    const Proc r = cli("check " + quote(out) + " --json");
    ASSERT_EQ(r.exit, pd::cli::kOk) << r.err;
    json j;
    ASSERT_NO_THROW(j = json::parse(r.out));
    EXPECT_EQ(j["source"]["width"], 480);
    EXPECT_EQ(j["source"]["height"], 640);
    expect_report_checks(j["checks"]);
    for (const char* id : {"file_format", "file_dimensions", "file_dpi", "file_size", "jpeg_quality"}) {
        const json* c = find_check(j["checks"], id);
        ASSERT_NE(c, nullptr) << id;
        EXPECT_EQ((*c)["verdict"], "pass") << id << ": " << (*c)["detail"];
    }
}

TEST_F(CliTest, StandardizeWritesAFinalSizeFileThroughUnchanged) {
    const fs::path in = astronaut();
    const fs::path spec = path("spec.jpg"), rep1 = path("spec.json");
    ASSERT_EQ(cli("standardize " + quote(in) + " -o " + quote(spec) + " --report " + quote(rep1)).exit, pd::cli::kOk);
    EXPECT_EQ(json::parse(slurp(rep1))["judged_as_final"], false);

    // Already 480x640: judged as it is, as the server keeps it, and stderr says so.
    const fs::path again = path("again.jpg"), rep2 = path("again.json");
    const Proc r = cli("standardize " + quote(spec) + " -o " + quote(again) + " --report " + quote(rep2));
    ASSERT_EQ(r.exit, pd::cli::kOk) << r.err;
    ASSERT_TRUE(fs::exists(again));
    EXPECT_TRUE(slurp(again) == slurp(spec)) << "a final-size file was re-encoded";
    ASSERT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(spec.string() + ": already 480x640"), std::string::npos) << r.err;
    json j;
    ASSERT_NO_THROW(j = json::parse(slurp(rep2)));
    EXPECT_EQ(j["judged_as_final"], true);
    EXPECT_EQ(j["output"]["bytes"].get<std::uint64_t>(), fs::file_size(spec));
    expect_report_checks(j["checks"]);

    // `check` takes the same path.
    const Proc c = cli("check " + quote(spec) + " --json");
    ASSERT_EQ(c.exit, pd::cli::kOk) << c.err;
    EXPECT_EQ(json::parse(c.out)["judged_as_final"], true);
}

TEST_F(CliTest, CheckDrawsOverlay) {
    const fs::path in = astronaut();
    const fs::path png = path("overlay.png");
    const Proc r = cli("check " + quote(in) + " --overlay " + quote(png));
    ASSERT_EQ(r.exit, pd::cli::kOk) << r.err;
    ASSERT_TRUE(fs::exists(png));
    EXPECT_GT(fs::file_size(png), 0u);
    const std::string head = slurp(png).substr(0, 8);
    EXPECT_EQ(head, std::string("\x89PNG\r\n\x1a\n", 8));
    const cv::Mat img = cv::imread(png.string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(img.empty());
    // The original beside the spec photo, at the spec photo's height.
    EXPECT_EQ(img.rows, 640);
    EXPECT_GT(img.cols, 480);
}

TEST_F(CliTest, CheckNeedsSomethingToProduce) {
    const fs::path in = astronaut();
    const Proc r = cli("check " + quote(in));
    EXPECT_EQ(r.exit, pd::cli::kUsage);
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
}

TEST_F(CliTest, BatchWritesEveryOutputAndListsTheFailure) {
    const fs::path a = astronaut("a.png"), b = astronaut("b.png"), c = path("c.jpg");
    write_bytes(c, "this is not a photo at all, just text pretending to be a JPEG");
    const fs::path outdir = path("out");
    const Proc r = cli("standardize " + quote(a) + " " + quote(b) + " " + quote(c) + " -O " + quote(outdir) + " --jobs 2");
    // docs/cli.md: a batch exits 3 when any photo failed, after writing all the others.
    EXPECT_EQ(r.exit, pd::cli::kSpecUnreachable) << r.err;
    EXPECT_TRUE(fs::exists(outdir / "a.jpg"));
    EXPECT_TRUE(fs::exists(outdir / "b.jpg"));
    EXPECT_FALSE(fs::exists(outdir / "c.jpg"));
    EXPECT_TRUE(fs::exists(outdir / "a.json"));
    EXPECT_NE(r.err.find(c.string()), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(a.string() + ":"), std::string::npos) << "a good input listed as failing:\n" << r.err;
    if (fs::exists(outdir / "a.jpg")) {
        const cv::Mat img = cv::imread((outdir / "a.jpg").string());
        EXPECT_EQ(img.cols, 480);
        EXPECT_EQ(img.rows, 640);
        // Two workers, the same input: the same bytes.
        EXPECT_TRUE(slurp(outdir / "a.jpg") == slurp(outdir / "b.jpg")) << "same input, different output";
    }
}

TEST_F(CliTest, BatchOfGoodInputsSucceeds) {
    const fs::path a = astronaut("a.png"), b = astronaut("b.png");
    const fs::path outdir = path("out");
    const Proc r = cli("standardize " + quote(a) + " " + quote(b) + " -O " + quote(outdir) + " --jobs 2");
    EXPECT_EQ(r.exit, pd::cli::kOk) << r.err;
    EXPECT_TRUE(fs::exists(outdir / "a.jpg"));
    EXPECT_TRUE(fs::exists(outdir / "b.jpg"));
    EXPECT_TRUE(fs::exists(outdir / "a.json"));
    EXPECT_TRUE(fs::exists(outdir / "b.json"));
}

TEST_F(CliTest, BatchOutputDoesNotDependOnWhatTheWorkerDidBefore) {
    // One worker standardizes the same photo four times in a row: the same file every time,
    // and the same file as a run of that photo alone.
    std::string inputs;
    for (const char* n : {"a", "b", "c", "d"}) inputs += " " + quote(astronaut(std::string(n) + ".png"));
    const fs::path outdir = path("out"), alone = path("alone.jpg");
    ASSERT_EQ(cli("standardize" + inputs + " -O " + quote(outdir) + " --jobs 1").exit, pd::cli::kOk);
    ASSERT_EQ(cli("standardize " + quote(path("a.png")) + " -o " + quote(alone)).exit, pd::cli::kOk);
    ASSERT_TRUE(fs::exists(alone));
    for (const char* n : {"a", "b", "c", "d"}) {
        const fs::path out = outdir / (std::string(n) + ".jpg");
        ASSERT_TRUE(fs::exists(out)) << out;
        EXPECT_TRUE(slurp(out) == slurp(alone)) << out.filename() << " (" << fs::file_size(out) << " bytes) differs from the photo "
                                                << "standardized alone (" << fs::file_size(alone)
                                                << " bytes): a worker's output depends on the photos it did before";
    }
}

// [SECTION] Bad input: one line on stderr naming the problem, the right exit code, no output

class CliBadInput : public CliTest {
protected:
    // Standardizes `in` to OUT.jpg and expects failure with `code` and one stderr line
    // containing `needle` (case-insensitive); nothing but `inputs` is left in the folder.
    void expect_refused(const fs::path& in, int code, const std::string& needle, const std::vector<std::string>& inputs,
                        const std::string& extra = "") {
        const fs::path out = path("OUT.jpg"), rep = path("R.json");
        const Proc r = cli("standardize " + quote(in) + " -o " + quote(out) + " --report " + quote(rep) + extra);
        EXPECT_EQ(r.exit, code) << r.err;
        const auto l = lines(r.err);
        EXPECT_EQ(l.size(), 1u) << "stderr:\n" << r.err;
        std::string low = r.err;
        for (auto& ch : low) ch = char(std::tolower(static_cast<unsigned char>(ch)));
        EXPECT_NE(low.find(needle), std::string::npos) << "stderr does not say '" << needle << "':\n" << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
        EXPECT_FALSE(fs::exists(out));
        EXPECT_EQ(files_except(inputs), std::vector<std::string>{}) << "output left behind";

        // `check` refuses the same input the same way.
        const Proc c = cli("check " + quote(in) + " --json" + extra);
        EXPECT_EQ(c.exit, code) << c.err;
        EXPECT_EQ(lines(c.err).size(), 1u) << "stderr:\n" << c.err;
        EXPECT_TRUE(c.out.empty()) << c.out.substr(0, 200);
    }
};

TEST_F(CliBadInput, ZeroByteFile) {
    write_bytes(path("empty.jpg"), "");
    expect_refused(path("empty.jpg"), pd::cli::kBadInput, "empty", {"empty.jpg"});
}

TEST_F(CliBadInput, RandomBytes) {
    std::mt19937 rng(42);
    std::string junk(4096, '\0');
    for (auto& c : junk) c = char(rng() & 0xFF);
    junk[0] = 'x';  // not by chance a magic number
    write_bytes(path("junk.jpg"), junk);
    expect_refused(path("junk.jpg"), pd::cli::kBadInput, "format", {"junk.jpg"});
}

TEST_F(CliBadInput, TruncatedJpeg) {
    const fs::path in = path("truncated.jpg");
    fs::copy_file(pd::test::truncated_jpeg_path(), in);
    expect_refused(in, pd::cli::kBadInput, "truncated", {"truncated.jpg"});
}

TEST_F(CliBadInput, DecompressionBombPng) {
    const std::string png = bomb_png();
    // The IHDR is well formed (checked here so the test is about the size, not the CRC).
    ASSERT_EQ(png.substr(12, 4), "IHDR");
    ASSERT_EQ(png.substr(29, 4), be32(crc32(png.substr(12, 17))));
    write_bytes(path("bomb.png"), png);
    expect_refused(path("bomb.png"), pd::cli::kBadInput, "60000x60000", {"bomb.png"});
}

TEST_F(CliBadInput, MissingFile) {
    expect_refused(path("nope.jpg"), pd::cli::kBadInput, "no such file", {});
}

TEST_F(CliBadInput, Directory) {
    fs::create_directory(path("adir"));
    expect_refused(path("adir"), pd::cli::kBadInput, "directory", {"adir"});
}

TEST_F(CliBadInput, UnknownSpecListsProfiles) {
    const fs::path in = astronaut();
    const fs::path out = path("OUT.jpg");
    const Proc r = cli("standardize " + quote(in) + " -o " + quote(out) + " --spec no-such-spec");
    // docs/cli.md: an unknown --spec name is exit 1, the message listing the profiles.
    EXPECT_EQ(r.exit, pd::cli::kBadInput) << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("no-such-spec"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("chsi-2017"), std::string::npos) << "available profiles not listed:\n" << r.err;
    EXPECT_NE(r.err.find("white-2017"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));

    const Proc c = cli("check " + quote(in) + " --json --spec no-such-spec");
    EXPECT_EQ(c.exit, r.exit);
    EXPECT_NE(c.err.find("chsi-2017"), std::string::npos) << c.err;
    EXPECT_TRUE(c.out.empty());
}

TEST_F(CliBadInput, OutputFileWithTwoInputsIsAUsageError) {
    const fs::path a = astronaut("a.png"), b = astronaut("b.png");
    const fs::path out = path("OUT.jpg");
    const Proc r = cli("standardize " + quote(a) + " " + quote(b) + " -o " + quote(out));
    EXPECT_EQ(r.exit, pd::cli::kUsage);
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("-O"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_EQ(files_except({"a.png", "b.png"}), std::vector<std::string>{});
}

TEST_F(CliBadInput, NoFaceIsSpecUnreachable) {
    // A decodable photo of nothing: exit 3 with the reason, no output file.
    cv::Mat grey(800, 600, CV_8UC3, cv::Scalar(180, 180, 180));
    ASSERT_TRUE(cv::imwrite(path("wall.png").string(), grey));
    const fs::path out = path("OUT.jpg");
    const Proc r = cli("standardize " + quote(path("wall.png")) + " -o " + quote(out));
    EXPECT_EQ(r.exit, pd::cli::kSpecUnreachable) << r.err;
    EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("face"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliBadInput, UnknownOptionIsAUsageError) {
    const fs::path in = astronaut();
    const Proc r = cli("standardize " + quote(in) + " -o " + quote(path("OUT.jpg")) + " --frobnicate");
    EXPECT_EQ(r.exit, pd::cli::kUsage);
    EXPECT_FALSE(fs::exists(path("OUT.jpg")));
}
