// [SECTION] File checks: the encoded file against the profile's [file] numbers.
#include <string>

#include "engine/checks/checks_impl.h"
#include "engine/jpeg/jpeg_codec.h"

namespace pd::engine::checks {

namespace {
const char* kNoPhoto = "no spec photo was produced";

std::optional<JpegInfo> info_of(const CheckContext& c) {
    if (!c.in.photo) return std::nullopt;
    return inspect_jpeg(c.in.photo->jpeg.bytes);
}
}  // namespace

static void file_format(const CheckContext& c, CheckResult& r) {
    r.unit = "bit";
    r.threshold = "baseline JPEG, 3 x 8-bit";
    if (!c.in.photo) return not_assessable(r, kNoPhoto);
    const auto info = info_of(c);
    if (!info) {
        r.verdict = Verdict::Fail;
        r.detail = "the file is not a readable JPEG";
        return;
    }
    r.value = info->components * 8;
    const bool ok = info->baseline && !info->progressive && info->components == 3;
    r.verdict = ok ? Verdict::Pass : Verdict::Fail;
    r.detail = std::string(info->progressive ? "progressive" : info->baseline ? "baseline" : "extended") +
               " JPEG, " + std::to_string(info->components) + " components";
}

static void file_dimensions(const CheckContext& c, CheckResult& r) {
    r.unit = "px";
    r.threshold = std::to_string(c.in.spec.width) + "x" + std::to_string(c.in.spec.height);
    if (!c.in.photo) return not_assessable(r, kNoPhoto);
    const int w = c.in.photo->bgr.cols, h = c.in.photo->bgr.rows;
    r.value = w;
    r.verdict = (w == c.in.spec.width && h == c.in.spec.height) ? Verdict::Pass : Verdict::Fail;
    r.detail = std::to_string(w) + "x" + std::to_string(h);
}

static void file_dpi(const CheckContext& c, CheckResult& r) {
    r.unit = "dpi";
    r.threshold = std::to_string(c.in.spec.dpi);
    if (!c.in.photo) return not_assessable(r, kNoPhoto);
    const auto info = info_of(c);
    if (!info) return not_assessable(r, "the file is not a readable JPEG");
    double dpi = info->x_density;
    if (info->density_units == 2) dpi = info->x_density * 2.54;
    r.value = info->density_units == 0 ? 0 : dpi;
    const bool ok = info->density_units != 0 && std::abs(dpi - c.in.spec.dpi) < 1 && info->x_density == info->y_density;
    r.verdict = ok ? Verdict::Pass : Verdict::Fail;
    r.detail = info->density_units == 0 ? "no density unit in JFIF (aspect ratio only)"
                                        : "JFIF density " + std::to_string(info->x_density) + "x" +
                                              std::to_string(info->y_density) +
                                              (info->density_units == 1 ? " dpi" : " dpcm");
}

struct FileSizeParams {
    double tolerance_kb;  // outside the profile's window by up to this: warn
    static FileSizeParams read(ParamReader& in) { return {.tolerance_kb = in.number("tolerance_kb")}; }
};

static void file_size(const CheckContext& c, const FileSizeParams& p, CheckResult& r) {
    r.unit = "KB";
    const auto& win = c.in.spec.file_kb;
    r.threshold = fmt_num(win.min, 0) + "-" + fmt_num(win.max, 0);
    if (!c.in.photo) return not_assessable(r, kNoPhoto);
    r.value = double(c.in.photo->jpeg.bytes.size()) / 1024.0;
    r.verdict = grade_band(r.value, win.min, win.max, p.tolerance_kb);
    r.detail = std::to_string(c.in.photo->jpeg.bytes.size()) + " bytes";
}

static void jpeg_quality(const CheckContext& c, CheckResult& r) {
    r.unit = "quality";
    r.threshold = ">= " + std::to_string(c.in.spec.min_quality);
    if (!c.in.photo) return not_assessable(r, kNoPhoto);
    const auto q = estimate_jpeg_quality(c.in.photo->jpeg.bytes);
    if (!q) return not_assessable(r, "no quantisation table to estimate the quality from");
    r.value = *q;
    r.verdict = *q >= c.in.spec.min_quality ? Verdict::Pass : Verdict::Fail;
    r.detail = "estimated from the luminance quantisation table";
}

// [SECTION] Setup

CheckRun setup_file_format(ParamReader&) { return file_format; }
CheckRun setup_file_dimensions(ParamReader&) { return file_dimensions; }
CheckRun setup_file_dpi(ParamReader&) { return file_dpi; }
CheckRun setup_file_size(ParamReader& in) { return bind_params(file_size, FileSizeParams::read(in)); }
CheckRun setup_jpeg_quality(ParamReader&) { return jpeg_quality; }

}  // namespace pd::engine::checks
