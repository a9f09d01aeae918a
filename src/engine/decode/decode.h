// Decoding any phone photo safely: sniff the real format from the bytes (never trust the
// extension), refuse decompression bombs from the header before allocating, apply the EXIF
// orientation, and normalise to 8-bit BGR plus an optional alpha plane.
//
// Thread-safe: pure functions, no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/result.h"

namespace pd::engine {

enum class ImageFormat { Unknown, Jpeg, Png, WebP, Heif, Bmp };
const char* to_string(ImageFormat f);

// Sniffs the container from magic bytes only.
ImageFormat sniff_format(std::span<const std::uint8_t> bytes);

// EXIF facts the checks need. Empty strings when absent.
struct ExifInfo {
    bool present = false;
    int orientation = 1;        // 1..8 as stored; pixels returned by decode are already upright
    std::string make, model, lens_model, software, datetime_original;
    std::optional<double> focal_length_mm;
    std::optional<double> focal_length_35mm;
};

// What the file itself says, before any processing (for the "file spec" check).
struct SourceFacts {
    ImageFormat format = ImageFormat::Unknown;
    int width = 0, height = 0;        // as stored (before orientation)
    int channels = 0;                 // as stored: 1 grey, 2 grey+alpha, 3 colour, 4 colour+alpha/CMYK
    int bits_per_sample = 8;          // 8 or 16
    bool has_alpha = false;
    bool cmyk = false;
    bool progressive = false;         // JPEG only
    std::optional<double> dpi_x, dpi_y;  // JFIF/pHYs/EXIF density when stated
    std::size_t byte_size = 0;
};

struct DecodeOptions {
    std::int64_t max_pixels = 100'000'000;  // refuse larger images from the header (config)
    // When > 0, a JPEG may be decoded with libjpeg-turbo's DCT scaling (1/2, 1/4, 1/8) to the
    // smallest size whose longer side is still >= this. 0 = full resolution.
    int min_long_side = 0;
    bool apply_orientation = true;
};

struct DecodedImage {
    cv::Mat bgr;       // CV_8UC3, upright
    cv::Mat alpha;     // CV_8UC1 same size, or empty when the source has no alpha
    double scale = 1;  // bgr size / full (oriented) size; < 1 after scaled JPEG decoding
    SourceFacts facts;
    ExifInfo exif;
};

// Decodes bytes of any supported format. Errors: EmptyInput, UnknownFormat, UnsupportedFormat,
// Truncated, Corrupt, TooLarge, each with a specific message.
Result<DecodedImage> decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& opt = {});

// Reads a whole file (NotFound / InvalidArgument on failure; refuses files over max_bytes).
Result<std::vector<std::uint8_t>> read_file_bytes(const std::string& path,
                                                  std::size_t max_bytes = 200u << 20);

// Returns `img` turned upright for an EXIF orientation 1..8 (2 mirror horizontal, 3 rotate 180,
// 4 mirror vertical, 5 transpose, 6 rotate 90 CW, 7 transverse, 8 rotate 90 CCW). Any other
// value returns `img` unchanged (shallow copy).
cv::Mat apply_exif_orientation(const cv::Mat& img, int orientation);

// Parses EXIF from a JPEG APP1 payload ("Exif\0\0" + TIFF) or a bare TIFF block ("II*\0" /
// "MM\0*"). Returns present = false when nothing readable is there; never fails.
ExifInfo parse_exif(std::span<const std::uint8_t> data);

// Internals shared by the per-format decoders (decode_*.cpp). Not part of the stable API.
namespace detail {

struct ExifParse {
    ExifInfo info;
    std::optional<double> dpi_x, dpi_y;  // XResolution/YResolution with ResolutionUnit
};
ExifParse parse_exif_full(std::span<const std::uint8_t> data);

// Error when w x h is zero/negative or over max_pixels ("image is 60000x60000 (3600 MP), over
// the 100 MP limit"); std::nullopt when fine. `what` names the format ("PNG").
std::optional<Error> check_dimensions(const char* what, std::int64_t width, std::int64_t height,
                                      std::int64_t max_pixels);

// Each decoder fills bgr/alpha as stored (not yet oriented), facts and exif. decode_image then
// applies the orientation (except for HEIF, whose irot/imir libheif applies itself).
Result<DecodedImage> decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& opt);
Result<DecodedImage> decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& opt);
Result<DecodedImage> decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& opt);
Result<DecodedImage> decode_heif(std::span<const std::uint8_t> bytes, const DecodeOptions& opt);
Result<DecodedImage> decode_bmp(std::span<const std::uint8_t> bytes, const DecodeOptions& opt);

// Name of a recognised image format we do not read (GIF, TIFF, JPEG 2000, JPEG XL, ...),
// or nullptr.
const char* sniff_unsupported(std::span<const std::uint8_t> bytes);

// Splits a CV_8UC4 BGRA image into out.bgr and out.alpha.
void split_bgra(const cv::Mat& bgra, DecodedImage& out);

// Dots per inch converted from a metric density, rounded to 0.1 dpi: PNG cannot store 300 dpi
// exactly (11811 px/m = 299.9994 dpi), and a spec check should see 300.
double round_dpi(double dpi);

// A library message made fit for one line (newlines and trailing blanks removed).
std::string one_line(std::string s);

}  // namespace detail

}  // namespace pd::engine
