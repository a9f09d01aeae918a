#include "engine/jpeg/jpeg_codec.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <turbojpeg.h>

namespace pd::engine {

namespace {

// ---------------------------------------------------------------------------------------------
// Marker parsing (shared by estimate_jpeg_quality, inspect_jpeg and the encoder's self-check).
// Every read is bounds-checked against the span; the walk stops at the first SOS or EOI.

// jpeg_natural_order: the k-th coefficient in zig-zag (file) order sits at this natural index.
constexpr std::array<int, 64> kZigzagToNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

// The IJG standard luminance table (JPEG Annex K.1), natural order, as libjpeg's jcparam.c.
constexpr std::array<int, 64> kStdLuminance = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};

struct ParsedJpeg {
    bool has_sof = false;
    int sof_marker = 0;
    int width = 0;
    int height = 0;
    int components = 0;
    int precision = 0;

    bool jfif = false;
    int density_units = 0;
    int x_density = 0;
    int y_density = 0;

    bool has_table0 = false;
    bool table0_16bit = false;
    std::array<int, 64> table0{};  // natural order
};

int be16(const std::uint8_t* p) { return (p[0] << 8) | p[1]; }

// DQT payload: one or more tables, each Pq/Tq byte then 64 values of 1 or 2 bytes.
bool parse_dqt(std::span<const std::uint8_t> s, ParsedJpeg& out) {
    std::size_t p = 0;
    while (p < s.size()) {
        const int pq = s[p] >> 4;
        const int tq = s[p] & 0x0F;
        ++p;
        if (pq > 1 || tq > 3) return false;
        const std::size_t n = pq ? 128 : 64;
        if (s.size() - p < n) return false;
        if (tq == 0) {
            out.has_table0 = true;
            out.table0_16bit = pq == 1;
            for (int k = 0; k < 64; ++k) {
                const int v = pq ? be16(&s[p + 2 * k]) : s[p + k];
                out.table0[kZigzagToNatural[k]] = v;
            }
        }
        p += n;
    }
    return true;
}

// SOFn payload: P, Y(2), X(2), Nf, then Nf component specs of 3 bytes.
bool parse_sof(int marker, std::span<const std::uint8_t> s, ParsedJpeg& out) {
    if (s.size() < 6) return false;
    const int nf = s[5];
    if (s.size() < 6 + 3 * static_cast<std::size_t>(nf)) return false;
    if (out.has_sof) return true;  // the first frame header wins
    out.has_sof = true;
    out.sof_marker = marker;
    out.precision = s[0];
    out.height = be16(&s[1]);
    out.width = be16(&s[3]);
    out.components = nf;
    return true;
}

// APP0: "JFIF\0", version(2), units, Xdensity(2), Ydensity(2), thumbnail w, h. Other APP0
// kinds (JFXX) are skipped.
void parse_app0(std::span<const std::uint8_t> s, ParsedJpeg& out) {
    if (out.jfif || s.size() < 14) return;
    if (std::memcmp(s.data(), "JFIF\0", 5) != 0) return;
    out.jfif = true;
    out.density_units = s[7];
    out.x_density = be16(&s[8]);
    out.y_density = be16(&s[10]);
}

bool is_sof(int m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

std::optional<ParsedJpeg> parse_markers(std::span<const std::uint8_t> b) {
    if (b.size() < 2 || b[0] != 0xFF || b[1] != 0xD8) return std::nullopt;
    ParsedJpeg out;
    std::size_t pos = 2;
    for (;;) {
        if (pos >= b.size() || b[pos] != 0xFF) return std::nullopt;  // truncated or garbage
        while (pos < b.size() && b[pos] == 0xFF) ++pos;                 // fill bytes
        if (pos >= b.size()) return std::nullopt;
        const int m = b[pos++];
        if (m == 0x00 || m == 0xD8) return std::nullopt;             // stuffed byte / second SOI
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;         // TEM, RSTn: no length
        if (m == 0xD9) return out;                                   // EOI before any scan
        if (b.size() - pos < 2) return std::nullopt;
        const std::size_t len = static_cast<std::size_t>(be16(&b[pos]));
        if (len < 2 || b.size() - pos < len) return std::nullopt;
        const auto payload = b.subspan(pos + 2, len - 2);
        if (m == 0xDB) {
            if (!parse_dqt(payload, out)) return std::nullopt;
        } else if (is_sof(m)) {
            if (!parse_sof(m, payload, out)) return std::nullopt;
        } else if (m == 0xE0) {
            parse_app0(payload, out);
        } else if (m == 0xDA) {
            return out;  // SOS header complete; entropy-coded data follows
        }
        pos += len;
    }
}

// libjpeg's jpeg_quality_scaling + jpeg_add_quant_table for one coefficient.
int ijg_scaled(int base, int quality, int cap) {
    const int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    long v = (static_cast<long>(base) * scale + 50) / 100;
    if (v < 1) v = 1;
    if (v > cap) v = cap;
    return static_cast<int>(v);
}

int quality_from_table(const std::array<int, 64>& table, bool sixteen_bit) {
    // libjpeg writes a 16-bit table only when a value exceeds 255, i.e. without force_baseline.
    const int cap = sixteen_bit ? 32767 : 255;
    int best_q = 1;
    long best = LONG_MAX;
    for (int q = 1; q <= 100; ++q) {
        long diff = 0;
        for (int i = 0; i < 64; ++i) diff += std::labs(ijg_scaled(kStdLuminance[i], q, cap) - table[i]);
        if (diff < best) {  // ties keep the lower quality
            best = diff;
            best_q = q;
        }
    }
    return best_q;
}

// ---------------------------------------------------------------------------------------------
// Encoding.

struct TjDeleter {
    void operator()(void* h) const { if (h) tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

struct TjBufDeleter {
    void operator()(unsigned char* p) const { tjFree(p); }
};

Status check_input(const cv::Mat& bgr) {
    if (bgr.empty()) return make_error(ErrorCode::InvalidArgument, "encode_jpeg: empty image");
    if (bgr.type() != CV_8UC3)
        return make_error(ErrorCode::InvalidArgument,
                          "encode_jpeg: need an 8-bit 3-channel BGR image (CV_8UC3), got " +
                              cv::typeToString(bgr.type()));
    if (bgr.dims != 2 || bgr.cols > 65500 || bgr.rows > 65500 || bgr.step[0] > INT_MAX)
        return make_error(ErrorCode::InvalidArgument,
                          "encode_jpeg: image " + std::to_string(bgr.cols) + "x" +
                              std::to_string(bgr.rows) + " exceeds the JPEG limit of 65500");
    return Ok{};
}

Status check_dpi(int dpi) {
    if (dpi < 1 || dpi > 65535)
        return make_error(ErrorCode::InvalidArgument,
                          "encode_jpeg: dpi " + std::to_string(dpi) + " is outside 1..65535");
    return Ok{};
}

// Sets the JFIF density to `dpi` dots per inch. TurboJPEG writes APP0 JFIF right after SOI with
// units 0 and density 1:1; patch it in place, or insert one when it is not where expected.
void set_jfif_density(std::vector<std::uint8_t>& b, int dpi) {
    const auto hi = static_cast<std::uint8_t>(dpi >> 8);
    const auto lo = static_cast<std::uint8_t>(dpi & 0xFF);
    const bool has_app0 = b.size() >= 20 && b[2] == 0xFF && b[3] == 0xE0 &&
                          be16(&b[4]) >= 16 && b.size() >= 4 + static_cast<std::size_t>(be16(&b[4])) &&
                          std::memcmp(&b[6], "JFIF\0", 5) == 0;
    if (has_app0) {
        b[13] = 1;  // units: dots per inch
        b[14] = hi;
        b[15] = lo;
        b[16] = hi;
        b[17] = lo;
        return;
    }
    const std::uint8_t app0[18] = {0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
                                   0x01, 0x01, 0x01, hi,   lo,  hi,  lo,  0x00, 0x00};
    b.insert(b.begin() + 2, std::begin(app0), std::end(app0));
}

Result<std::vector<std::uint8_t>> encode_with(void* handle, const cv::Mat& bgr, int quality, int dpi) {
    unsigned char* raw = nullptr;
    unsigned long size = 0;
    const int rc = tjCompress2(handle, bgr.data, bgr.cols, static_cast<int>(bgr.step[0]), bgr.rows,
                               TJPF_BGR, &raw, &size, TJSAMP_420, quality, TJFLAG_ACCURATEDCT);
    std::unique_ptr<unsigned char, TjBufDeleter> buf(raw);
    if (rc != 0 || !raw || size < 4)
        return make_error(ErrorCode::Internal,
                          std::string("encode_jpeg: libjpeg-turbo failed: ") + tjGetErrorStr2(handle));
    std::vector<std::uint8_t> bytes(raw, raw + size);
    if (bytes[0] != 0xFF || bytes[1] != 0xD8)
        return make_error(ErrorCode::Internal, "encode_jpeg: libjpeg-turbo output does not start with SOI");
    set_jfif_density(bytes, dpi);

    // Self-check: libturbojpeg 2.x honours TJ_PROGRESSIVE=1 / TJ_ARITHMETIC=1 from the
    // environment, which would silently break the baseline requirement.
    const auto parsed = parse_markers(bytes);
    if (!parsed || !parsed->has_sof || parsed->sof_marker != 0xC0 || parsed->components != 3 ||
        !parsed->jfif || parsed->density_units != 1 || parsed->x_density != dpi ||
        parsed->y_density != dpi)
        return make_error(ErrorCode::Internal,
                          "encode_jpeg: libjpeg-turbo did not write a baseline 3-component JFIF file "
                          "(is TJ_PROGRESSIVE or TJ_ARITHMETIC set in the environment?)");
    return bytes;
}

TjHandle make_compressor() { return TjHandle(tjInitCompress()); }

}  // namespace

Result<std::vector<std::uint8_t>> encode_jpeg(const cv::Mat& bgr, int quality, int dpi) {
    if (auto st = check_input(bgr); !st) return st.error();
    if (quality < 1 || quality > 100)
        return make_error(ErrorCode::InvalidArgument,
                          "encode_jpeg: quality " + std::to_string(quality) + " is outside 1..100");
    if (auto st = check_dpi(dpi); !st) return st.error();
    TjHandle h = make_compressor();
    if (!h) return make_error(ErrorCode::Internal, std::string("encode_jpeg: tjInitCompress failed: ") + tjGetErrorStr2(nullptr));
    return encode_with(h.get(), bgr, quality, dpi);
}

Result<EncodedJpeg> encode_jpeg_in_window(const cv::Mat& bgr, const JpegEncodeOptions& opt) {
    if (auto st = check_input(bgr); !st) return st.error();
    if (auto st = check_dpi(opt.dpi); !st) return st.error();
    if (opt.min_quality < 1 || opt.max_quality > 100 || opt.min_quality > opt.max_quality)
        return make_error(ErrorCode::InvalidArgument,
                          "encode_jpeg_in_window: quality range " + std::to_string(opt.min_quality) +
                              ".." + std::to_string(opt.max_quality) + " is not inside 1..100");
    if (opt.min_bytes > opt.max_bytes)
        return make_error(ErrorCode::InvalidArgument,
                          "encode_jpeg_in_window: size window " + std::to_string(opt.min_bytes) +
                              ".." + std::to_string(opt.max_bytes) + " bytes is empty");

    TjHandle h = make_compressor();
    if (!h) return make_error(ErrorCode::Internal, std::string("encode_jpeg: tjInitCompress failed: ") + tjGetErrorStr2(nullptr));

    std::array<std::vector<std::uint8_t>, 101> cache;  // empty = not encoded yet
    std::optional<Error> failure;
    // Size of the encoding at q (encoding it once), or 0 after a failure.
    auto size_at = [&](int q) -> std::size_t {
        if (cache[q].empty()) {
            auto r = encode_with(h.get(), bgr, q, opt.dpi);
            if (!r) {
                failure = r.error();
                return 0;
            }
            cache[q] = std::move(r).value();
        }
        return cache[q].size();
    };
    auto result = [&](int q) -> Result<EncodedJpeg> {
        if (failure) return *failure;
        const std::size_t n = cache[q].size();
        return EncodedJpeg{std::move(cache[q]), q, n >= opt.min_bytes && n <= opt.max_bytes};
    };

    // A re-render of a photo already encoded knows the quality that fitted last time: if it
    // still fits and one step up does not, that is the answer in two encodes.
    const int hint = opt.quality_hint;
    if (hint >= opt.min_quality && hint < opt.max_quality) {
        if (size_at(hint) <= opt.max_bytes && !failure) {
            if (size_at(hint + 1) > opt.max_bytes || failure) return result(hint);
        } else if (!failure && hint > opt.min_quality && size_at(hint - 1) <= opt.max_bytes && !failure) {
            return result(hint - 1);
        }
        if (failure) return result(hint);
    }

    // Most photos at max_quality are either small enough (done in one encode) or too big.
    if (size_at(opt.max_quality) <= opt.max_bytes || failure) return result(opt.max_quality);

    // Binary search. Invariant: hi was encoded and is over max_bytes; lo fits or is the
    // virtual min_quality-1, so a too-noisy image converges on hi == min_quality.
    int lo = opt.min_quality - 1;
    int hi = opt.max_quality;
    while (hi - lo > 1) {
        const int mid = lo + (hi - lo) / 2;
        const std::size_t n = size_at(mid);
        if (failure) return result(mid);
        (n <= opt.max_bytes ? lo : hi) = mid;
    }
    if (lo < opt.min_quality) return result(opt.min_quality);  // even min_quality is too big

    // Size is monotone-ish but not strictly: also try the quality just past the first one that
    // was too big. (Scanning 1..100 on test images, 9 of 2100 steps shrank, each by one step
    // and <= 31 bytes, all below quality 33; a one-step look-ahead covers that.)
    constexpr int kLookahead = 1;
    for (int q = hi + 1; q <= std::min(hi + kLookahead, opt.max_quality - 1); ++q) {
        const std::size_t n = size_at(q);
        if (failure) return result(q);
        if (n <= opt.max_bytes) lo = q;
    }
    return result(lo);
}

std::optional<int> estimate_jpeg_quality(std::span<const std::uint8_t> jpeg) {
    const auto parsed = parse_markers(jpeg);
    if (!parsed || !parsed->has_table0) return std::nullopt;
    return quality_from_table(parsed->table0, parsed->table0_16bit);
}

std::optional<JpegInfo> inspect_jpeg(std::span<const std::uint8_t> jpeg) {
    const auto parsed = parse_markers(jpeg);
    if (!parsed || !parsed->has_sof) return std::nullopt;
    JpegInfo info;
    info.width = parsed->width;
    info.height = parsed->height;
    info.components = parsed->components;
    info.bits_per_sample = parsed->precision;
    const int m = parsed->sof_marker;
    info.progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE;
    info.baseline = m == 0xC0;
    info.jfif = parsed->jfif;
    info.density_units = parsed->density_units;
    info.x_density = parsed->x_density;
    info.y_density = parsed->y_density;
    if (parsed->has_table0) info.quality = quality_from_table(parsed->table0, parsed->table0_16bit);
    return info;
}

}  // namespace pd::engine
