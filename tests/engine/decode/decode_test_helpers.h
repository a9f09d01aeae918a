// Helpers for the decode tests: test images generated from the astronaut photo, byte-level
// editing of JPEG/PNG files (APP segments, chunks with CRC), and a tiny TIFF/EXIF writer.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/decode/decode.h"
#include "support/test_support.h"

namespace pd::test::decode {

using Bytes = std::vector<std::uint8_t>;

inline std::string describe(const pd::Error& e) {
    return std::string(pd::to_string(e.code)) + ": " + e.message;
}

// Asserts ok and returns the image; on failure prints the error.
#define PD_DECODE_OK(bytes_, ...)                                                             \
    [&]() {                                                                                   \
        auto r_ = pd::engine::decode_image((bytes_) __VA_OPT__(, ) __VA_ARGS__);              \
        EXPECT_TRUE(r_.ok()) << (r_.ok() ? std::string() : describe(r_.error()));             \
        return r_.ok() ? std::move(r_).value() : pd::engine::DecodedImage{};                  \
    }()

inline cv::Mat astronaut() {
    static const cv::Mat img = cv::imread(pd::test::astronaut_path(), cv::IMREAD_COLOR);
    return img;
}

inline Bytes encode(const cv::Mat& img, const std::string& ext, const std::vector<int>& params = {}) {
    Bytes out;
    if (!cv::imencode(ext, img, out, params)) ADD_FAILURE() << "cv::imencode " << ext << " failed";
    return out;
}

inline Bytes jpeg_of(const cv::Mat& img, int quality = 95) {
    return encode(img, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
}

inline double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return 1e9;
    cv::Mat d;
    cv::absdiff(a, b, d);
    const cv::Scalar s = cv::mean(d);
    double total = 0;
    for (int c = 0; c < a.channels(); ++c) total += s[c];
    return total / a.channels();
}

inline bool equal_mats(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return false;
    cv::Mat d;
    cv::absdiff(a, b, d);
    return cv::countNonZero(d.reshape(1)) == 0;
}

// --- JPEG segments -------------------------------------------------------------------------

// Inserts a marker segment (marker, payload) right after SOI (and after a JFIF APP0 if present).
inline Bytes insert_jpeg_segment(const Bytes& jpeg, std::uint8_t marker, const Bytes& payload) {
    std::size_t at = 2;
    if (jpeg.size() > 6 && jpeg[2] == 0xFF && jpeg[3] == 0xE0) at = 4 + ((jpeg[4] << 8) | jpeg[5]);
    Bytes seg = {0xFF, marker, std::uint8_t((payload.size() + 2) >> 8),
                 std::uint8_t((payload.size() + 2) & 0xFF)};
    seg.insert(seg.end(), payload.begin(), payload.end());
    Bytes out(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(at));
    out.insert(out.end(), seg.begin(), seg.end());
    out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(at), jpeg.end());
    return out;
}

// Offset of the first marker `m` (FF m) after SOI, walking segments; npos when absent.
inline std::size_t find_jpeg_marker(const Bytes& jpeg, std::uint8_t m) {
    std::size_t pos = 2;
    while (pos + 4 <= jpeg.size() && jpeg[pos] == 0xFF) {
        if (jpeg[pos + 1] == m) return pos;
        if (jpeg[pos + 1] == 0xDA) break;
        pos += 2 + ((jpeg[pos + 2] << 8) | jpeg[pos + 3]);
    }
    return std::string::npos;
}

// --- Minimal TIFF / EXIF writer ------------------------------------------------------------

struct TiffEntry {
    std::uint16_t tag;
    std::uint16_t type;   // 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL
    std::uint32_t count;
    Bytes value;          // already in the writer's byte order
};

class TiffWriter {
public:
    explicit TiffWriter(bool big_endian = false) : be_(big_endian) {}

    void ifd0_short(std::uint16_t tag, std::uint16_t v) { ifd0_.push_back({tag, 3, 1, u16(v)}); }
    void ifd0_ascii(std::uint16_t tag, const std::string& s) { ifd0_.push_back(ascii(tag, s)); }
    void ifd0_rational(std::uint16_t tag, std::uint32_t n, std::uint32_t d) {
        ifd0_.push_back(rational(tag, n, d));
    }
    void exif_short(std::uint16_t tag, std::uint16_t v) { exif_.push_back({tag, 3, 1, u16(v)}); }
    void exif_ascii(std::uint16_t tag, const std::string& s) { exif_.push_back(ascii(tag, s)); }
    void exif_rational(std::uint16_t tag, std::uint32_t n, std::uint32_t d) {
        exif_.push_back(rational(tag, n, d));
    }

    // The TIFF block: header, IFD0 (+ ExifIFD pointer), Exif IFD, then out-of-line values.
    Bytes tiff() const {
        std::vector<TiffEntry> ifd0 = ifd0_;
        const bool has_exif = !exif_.empty();
        if (has_exif) ifd0.push_back({0x8769, 4, 1, u32(0)});  // patched below
        sort(ifd0);
        std::vector<TiffEntry> exif = exif_;
        sort(exif);
        const std::uint32_t ifd0_at = 8;
        const std::uint32_t ifd0_size = 2 + 12 * std::uint32_t(ifd0.size()) + 4;
        const std::uint32_t exif_at = ifd0_at + ifd0_size;
        const std::uint32_t exif_size = has_exif ? 2 + 12 * std::uint32_t(exif.size()) + 4 : 0;
        std::uint32_t data_at = exif_at + exif_size;
        for (auto& e : ifd0)
            if (e.tag == 0x8769) e.value = u32(exif_at);

        Bytes out;
        if (be_) out = {'M', 'M', 0, 42};
        else out = {'I', 'I', 42, 0};
        append(out, u32(ifd0_at));
        Bytes data;
        auto write_ifd = [&](const std::vector<TiffEntry>& entries) {
            append(out, u16(std::uint16_t(entries.size())));
            for (const auto& e : entries) {
                append(out, u16(e.tag));
                append(out, u16(e.type));
                append(out, u32(e.count));
                if (e.value.size() <= 4) {
                    Bytes v = e.value;
                    v.resize(4, 0);
                    append(out, v);
                } else {
                    append(out, u32(data_at + std::uint32_t(data.size())));
                    append(data, e.value);
                    if (data.size() & 1) data.push_back(0);
                }
            }
            append(out, u32(0));  // no next IFD
        };
        write_ifd(ifd0);
        if (has_exif) write_ifd(exif);
        append(out, data);
        return out;
    }

    // A JPEG APP1 payload: "Exif\0\0" + TIFF.
    Bytes app1() const {
        Bytes out = {'E', 'x', 'i', 'f', 0, 0};
        append(out, tiff());
        return out;
    }

private:
    Bytes u16(std::uint16_t v) const {
        return be_ ? Bytes{std::uint8_t(v >> 8), std::uint8_t(v)} : Bytes{std::uint8_t(v), std::uint8_t(v >> 8)};
    }
    Bytes u32(std::uint32_t v) const {
        Bytes b = {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16), std::uint8_t(v >> 24)};
        if (be_) std::reverse(b.begin(), b.end());
        return b;
    }
    TiffEntry ascii(std::uint16_t tag, const std::string& s) const {
        Bytes v(s.begin(), s.end());
        v.push_back(0);
        return {tag, 2, std::uint32_t(v.size()), v};
    }
    TiffEntry rational(std::uint16_t tag, std::uint32_t n, std::uint32_t d) const {
        Bytes v = u32(n);
        append(v, u32(d));
        return {tag, 5, 1, v};
    }
    static void append(Bytes& a, const Bytes& b) { a.insert(a.end(), b.begin(), b.end()); }
    static void sort(std::vector<TiffEntry>& v) {
        std::sort(v.begin(), v.end(), [](const TiffEntry& a, const TiffEntry& b) { return a.tag < b.tag; });
    }

    bool be_;
    std::vector<TiffEntry> ifd0_, exif_;
};

inline Bytes with_orientation(const Bytes& jpeg, int orientation, bool big_endian = false) {
    TiffWriter w(big_endian);
    w.ifd0_short(0x0112, std::uint16_t(orientation));
    return insert_jpeg_segment(jpeg, 0xE1, w.app1());
}

// --- PNG chunks ----------------------------------------------------------------------------

inline std::uint32_t crc32_png(const std::uint8_t* p, std::size_t n) {
    static std::uint32_t table[256] = {0};
    if (table[1] == 0) {
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

inline void put_be32(Bytes& out, std::uint32_t v) {
    out.push_back(std::uint8_t(v >> 24));
    out.push_back(std::uint8_t(v >> 16));
    out.push_back(std::uint8_t(v >> 8));
    out.push_back(std::uint8_t(v));
}

inline Bytes png_chunk(const char* type, const Bytes& data) {
    Bytes out;
    put_be32(out, std::uint32_t(data.size()));
    Bytes body(type, type + 4);
    body.insert(body.end(), data.begin(), data.end());
    out.insert(out.end(), body.begin(), body.end());
    put_be32(out, crc32_png(body.data(), body.size()));
    return out;
}

// Inserts a chunk right after IHDR (signature 8 + IHDR 25 bytes).
inline Bytes insert_png_chunk(const Bytes& png, const char* type, const Bytes& data) {
    Bytes out(png.begin(), png.begin() + 33);
    const Bytes c = png_chunk(type, data);
    out.insert(out.end(), c.begin(), c.end());
    out.insert(out.end(), png.begin() + 33, png.end());
    return out;
}

}  // namespace pd::test::decode
