// JPEG via the TurboJPEG API: a marker scan first (SOF kind, JFIF density, EXIF, Adobe
// marker, whether the entropy data reaches EOI), then the header for the size check, then
// (optionally DCT-scaled) decoding to BGR, or to CMYK and our own CMYK -> BGR conversion.
#include <turbojpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include <opencv2/core.hpp>

#include "engine/decode/decode.h"

namespace pd::engine {

namespace {

struct TjDeleter {
    void operator()(void* h) const { tjDestroy(static_cast<tjhandle>(h)); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

unsigned be16(const std::uint8_t* p) { return (unsigned(p[0]) << 8) | p[1]; }

// What the markers before the first SOS say.
struct JpegScan {
    bool sof = false;
    int sof_marker = 0, precision = 0, width = 0, height = 0, components = 0;
    bool jfif = false;
    int density_units = 0, x_density = 0, y_density = 0;
    std::span<const std::uint8_t> exif;  // APP1 payload starting "Exif\0\0"
    bool adobe = false;
    int adobe_transform = -1;
    bool reached_sos = false;
    bool ran_out = false;       // the data ended inside the marker segments
    bool eoi_after_sos = false; // an EOI marker follows the first SOS
    std::size_t stop = 0;       // offset where the scan stopped
};

bool is_sof(int m) {
    return (m >= 0xC0 && m <= 0xCF) && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

JpegScan scan_markers(std::span<const std::uint8_t> b) {
    JpegScan s;
    const std::size_t n = b.size();
    std::size_t pos = 2;  // after SOI
    for (;;) {
        // Skip anything up to the next 0xFF (libjpeg does the same, with a warning).
        while (pos < n && b[pos] != 0xFF) ++pos;
        while (pos < n && b[pos] == 0xFF) ++pos;  // fill bytes
        if (pos >= n) { s.ran_out = true; break; }
        const int m = b[pos++];
        if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // standalone
        if (m == 0xD9) break;                                               // EOI before any image
        if (pos + 2 > n) { s.ran_out = true; break; }
        const std::size_t len = be16(b.data() + pos);
        if (len < 2) break;  // malformed; libjpeg reports it
        if (m == 0xDA) {
            s.reached_sos = true;
            s.stop = pos - 2;
            break;
        }
        if (pos + len > n) { s.ran_out = true; break; }
        const std::uint8_t* p = b.data() + pos + 2;
        const std::size_t plen = len - 2;
        if (is_sof(m) && !s.sof && plen >= 6) {
            s.sof = true;
            s.sof_marker = m;
            s.precision = p[0];
            s.height = int(be16(p + 1));
            s.width = int(be16(p + 3));
            s.components = p[5];
        } else if (m == 0xE0 && plen >= 12 && std::memcmp(p, "JFIF\0", 5) == 0 && !s.jfif) {
            s.jfif = true;
            s.density_units = p[7];
            s.x_density = int(be16(p + 8));
            s.y_density = int(be16(p + 10));
        } else if (m == 0xE1 && plen >= 6 && std::memcmp(p, "Exif\0\0", 6) == 0 && s.exif.empty()) {
            s.exif = std::span<const std::uint8_t>(p, plen);
        } else if (m == 0xEE && plen >= 12 && std::memcmp(p, "Adobe", 5) == 0) {
            s.adobe = true;
            s.adobe_transform = p[11];
        }
        pos += len;
    }
    if (s.reached_sos) {
        // Entropy-coded data never contains FF D9 (0xFF is stuffed as FF 00), so an FF D9
        // after the SOS is the EOI (or a later image's): without one the file was cut.
        for (std::size_t i = s.stop + 2; i + 1 < n; ++i) {
            if (b[i] == 0xFF && b[i + 1] == 0xD9) { s.eoi_after_sos = true; break; }
        }
    }
    return s;
}

const char* sof_name(int m) {
    switch (m) {
        case 0xC3: return "lossless JPEG (SOF3)";
        case 0xC7: return "differential lossless JPEG (SOF7)";
        case 0xCB: return "arithmetic lossless JPEG (SOF11)";
        case 0xCF: return "differential arithmetic lossless JPEG (SOF15)";
        case 0xC5: return "hierarchical JPEG (SOF5)";
        case 0xC6: return "hierarchical progressive JPEG (SOF6)";
        case 0xCD: return "hierarchical arithmetic JPEG (SOF13)";
        case 0xCE: return "hierarchical arithmetic progressive JPEG (SOF14)";
        default: return nullptr;
    }
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

// libjpeg warnings that leave the picture intact (seen on real phone and editor files).
bool benign_warning(const std::string& msg) {
    return contains(msg, "extraneous bytes before marker") || contains(msg, "JFIF revision") ||
           contains(msg, "Invalid SOS parameters for sequential JPEG") ||
           contains(msg, "Inconsistent progression sequence") ||
           contains(msg, "Unknown Adobe color transform code") || contains(msg, "ICC profile");
}

// CMYK as decoded by libjpeg to BGR. Adobe (Photoshop) files store inverted CMYK
// (0 = full ink), which is what nearly every CMYK JPEG in the wild is.
cv::Mat cmyk_to_bgr(const cv::Mat& cmyk, bool inverted) {
    cv::Mat bgr(cmyk.size(), CV_8UC3);
    for (int y = 0; y < cmyk.rows; ++y) {
        const std::uint8_t* s = cmyk.ptr<std::uint8_t>(y);
        std::uint8_t* d = bgr.ptr<std::uint8_t>(y);
        for (int x = 0; x < cmyk.cols; ++x, s += 4, d += 3) {
            unsigned c = s[0], m = s[1], yy = s[2], k = s[3];
            if (!inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; k = 255 - k; }
            // Now c,m,y,k are "amount of paper showing": channel = c * k / 255.
            d[2] = std::uint8_t((c * k + 127) / 255);
            d[1] = std::uint8_t((m * k + 127) / 255);
            d[0] = std::uint8_t((yy * k + 127) / 255);
        }
    }
    return bgr;
}

Error truncated_error(std::size_t size, const char* where) {
    return make_error(ErrorCode::Truncated, "JPEG data ends early (" + std::to_string(size) +
                                                " bytes, " + where + ")");
}

}  // namespace

namespace detail {

Result<DecodedImage> decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    const JpegScan scan = scan_markers(bytes);
    if (!scan.reached_sos) {
        if (scan.ran_out) return truncated_error(bytes.size(), "cut before the image data");
        if (!scan.sof) return make_error(ErrorCode::Corrupt, "JPEG has no frame header (SOF marker)");
        return make_error(ErrorCode::Corrupt, "JPEG has no image data (no SOS marker)");
    }
    if (!scan.sof) return make_error(ErrorCode::Corrupt, "JPEG has no frame header (SOF marker)");
    if (const char* name = sof_name(scan.sof_marker))
        return make_error(ErrorCode::UnsupportedFormat, std::string(name) + " is not supported");
    if (scan.precision != 8)
        return make_error(ErrorCode::UnsupportedFormat,
                          std::to_string(scan.precision) + "-bit JPEG is not supported (8-bit only)");
    // Size check from our own SOF read first: nothing below allocates more than the header.
    if (auto err = check_dimensions("JPEG", scan.width, scan.height, opt.max_pixels)) return *err;

    TjHandle tj(tjInitDecompress());
    if (!tj) return make_error(ErrorCode::Internal, "cannot create a TurboJPEG decompressor");
    if (bytes.size() > 0xFFFFFFFFul)
        return make_error(ErrorCode::TooLarge, "JPEG of " + std::to_string(bytes.size()) +
                                                   " bytes is over the 4 GB TurboJPEG limit");
    const auto size = static_cast<unsigned long>(bytes.size());

    int width = 0, height = 0, subsamp = 0, colorspace = 0;
    if (tjDecompressHeader3(tj.get(), bytes.data(), size, &width, &height, &subsamp, &colorspace) != 0)
        return make_error(ErrorCode::Corrupt,
                          "JPEG header is malformed: " + one_line(tjGetErrorStr2(tj.get())));
    if (auto err = check_dimensions("JPEG", width, height, opt.max_pixels)) return *err;

    DecodedImage out;
    SourceFacts& f = out.facts;
    f.format = ImageFormat::Jpeg;
    f.width = width;
    f.height = height;
    f.bits_per_sample = 8;
    f.cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    f.channels = colorspace == TJCS_GRAY ? 1 : f.cmyk ? 4 : 3;
    f.progressive = scan.sof_marker == 0xC2 || scan.sof_marker == 0xCA;
    if (scan.jfif && scan.x_density > 0 && scan.y_density > 0) {
        if (scan.density_units == 1) {
            f.dpi_x = scan.x_density;
            f.dpi_y = scan.y_density;
        } else if (scan.density_units == 2) {
            f.dpi_x = round_dpi(scan.x_density * 2.54);
            f.dpi_y = round_dpi(scan.y_density * 2.54);
        }
    }
    if (!scan.exif.empty()) {
        ExifParse ex = parse_exif_full(scan.exif);
        out.exif = ex.info;
        if (!f.dpi_x && ex.dpi_x && ex.dpi_y) {
            f.dpi_x = ex.dpi_x;
            f.dpi_y = ex.dpi_y;
        }
    }

    // DCT scaling: the smallest factor <= 1 whose longer side still reaches min_long_side.
    tjscalingfactor best{1, 1};
    const int long_side = std::max(width, height);
    if (opt.min_long_side > 0 && long_side > opt.min_long_side) {
        int count = 0;
        const tjscalingfactor* factors = tjGetScalingFactors(&count);
        for (int i = 0; factors && i < count; ++i) {
            const tjscalingfactor sf = factors[i];
            if (sf.num <= 0 || sf.denom <= 0 || sf.num > sf.denom) continue;
            if (TJSCALED(long_side, sf) < opt.min_long_side) continue;
            if (double(sf.num) / sf.denom < double(best.num) / best.denom) best = sf;
        }
    }
    const int out_w = TJSCALED(width, best), out_h = TJSCALED(height, best);
    out.scale = double(best.num) / best.denom;

    const int flags = TJFLAG_LIMITSCANS;  // refuse progressive files with absurd scan counts
    cv::Mat pixels(out_h, out_w, f.cmyk ? CV_8UC4 : CV_8UC3);
    const int rc = tjDecompress2(tj.get(), bytes.data(), size, pixels.data, out_w,
                                 static_cast<int>(pixels.step[0]), out_h,
                                 f.cmyk ? TJPF_CMYK : TJPF_BGR, flags);
    if (rc != 0) {
        const std::string msg = one_line(tjGetErrorStr2(tj.get()));
        const bool warning = tjGetErrorCode(tj.get()) == TJERR_WARNING;
        // "premature end of data segment" with an EOI present is a stray marker inside the
        // scan (damage, below); without an EOI it is a cut file.
        if (contains(msg, "Premature end of JPEG file") || !scan.eoi_after_sos)
            return make_error(ErrorCode::Truncated,
                              "JPEG data ends early (" + std::to_string(bytes.size()) +
                                  " bytes, inside the image data: " + msg + ")");
        if (!warning)
            return make_error(ErrorCode::Corrupt, "JPEG data is malformed: " + msg);
        if (!benign_warning(msg))
            return make_error(ErrorCode::Corrupt, "JPEG data is damaged: " + msg);
        // A benign warning: the pixels are fine.
    }

    if (f.cmyk) out.bgr = cmyk_to_bgr(pixels, scan.adobe);
    else out.bgr = pixels;
    return out;
}

}  // namespace detail

}  // namespace pd::engine
