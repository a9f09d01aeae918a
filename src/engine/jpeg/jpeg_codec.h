// Encoding a spec photo: baseline JPEG, 3x8-bit YCbCr, JFIF density in dpi, a quality chosen
// so the file lands inside the profile's size window, deterministic (same pixels and
// parameters give the same bytes). Also estimates the quality factor of an existing JPEG from
// its quantisation tables and reads its header facts, for the file-spec check.
//
// Thread-safe: pure functions; each call owns its own libjpeg-turbo handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <opencv2/core.hpp>

#include "common/result.h"

namespace pd::engine {

struct JpegEncodeOptions {
    int dpi = 300;                      // 1..65535
    int min_quality = 60;               // never go below this (1..100)
    int max_quality = 95;               // never go above this (min_quality..100)
    std::size_t min_bytes = 20 * 1024;  // size window to land in, inclusive
    std::size_t max_bytes = 40 * 1024;
    // The quality that fitted the last render of the same photo, or 0. With a hint the search
    // usually takes two encodes; the answer is the same as without it.
    int quality_hint = 0;
};

struct EncodedJpeg {
    std::vector<std::uint8_t> bytes;
    int quality = 0;             // the quality factor used
    bool size_in_window = false; // false when no quality in [min,max] lands in the window
};

// Encodes one quality factor exactly: baseline (SOF0), standard Huffman tables, 4:2:0 chroma
// subsampling (like phones and CHSI samples), accurate integer DCT, JFIF APP0 with density
// `dpi` dots per inch (units byte 1). `bgr` must be a non-empty CV_8UC3 (any step/ROI).
// Errors: InvalidArgument for empty / non-CV_8UC3 input, quality outside 1..100, dpi outside
// 1..65535; Internal when libjpeg-turbo fails or did not produce a baseline file (the
// TJ_PROGRESSIVE / TJ_ARITHMETIC environment variables of libturbojpeg 2.x can force that).
Result<std::vector<std::uint8_t>> encode_jpeg(const cv::Mat& bgr, int quality, int dpi);

// Chooses the quality so the output lands in [min_bytes, max_bytes]; prefers the highest
// quality in [min_quality, max_quality] whose size is <= max_bytes (binary search on the size,
// then a one-step look-ahead above the result because size is not strictly monotone in
// quality; 1 encode when max_quality fits, otherwise about 7-8). When even min_quality is over max_bytes the min_quality encoding is
// returned with size_in_window=false; when even max_quality is under min_bytes (a very flat
// image) the max_quality encoding is returned with size_in_window=false. Deterministic.
// Errors: those of encode_jpeg, and InvalidArgument for an inconsistent window or range.
Result<EncodedJpeg> encode_jpeg_in_window(const cv::Mat& bgr, const JpegEncodeOptions& opt);

// Estimates the IJG quality factor (1..100) from quantisation table 0 (8- or 16-bit
// precision): the quality whose IJG-scaled standard luminance table is closest (sum of
// absolute differences) to the file's table; exact for files written by libjpeg(-turbo).
// nullopt for non-JPEG bytes, marker data that is truncated or malformed before the first
// SOS, or no table 0. Reads only the marker segments, never out of bounds.
std::optional<int> estimate_jpeg_quality(std::span<const std::uint8_t> jpeg);

// Header facts of a JPEG, from its marker segments up to the first SOS (the entropy-coded
// data is not read, so a file truncated inside the scan still inspects).
struct JpegInfo {
    int width = 0;
    int height = 0;
    int components = 0;
    int bits_per_sample = 0;   // SOF sample precision (8 for baseline)
    bool progressive = false;  // SOF2 (or another progressive SOF: 6, 10, 14)
    bool baseline = false;     // SOF0
    bool jfif = false;         // a JFIF APP0 segment is present; density fields are 0 when not
    int density_units = 0;     // JFIF units: 0 aspect ratio only, 1 dots per inch, 2 dots per cm
    int x_density = 0;
    int y_density = 0;
    std::optional<int> quality; // estimate_jpeg_quality
};

// nullopt for non-JPEG bytes, marker data truncated or malformed before the first SOS, or no
// SOF segment (frame header) before it.
std::optional<JpegInfo> inspect_jpeg(std::span<const std::uint8_t> jpeg);

}  // namespace pd::engine
