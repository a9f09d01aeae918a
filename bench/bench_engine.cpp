// Benchmarks of the photo engine on ONE core (cv::setNumThreads(1); dlib's HOG detector and
// shape predictor are single-threaded). Inputs are synthesised at start-up, nothing binary is
// committed:
//   * a 12-megapixel phone-sized JPEG (3024x4032, quality 92, 4:2:0 baseline) made from a real
//     portrait against a plain wall (../shared/data/portraits/man-suit-plain-bg.jpg, upscaled
//     with INTER_CUBIC plus Gaussian sensor-like noise, sigma 2), or from skimage's astronaut
//     when that folder is absent;
//   * a 480x640 spec photo: the engine's own standardize() output for that input.
// The engine is built with pd::setup::make_engine() from config/, exactly as the CLI builds it.
//
// Extra flags (stripped before Google Benchmark sees the command line):
//   --pd_reps=N       repetitions per benchmark (default 5; the median is the figure to quote)
//   --pd_breakdown    also register one benchmark per automated check (BM_Check480/<id>, ...),
//                     face detection at other sizes
// Informational lines (inputs, model load, peak RSS) go to stderr so that
// --benchmark_format=json on stdout stays valid JSON; they are also in the JSON "context".
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/ximgproc/edge_filter.hpp>

#include "engine/checks/check_registry.h"
#include "engine/decode/decode.h"
#include "engine/face/face_landmarks.h"
#include "engine/jpeg/jpeg_codec.h"
#include "engine/matte/person_matte.h"
#include "engine/photo_engine.h"
#include "engine/render/render.h"
#include "common/process_memory.h"
#include "setup/engine_setup.h"
#include "wire/engine_json.h"

#ifndef PD_ASTRONAUT
#define PD_ASTRONAUT "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
#endif
#ifndef PD_PORTRAITS_DIR
#define PD_PORTRAITS_DIR "../shared/data/portraits"
#endif

namespace {

using namespace pd::engine;
using Clock = std::chrono::steady_clock;

// [SECTION] Memory

double peak_rss_mb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;  // Linux: kilobytes
}

double current_rss_mb() {
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    f >> size >> resident;
    return resident * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double g_process_peak_mb = 0;  // max of ru_maxrss over the whole run, across HWM resets
double g_e2e_peak_mb = 0;      // max of ru_maxrss while standardize() ran
double g_e2e_base_mb = 0;      // resident set just before (model + inputs + prepared data)

// Resets the kernel's peak-RSS mark (VmHWM, which ru_maxrss reports) to the current RSS, so a
// benchmark can report the peak of its own work. Returns false where /proc forbids it.
bool reset_peak_rss() {
    g_process_peak_mb = std::max(g_process_peak_mb, peak_rss_mb());
    malloc_trim(0);  // hand freed heap back so "current" is what is really live
    std::ofstream f("/proc/self/clear_refs");
    if (!f) return false;
    f << "5";
    f.flush();
    return bool(f);
}

// [SECTION] Inputs, made once at start-up

struct Inputs {
    std::shared_ptr<const PhotoEngine> engine;
    std::shared_ptr<const FaceModel> faces;
    double setup_ms = 0;          // make_engine: config + landmark model + detector (first load)
    double rss_after_setup_mb = 0;
    double clean_base_mb = 0;     // RSS with the engine and the 12 MP bytes only
    double clean_peak_mb = 0;     // ru_maxrss over 3 standardize() calls from there (0: unknown)

    std::string source;           // which photo the 12 MP input was made from
    double noise_sigma = 2;
    std::vector<std::uint8_t> jpeg12;
    cv::Size size12;

    // Prepared intermediate results of the 12 MP input (what standardize() computes).
    DecodedImage decoded;         // DCT-scaled decode
    cv::Mat analysis_img;         // what FaceModel::detect sees in analyze()
    double working_scale = 1;     // analysis -> working
    SourceAnalysis a12;
    CropPlan plan12;
    CropPlan recrop[2];           // a reviewer's nudges of plan12
    RenderedPhoto photo12;

    // The 480x640 spec photo and what process() makes of it (judged as final).
    std::vector<std::uint8_t> jpeg480;
    StandardizeOutcome final480;
    DecodedImage decoded480;
};

Inputs* g = nullptr;

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "bench_engine: %s\n", msg.c_str());
    std::exit(2);
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

// A phone-sized frame from a small real photo: 3:4 portrait, INTER_CUBIC to 3024x4032, then
// Gaussian noise (sigma 2 per channel, fixed seed) so the JPEG has a phone's entropy instead of
// the smooth gradients an upscale alone gives. Processed in strips to keep the footprint small.
cv::Mat make_phone_frame(const cv::Mat& src_bgr, double sigma) {
    cv::Mat src = src_bgr;
    const double want = 3.0 / 4.0;  // width / height
    const double have = double(src.cols) / src.rows;
    if (have > want + 1e-3) {       // too wide (the square astronaut): keep the centre columns
        const int w = int(src.rows * want + 0.5);
        src = src.colRange((src.cols - w) / 2, (src.cols - w) / 2 + w);
    } else if (have < want - 1e-3) {  // too tall: keep the top (the head)
        const int h = int(src.cols / want + 0.5);
        src = src.rowRange(0, h);
    }
    cv::Mat big;
    cv::resize(src, big, cv::Size(3024, 4032), 0, 0, cv::INTER_CUBIC);
    cv::RNG rng(0x5eed);
    cv::Mat strip16, noise(64, big.cols, CV_16SC3);
    for (int y0 = 0; y0 < big.rows; y0 += 64) {
        const int y1 = std::min(big.rows, y0 + 64);
        cv::Mat strip = big.rowRange(y0, y1);
        strip.convertTo(strip16, CV_16SC3);
        cv::Mat n = noise.rowRange(0, y1 - y0);
        rng.fill(n, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(sigma));
        strip16 += n;
        strip16.convertTo(strip, CV_8UC3);  // saturating
    }
    return big;
}

void make_inputs(Inputs& in) {
    cv::setNumThreads(1);

    // Engine (and with it the shared face model), timed once: the cold cost of a process.
    const auto t0 = Clock::now();
    auto eng = pd::setup::make_engine({});
    if (!eng) die("make_engine failed: " + eng.error().message);
    in.setup_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    in.engine = eng.value();
    auto faces = FaceModel::shared();
    if (!faces) die("FaceModel::shared failed: " + faces.error().message);
    in.faces = faces.value();
    in.rss_after_setup_mb = current_rss_mb();

    // The 12 MP JPEG.
    const std::string portraits = env_or("PD_BENCH_PORTRAITS", PD_PORTRAITS_DIR);
    const std::string portrait = portraits + "/man-suit-plain-bg.jpg";
    cv::Mat src;
    if (std::filesystem::is_directory(portraits) && std::filesystem::exists(portrait)) {
        src = cv::imread(portrait, cv::IMREAD_COLOR);
        in.source = portrait;
    }
    if (src.empty()) {
        src = cv::imread(PD_ASTRONAUT, cv::IMREAD_COLOR);
        in.source = std::string(PD_ASTRONAUT) + " (fallback: " + portraits + " absent)";
    }
    if (src.empty()) die("no source photo: neither " + portrait + " nor " PD_ASTRONAUT " is readable");
    {
        // PD_BENCH_NOISE overrides the noise sigma (e.g. 6 gives a ~4 MB file like some phones).
        in.noise_sigma = std::atof(env_or("PD_BENCH_NOISE", "2").c_str());
        cv::Mat frame = make_phone_frame(src, in.noise_sigma);
        in.size12 = frame.size();
        auto j = encode_jpeg(frame, 92, 72);  // baseline, 4:2:0, like a phone
        if (!j) die("encode_jpeg failed: " + j.error().message);
        in.jpeg12 = std::move(j.value());
    }
    malloc_trim(0);

    // Peak memory of a clean process: the engine (landmark model loaded) and the input bytes,
    // nothing the benchmarks keep. Measured before anything else is prepared.
    if (reset_peak_rss()) {
        in.clean_base_mb = current_rss_mb();
        for (int i = 0; i < 3; ++i) {
            auto r = in.engine->process(in.jpeg12);
            if (!r) die("standardize failed: " + r.error().message);
        }
        in.clean_peak_mb = peak_rss_mb();
    }

    const auto& st = in.engine->config().settings;
    const auto& spec = in.engine->config().spec;

    // The analysis image exactly as analyze() makes it.
    DecodeOptions opt;
    opt.max_pixels = st.max_pixels;
    opt.min_long_side = st.analysis_long_side;
    auto dec = decode_image(in.jpeg12, opt);
    if (!dec) die("decode_image failed: " + dec.error().message);
    in.decoded = std::move(dec.value());
    in.analysis_img = in.decoded.bgr;
    const int long_side = std::max(in.analysis_img.cols, in.analysis_img.rows);
    // Mirrors analyze(): only sources over twice analysis_long_side are resized (a DCT-scaled
    // JPEG never is).
    if (st.analysis_long_side > 0 && long_side > st.analysis_long_side * 2) {
        const double s = double(st.analysis_long_side) / long_side;
        cv::resize(in.decoded.bgr, in.analysis_img, cv::Size(), s, s, cv::INTER_AREA);
    }

    auto a = in.engine->analyze(in.jpeg12);
    if (!a) die("analyze failed: " + a.error().message);
    in.a12 = std::move(a.value());
    if (!in.a12.has_face()) die("no face found in the 12 MP input (" + in.source + ")");
    in.working_scale = double(in.a12.working.cols) / in.analysis_img.cols;
    auto plan = in.engine->plan(in.a12);
    if (!plan) die("plan failed: " + plan.error().message);
    in.plan12 = plan.value();
    const auto& p = in.plan12;
    in.recrop[0] = crop_from_window(in.a12.head, p.x + 4, p.y - 3, p.scale * 1.03, spec);
    in.recrop[1] = crop_from_window(in.a12.head, p.x - 4, p.y + 3, p.scale * 0.97, spec);
    auto photo = in.engine->render(in.a12, in.plan12);
    if (!photo) die("render failed: " + photo.error().message);
    in.photo12 = std::move(photo.value());

    // The 480x640 spec photo: the engine's own output for this input.
    auto out = in.engine->process(in.jpeg12);
    if (!out || !out.value().photo || out.value().judged_as_final) die("standardize produced no photo for the 12 MP input");
    in.jpeg480 = out.value().photo->jpeg.bytes;
    auto fin = in.engine->process(in.jpeg480);
    if (!fin || !fin.value().photo || !fin.value().judged_as_final) die("process did not judge the 480x640 photo as final");
    in.final480 = std::move(fin.value());
    auto d480 = decode_image(in.jpeg480, {});
    if (!d480) die("decode of the 480x640 photo failed");
    in.decoded480 = std::move(d480.value());
    malloc_trim(0);
}

// [SECTION] Benchmarks

void one_core() { cv::setNumThreads(1); }

void BM_ModelLoad(benchmark::State& state) {
    one_core();
    // A second, private load (the shared one is in use): the disk file is in the page cache
    // now, so this is the warm cost; the cold first load is in the context ("engine_setup_ms").
    for (auto _ : state) {
        FaceModelPaths paths;
        paths.detector_cache = default_detector_cache();
        auto m = FaceModel::load(paths);
        if (!m) { state.SkipWithError(m.error().message.c_str()); break; }
        benchmark::DoNotOptimize(m.value().get());
    }
    state.counters["engine_setup_first_ms"] = g->setup_ms;
}

void BM_Decode12MP(benchmark::State& state) {
    one_core();
    DecodeOptions opt;
    opt.max_pixels = g->engine->config().settings.max_pixels;
    opt.min_long_side = g->engine->config().settings.analysis_long_side;
    cv::Size got;
    for (auto _ : state) {
        auto d = decode_image(g->jpeg12, opt);
        if (!d) { state.SkipWithError(d.error().message.c_str()); break; }
        got = d.value().bgr.size();
        benchmark::DoNotOptimize(d.value().bgr.data);
    }
    state.counters["out_w"] = got.width;
    state.counters["out_h"] = got.height;
}

void BM_Decode12MPFull(benchmark::State& state) {
    one_core();
    DecodeOptions opt;
    opt.max_pixels = g->engine->config().settings.max_pixels;
    for (auto _ : state) {
        auto d = decode_image(g->jpeg12, opt);
        if (!d) { state.SkipWithError(d.error().message.c_str()); break; }
        benchmark::DoNotOptimize(d.value().bgr.data);
    }
}

void BM_FaceDetect(benchmark::State& state) {
    one_core();
    const auto& st = g->engine->config().settings;
    std::size_t n = 0;
    for (auto _ : state) {
        auto faces = g->faces->detect(g->analysis_img, st.detect_long_side, st.min_face_px);
        n = faces.size();
        benchmark::DoNotOptimize(faces.data());
    }
    state.counters["faces"] = double(n);
    state.counters["in_w"] = g->analysis_img.cols;
    state.counters["in_h"] = g->analysis_img.rows;
}

void BM_Stage_Landmarks(benchmark::State& state) {
    one_core();
    const float inv = float(g->analysis_img.cols) / float(g->a12.working.cols);
    const cv::Rect2f b = g->a12.subject().box;
    const cv::Rect2f box(b.x * inv, b.y * inv, b.width * inv, b.height * inv);
    for (auto _ : state) {
        Face f = g->faces->fit(g->analysis_img, box);
        benchmark::DoNotOptimize(f.points.data());
    }
}

// Detection at other detect_long_side values (--pd_breakdown): on the 12 MP analysis image
// (arg 1) or on the 480x640 photo (arg 0).
void BM_FaceDetectAt(benchmark::State& state) {
    one_core();
    const int long_side = int(state.range(0));
    const cv::Mat& img = state.range(1) ? g->analysis_img : g->decoded480.bgr;
    std::size_t n = 0;
    for (auto _ : state) {
        auto faces = g->faces->detect(img, long_side, 1);
        n = faces.size();
        benchmark::DoNotOptimize(faces.data());
    }
    state.counters["faces"] = double(n);
}

void BM_Matte(benchmark::State& state) {
    one_core();
    MatteParams mp;
    mp.work_long_side = g->engine->config().settings.matte_long_side;
    bool grabcut = false;
    for (auto _ : state) {
        PersonMatte m = compute_person_matte(g->a12.working, g->a12.subject(), mp);
        grabcut = m.used_grabcut;
        benchmark::DoNotOptimize(m.alpha.data);
    }
    state.counters["grabcut"] = grabcut ? 1 : 0;
    state.counters["in_w"] = g->a12.working.cols;
    state.counters["in_h"] = g->a12.working.rows;
}

void BM_Stage_Crown(benchmark::State& state) {
    one_core();
    for (auto _ : state) benchmark::DoNotOptimize(find_crown_row(g->a12.matte.alpha, g->a12.subject()));
}

void BM_Analyze12MP(benchmark::State& state) {
    one_core();
    for (auto _ : state) {
        auto a = g->engine->analyze(g->jpeg12);
        if (!a) { state.SkipWithError(a.error().message.c_str()); break; }
        benchmark::DoNotOptimize(a.value().working.data);
    }
}

void BM_Plan(benchmark::State& state) {
    one_core();
    for (auto _ : state) {
        auto p = g->engine->plan(g->a12);
        benchmark::DoNotOptimize(p);
    }
}

// A reviewer's re-crop: render() for a slightly moved / scaled window, the matte kept, with
// the previous render's JPEG quality as the search hint (as the workstation passes it).
void BM_Render(benchmark::State& state) {
    one_core();
    int i = 0, q = 0;
    for (auto _ : state) {
        auto r = g->engine->render(g->a12, g->recrop[i++ & 1], q);
        if (!r) { state.SkipWithError(r.error().message.c_str()); break; }
        q = r.value().jpeg.quality;
        benchmark::DoNotOptimize(r.value().jpeg.bytes.data());
    }
    state.counters["jpeg_quality"] = q;
}

// The encoder inside render(): quality search into the size window, and one encode alone.
void BM_Stage_EncodeWindow480(benchmark::State& state) {
    one_core();
    const auto& spec = g->engine->config().spec;
    JpegEncodeOptions opt;
    opt.dpi = spec.dpi;
    opt.min_quality = spec.min_quality;
    opt.min_bytes = std::size_t(spec.file_kb.min * 1024);
    opt.max_bytes = std::size_t(spec.file_kb.max * 1000);
    for (auto _ : state) {
        auto e = encode_jpeg_in_window(g->photo12.bgr, opt);
        benchmark::DoNotOptimize(e);
    }
}

void BM_Stage_EncodeOnce480(benchmark::State& state) {
    one_core();
    const int q = std::max(1, g->photo12.jpeg.quality);
    for (auto _ : state) {
        auto e = encode_jpeg(g->photo12.bgr, q, g->engine->config().spec.dpi);
        benchmark::DoNotOptimize(e);
    }
}

// The check() step inside standardize(): every check on the rendered 12 MP result.
void BM_Checks12MP(benchmark::State& state) {
    one_core();
    for (auto _ : state) {
        auto c = g->engine->check(g->a12, &g->photo12);
        benchmark::DoNotOptimize(c.data());
    }
}

// "All checks on a 480x640 photo": process() on the file bytes, judged as final (decode + face +
// landmarks + matte of the small photo, then every check).
void BM_Checks480(benchmark::State& state) {
    one_core();
    std::size_t n = 0;
    for (auto _ : state) {
        auto r = g->engine->process(g->jpeg480);
        if (!r) { state.SkipWithError(r.error().message.c_str()); break; }
        n = r.value().checks.size();
        benchmark::DoNotOptimize(r.value().checks.data());
    }
    state.counters["checks"] = double(n);
}

// Only PhotoEngine::check() on the prepared analysis and photo of the 480x640 file.
void BM_ChecksOnly480(benchmark::State& state) {
    one_core();
    const auto& f = g->final480;
    for (auto _ : state) {
        auto c = g->engine->check(f.analysis, &*f.photo);
        benchmark::DoNotOptimize(c.data());
    }
}

// The analysis half of process() on a final-size file, stage by stage.
void BM_Stage_Decode480(benchmark::State& state) {
    one_core();
    DecodeOptions opt;
    opt.max_pixels = g->engine->config().settings.max_pixels;
    for (auto _ : state) {
        auto d = decode_image(g->jpeg480, opt);
        benchmark::DoNotOptimize(d);
    }
}

// HOG as process() runs it on a 480x640 file: at final_detect_long_side (this stage used to
// run at detect_long_side, 512, which a final-size file never uses: ~25 ms against ~10 ms).
void BM_Stage_FaceDetect480(benchmark::State& state) {
    one_core();
    const auto& st = g->engine->config().settings;
    for (auto _ : state) {
        auto faces = g->faces->detect(g->decoded480.bgr, st.final_detect_long_side, st.min_face_px);
        benchmark::DoNotOptimize(faces.data());
    }
}

void BM_Stage_Matte480(benchmark::State& state) {
    one_core();
    MatteParams mp;
    mp.work_long_side = g->engine->config().settings.matte_long_side;
    const auto& a = g->final480.analysis;
    bool grabcut = false;
    for (auto _ : state) {
        PersonMatte m = compute_person_matte(a.working, a.subject(), mp);
        grabcut = m.used_grabcut;
        benchmark::DoNotOptimize(m.alpha.data);
    }
    state.counters["grabcut"] = grabcut ? 1 : 0;
}

// What the server adds to process() at ingest: the JSON report, with every check's pixel map
// as a PNG (wire::check_map_png); and that step's maps alone.
void BM_ReportJson12MP(benchmark::State& state) {
    static const auto outcome = g->engine->process(g->jpeg12);
    if (!outcome) { state.SkipWithError(outcome.error().message.c_str()); return; }
    one_core();
    const auto& cfg = g->engine->config();
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string s = pd::wire::report_json(*outcome, cfg.spec, cfg.settings.version).dump();
        bytes = s.size();
        benchmark::DoNotOptimize(s.data());
    }
    state.counters["report_KB"] = double(bytes) / 1024;
}

void BM_Stage_MapPngs12MP(benchmark::State& state) {
    static const auto outcome = g->engine->process(g->jpeg12);
    if (!outcome) { state.SkipWithError(outcome.error().message.c_str()); return; }
    one_core();
    std::size_t bytes = 0, maps = 0;
    for (auto _ : state) {
        bytes = maps = 0;
        for (const auto& c : outcome->checks)
            if (!c.geometry.map.empty()) {
                bytes += pd::wire::check_map_png(c.geometry.map).size();
                ++maps;
            }
        benchmark::DoNotOptimize(bytes);
    }
    state.counters["maps"] = double(maps);
    state.counters["base64_KB"] = double(bytes) / 1024;
}

// End to end: bytes of a 12 MP phone photo -> spec photo + every check.
void BM_Standardize12MP(benchmark::State& state) {
    one_core();
    const bool reset = reset_peak_rss();
    const double base = current_rss_mb();
    for (auto _ : state) {
        auto r = g->engine->process(g->jpeg12);
        if (!r || !r.value().photo) { state.SkipWithError("standardize produced no photo"); break; }
        benchmark::DoNotOptimize(r.value().photo->jpeg.bytes.data());
    }
    const double peak = peak_rss_mb();
    g_e2e_peak_mb = std::max(g_e2e_peak_mb, peak);
    g_e2e_base_mb = std::max(g_e2e_base_mb, base);
    state.counters["peak_rss_MB"] = peak;
    state.counters["rss_before_MB"] = base;
    state.counters["hwm_reset"] = reset ? 1 : 0;
    state.counters["clean_peak_rss_MB"] = g->clean_peak_mb;
}


// [SECTION] Peak memory per step (--pd_breakdown)

// Peak memory above the resident set, per step (printed to stderr).
template <class Fn>
double peak_above(Fn&& fn) {
    if (!reset_peak_rss()) return -1;
    const double base = current_rss_mb();
    fn();
    return peak_rss_mb() - base;
}

void print_memory_breakdown() {
    const auto& e = *g->engine;
    MatteParams mp;
    mp.work_long_side = e.config().settings.matte_long_side;
    const auto& st = e.config().settings;
    struct Step { const char* name; double mb; };
    const Step steps[] = {
        {"decode (DCT-scaled)", peak_above([&] { DecodeOptions o; o.min_long_side = st.analysis_long_side;
                                                 auto d = decode_image(g->jpeg12, o); })},
        {"face detect", peak_above([&] { auto f = g->faces->detect(g->analysis_img, st.detect_long_side, st.min_face_px); })},
        {"matte", peak_above([&] { auto m = compute_person_matte(g->a12.working, g->a12.subject(), mp); })},
        {"analyze (all of the above)", peak_above([&] { auto a = e.analyze(g->jpeg12); })},
        {"render", peak_above([&] { auto r = e.render(g->a12, g->recrop[0]); })},
        {"check (12MP result)", peak_above([&] { auto c = e.check(g->a12, &g->photo12); })},
        {"process, final (480x640)", peak_above([&] { auto c = e.process(g->jpeg480); })},
        {"process, standardize", peak_above([&] { auto r = e.process(g->jpeg12); })},
    };
    std::fprintf(stderr, "peak memory above the resident set, per step (MB):\n");
    for (const auto& s : steps) std::fprintf(stderr, "  %-28s %7.1f\n", s.name, s.mb);

    // check() on the 12 MP result with one check enabled; the shared context alone first.
    const auto& cfg = e.config();
    CheckInput in{g->a12, &g->photo12, cfg.spec, cfg.hints};
    auto only = [&](const std::string& id) {
        pd::domain::CheckSettings s = cfg.checks;
        for (auto& [k, c] : s) c.enabled = c.enabled && k == id;
        return configure_checks(s).value();
    };
    const auto none = only("");
    const double ctx = peak_above([&] { auto c = run_checks(in, none); });
    std::fprintf(stderr, "  check context (12MP)         %7.1f\n", ctx);
    for (const auto& def : check_catalogue()) {
        const auto set = only(def.id);
        const double mb = peak_above([&] { auto c = run_checks(in, set); });
        if (mb > ctx + 2) std::fprintf(stderr, "  check %-22s %7.1f\n", def.id, mb);
    }
}


// [SECTION] Per-check breakdown (--pd_breakdown): run_checks with one check enabled, minus the
// same with none enabled (the shared context), so only public engine API is used.

void per_check(benchmark::State& state, const SourceAnalysis* a, const RenderedPhoto* photo,
               std::string id) {
    one_core();
    const auto& cfg = g->engine->config();
    pd::domain::CheckSettings only = cfg.checks;
    for (auto& [k, c] : only) c.enabled = c.enabled && k == id;
    const auto checks = configure_checks(only).value();
    CheckInput in{*a, photo, cfg.spec, cfg.hints};
    for (auto _ : state) {
        auto c = run_checks(in, checks);
        benchmark::DoNotOptimize(c.data());
    }
}

void register_breakdown() {
    const auto& cfg = g->engine->config();
    for (int src : {1, 0}) {
        for (int side : {320, 400, 480, 640}) {
            benchmark::RegisterBenchmark("BM_FaceDetectAt", BM_FaceDetectAt)
                ->Args({side, src})
                ->ArgNames({"long_side", "from12mp"})
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime()
                ->Repetitions(3)
                ->ReportAggregatesOnly(true);
        }
    }
    struct Target { const char* name; const SourceAnalysis* a; const RenderedPhoto* p; };
    const Target targets[] = {{"BM_Check480", &g->final480.analysis, &*g->final480.photo},
                              {"BM_Check12MP", &g->a12, &g->photo12}};
    for (const auto& t : targets) {
        std::vector<std::string> ids = {"(context only)"};
        for (const auto& def : check_catalogue()) {
            auto it = cfg.checks.find(def.id);
            if (it != cfg.checks.end() && it->second.enabled) ids.push_back(def.id);
        }
        for (const auto& id : ids) {
            benchmark::RegisterBenchmark((std::string(t.name) + "/" + id).c_str(), per_check, t.a, t.p, id)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime()
                ->MinTime(0.2)
                ->Repetitions(3)
                ->ReportAggregatesOnly(true);
        }
    }
}

// [SECTION] Registration

void register_all(int reps) {
    auto reg = [reps](const char* name, void (*fn)(benchmark::State&)) {
        return benchmark::RegisterBenchmark(name, fn)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->Repetitions(reps)
            ->ReportAggregatesOnly(true);
    };
    benchmark::RegisterBenchmark("BM_ModelLoad", BM_ModelLoad)
        ->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
    // The pipeline in the order standardize() runs it.
    reg("BM_Decode12MP", BM_Decode12MP);
    reg("BM_Decode12MPFull", BM_Decode12MPFull);
    reg("BM_FaceDetect", BM_FaceDetect);
    reg("BM_Stage_Landmarks", BM_Stage_Landmarks);
    reg("BM_Matte", BM_Matte);
    reg("BM_Stage_Crown", BM_Stage_Crown);
    reg("BM_Analyze12MP", BM_Analyze12MP);
    reg("BM_Plan", BM_Plan)->MinTime(0.1);
    reg("BM_Render", BM_Render);
    reg("BM_Stage_EncodeWindow480", BM_Stage_EncodeWindow480);
    reg("BM_Stage_EncodeOnce480", BM_Stage_EncodeOnce480);
    reg("BM_Checks12MP", BM_Checks12MP);
    reg("BM_Checks480", BM_Checks480);
    reg("BM_ChecksOnly480", BM_ChecksOnly480);
    reg("BM_Stage_Decode480", BM_Stage_Decode480);
    reg("BM_Stage_FaceDetect480", BM_Stage_FaceDetect480);
    reg("BM_Stage_Matte480", BM_Stage_Matte480);
    reg("BM_Standardize12MP", BM_Standardize12MP)->MinTime(1.0);
    reg("BM_ReportJson12MP", BM_ReportJson12MP);
    reg("BM_Stage_MapPngs12MP", BM_Stage_MapPngs12MP);
}

std::string fmt(double v, int decimals = 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    pd::keep_freed_memory();  // as photodeskd and photodesk-cli run the engine
    // Our own flags first.
    int reps = 5;
    bool breakdown = false;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (i > 0 && std::strncmp(argv[i], "--pd_reps=", 10) == 0) {
            reps = std::max(1, std::atoi(argv[i] + 10));
        } else if (i > 0 && std::strcmp(argv[i], "--pd_breakdown") == 0) {
            breakdown = true;
        } else {
            args.push_back(argv[i]);
        }
    }
    int n = int(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;

    Inputs inputs;
    g = &inputs;
    make_inputs(inputs);

    const std::string size = std::to_string(inputs.size12.width) + "x" + std::to_string(inputs.size12.height);
    std::fprintf(stderr, "input 12MP: %s JPEG q92 4:2:0, noise sigma %s, %s KB, made from %s\n", size.c_str(),
                 fmt(inputs.noise_sigma).c_str(), fmt(inputs.jpeg12.size() / 1024.0).c_str(), inputs.source.c_str());
    std::fprintf(stderr, "input 480x640: standardize() output, %s KB, quality %d\n",
                 fmt(inputs.jpeg480.size() / 1024.0).c_str(), inputs.photo12.jpeg.quality);
    std::fprintf(stderr, "analysis: decoded %dx%d (DCT scale %.3f), detect input %dx%d, working %dx%d, "
                 "matte %s\n",
                 inputs.decoded.bgr.cols, inputs.decoded.bgr.rows, inputs.decoded.scale,
                 inputs.analysis_img.cols, inputs.analysis_img.rows, inputs.a12.working.cols,
                 inputs.a12.working.rows, inputs.a12.matte.used_grabcut ? "GrabCut" : "colour model");
    std::fprintf(stderr, "engine setup (config + landmark model + detector, first load): %s ms; "
                 "RSS after setup %s MB\n",
                 fmt(inputs.setup_ms, 0).c_str(), fmt(inputs.rss_after_setup_mb).c_str());
    benchmark::AddCustomContext("pd_input_12mp", size + " q92 4:2:0, noise sigma " + fmt(inputs.noise_sigma) + ", " +
                                std::to_string(inputs.jpeg12.size()) + " bytes, from " + inputs.source);
    benchmark::AddCustomContext("pd_input_480", std::to_string(inputs.jpeg480.size()) + " bytes");
    benchmark::AddCustomContext("pd_engine_setup_ms", fmt(inputs.setup_ms, 0));
    benchmark::AddCustomContext("pd_rss_after_setup_mb", fmt(inputs.rss_after_setup_mb));
    benchmark::AddCustomContext("pd_threads", "cv::setNumThreads(1)");
    benchmark::AddCustomContext("pd_malloc", "keep_freed_memory (mmap threshold 64 MB, trim threshold 128 MB)");
    benchmark::AddCustomContext("pd_clean_peak_rss_mb", fmt(inputs.clean_peak_mb));

    register_all(reps);
    if (breakdown) {
        print_memory_breakdown();
        register_breakdown();
    }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    g_process_peak_mb = std::max(g_process_peak_mb, peak_rss_mb());
    if (inputs.clean_peak_mb > 0) {
        std::fprintf(stderr, "peak RSS, clean process (engine + model + 12MP bytes, 3x standardize): %s MB "
                     "(%s MB before)\n", fmt(inputs.clean_peak_mb).c_str(), fmt(inputs.clean_base_mb).c_str());
    }
    if (g_e2e_peak_mb > 0) {
        std::fprintf(stderr, "peak RSS during BM_Standardize12MP (plus the benchmarks' prepared data): %s MB "
                     "(%s MB before)\n", fmt(g_e2e_peak_mb).c_str(), fmt(g_e2e_base_mb).c_str());
    }
    std::fprintf(stderr, "peak RSS, whole run (ru_maxrss; includes input synthesis, a second model in "
                 "BM_ModelLoad and full-res decodes): %s MB\n", fmt(g_process_peak_mb).c_str());
    return 0;
}
