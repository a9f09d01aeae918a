// BMP: our own header read (size check, truncation check for uncompressed pixel data), then
// OpenCV's decoder.
#include <algorithm>
#include <cstdlib>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/decode/decode.h"

namespace pd::engine {

namespace {

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
           (std::uint32_t(p[3]) << 24);
}
std::uint16_t le16(const std::uint8_t* p) { return std::uint16_t(p[0] | (p[1] << 8)); }

}  // namespace

namespace detail {

Result<DecodedImage> decode_bmp(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    const std::uint8_t* b = bytes.data();
    if (bytes.size() < 26)
        return make_error(ErrorCode::Truncated,
                          "BMP data ends early (" + std::to_string(bytes.size()) + " bytes, inside the header)");
    const std::uint32_t pixel_offset = le32(b + 10);
    const std::uint32_t dib = le32(b + 14);
    std::int64_t width = 0, height = 0;
    int bpp = 0;
    std::uint32_t compression = 0;
    if (dib == 12) {  // OS/2 BITMAPCOREHEADER
        width = le16(b + 18);
        height = le16(b + 20);
        bpp = le16(b + 24);
    } else {
        if (bytes.size() < 14 + std::size_t(std::min<std::uint32_t>(dib, 40)))
            return make_error(ErrorCode::Truncated, "BMP data ends early (" +
                                                        std::to_string(bytes.size()) +
                                                        " bytes, inside the header)");
        width = static_cast<std::int32_t>(le32(b + 18));
        height = static_cast<std::int32_t>(le32(b + 22));
        bpp = le16(b + 28);
        if (dib >= 20) compression = le32(b + 30);
    }
    const std::int64_t abs_height = std::llabs(height);
    if (auto err = check_dimensions("BMP", width, abs_height, opt.max_pixels)) return *err;
    if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
        return make_error(ErrorCode::UnsupportedFormat,
                          "BMP with " + std::to_string(bpp) + " bits per pixel is not supported");
    // Palette size: OpenCV asserts on more than 256 entries (and prints to stderr).
    std::uint64_t colours = 0;
    if (bpp <= 8) {
        colours = 1u << bpp;
        if (dib >= 40) {
            const std::uint32_t used = le32(b + 46);
            if (used > 256)
                return make_error(ErrorCode::Corrupt, "BMP palette claims " + std::to_string(used) +
                                                          " colours (at most 256)");
            if (used > 0) colours = used;
        }
    }
    // The whole header, masks and palette must be there before OpenCV reads them.
    std::uint64_t header_end = 14 + std::uint64_t(dib) + colours * (dib == 12 ? 3 : 4);
    if (bpp > 8 && compression == 3 && dib == 40) header_end += 12;  // BI_BITFIELDS masks
    if (header_end > bytes.size())
        return make_error(ErrorCode::Truncated, "BMP data ends early (" + std::to_string(bytes.size()) +
                                                    " bytes, inside the header or palette of " +
                                                    std::to_string(header_end) + " bytes)");
    // Uncompressed (BI_RGB, BI_BITFIELDS): the pixel array size is known exactly.
    if (compression == 0 || compression == 3) {
        const std::uint64_t stride = ((std::uint64_t(width) * std::uint64_t(bpp) + 31) / 32) * 4;
        const std::uint64_t need = std::uint64_t(pixel_offset) + stride * std::uint64_t(abs_height);
        if (need > bytes.size())
            return make_error(ErrorCode::Truncated, "BMP data ends early (" +
                                                        std::to_string(bytes.size()) + " of " +
                                                        std::to_string(need) + " bytes)");
    } else if (compression != 1 && compression != 2) {
        return make_error(ErrorCode::UnsupportedFormat,
                          "BMP compression " + std::to_string(compression) + " is not supported");
    }

    const cv::Mat buf(1, static_cast<int>(std::min<std::size_t>(bytes.size(), 0x7fffffff)), CV_8UC1,
                      const_cast<std::uint8_t*>(b));
    cv::Mat img = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
    if (img.empty())
        return make_error(ErrorCode::Corrupt, "BMP data is malformed (" + std::to_string(width) + "x" +
                                                  std::to_string(abs_height) + ", " +
                                                  std::to_string(bpp) + "-bit, OpenCV could not read it)");
    if (img.cols != width || img.rows != abs_height)
        return make_error(ErrorCode::Corrupt, "BMP decoded to " + std::to_string(img.cols) + "x" +
                                                  std::to_string(img.rows) + " but the header says " +
                                                  std::to_string(width) + "x" +
                                                  std::to_string(abs_height));
    if (img.depth() != CV_8U) img.convertTo(img, CV_8U, img.depth() == CV_16U ? 1.0 / 257 : 1.0);

    DecodedImage out;
    SourceFacts& f = out.facts;
    f.format = ImageFormat::Bmp;
    f.width = img.cols;
    f.height = img.rows;
    f.bits_per_sample = 8;
    switch (img.channels()) {
        case 1: cv::cvtColor(img, out.bgr, cv::COLOR_GRAY2BGR); break;
        case 3: out.bgr = img; break;
        case 4: {
            cv::Mat a;
            cv::extractChannel(img, a, 3);
            double max_alpha = 0;
            cv::minMaxLoc(a, nullptr, &max_alpha);
            if (max_alpha > 0) split_bgra(img, out);  // an all-zero "alpha" is padding, not alpha
            else cv::cvtColor(img, out.bgr, cv::COLOR_BGRA2BGR);
            break;
        }
        default:
            return make_error(ErrorCode::UnsupportedFormat,
                              "BMP with " + std::to_string(img.channels()) + " channels is not supported");
    }
    f.has_alpha = !out.alpha.empty();
    f.channels = f.has_alpha ? 4 : (bpp <= 8 && img.channels() == 1 ? 1 : 3);
    // BITMAPINFOHEADER pixels per metre at 38/42.
    if (dib >= 40 && bytes.size() >= 46) {
        const std::uint32_t xm = le32(b + 38), ym = le32(b + 42);
        if (xm > 0 && ym > 0 && xm < 1'000'000 && ym < 1'000'000) {
            f.dpi_x = round_dpi(xm * 0.0254);
            f.dpi_y = round_dpi(ym * 0.0254);
        }
    }
    return out;
}

}  // namespace detail

}  // namespace pd::engine
