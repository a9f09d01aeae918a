// WebP via libwebp: WebPGetFeatures for the size (checked before allocating), then decoding
// straight into our BGR or BGRA buffer. EXIF comes from the RIFF "EXIF" chunk.
#include <webp/decode.h>

#include <cstring>

#include <opencv2/core.hpp>

#include "engine/decode/decode.h"

namespace pd::engine {

namespace {

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
           (std::uint32_t(p[3]) << 24);
}

// The payload of the first RIFF chunk named `fourcc`, or an empty span.
std::span<const std::uint8_t> find_chunk(std::span<const std::uint8_t> b, const char* fourcc) {
    std::size_t pos = 12;  // "RIFF" size "WEBP"
    while (pos + 8 <= b.size()) {
        const std::size_t len = le32(b.data() + pos + 4);
        const std::size_t start = pos + 8;
        if (len > b.size() - start) return {};
        if (std::memcmp(b.data() + pos, fourcc, 4) == 0) return b.subspan(start, len);
        pos = start + len + (len & 1);  // chunks are padded to even sizes
    }
    return {};
}

const char* status_text(VP8StatusCode s) {
    switch (s) {
        case VP8_STATUS_OK: return "ok";
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
        case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
        case VP8_STATUS_SUSPENDED: return "suspended";
        case VP8_STATUS_USER_ABORT: return "aborted";
        case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
    }
    return "unknown status";
}

Error webp_failure(VP8StatusCode s, std::size_t size, const char* stage) {
    const std::string where = std::string(stage) + ": " + status_text(s);
    switch (s) {
        case VP8_STATUS_NOT_ENOUGH_DATA:
            return make_error(ErrorCode::Truncated, "WebP data ends early (" + std::to_string(size) +
                                                        " bytes, " + where + ")");
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            return make_error(ErrorCode::UnsupportedFormat, "WebP feature not supported (" + where + ")");
        case VP8_STATUS_OUT_OF_MEMORY:
            return make_error(ErrorCode::TooLarge, "out of memory decoding WebP (" + where + ")");
        default:
            return make_error(ErrorCode::Corrupt, "WebP data is malformed (" + where + ")");
    }
}

}  // namespace

namespace detail {

Result<DecodedImage> decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config))
        return make_error(ErrorCode::Internal, "libwebp version mismatch");
    VP8StatusCode s = WebPGetFeatures(bytes.data(), bytes.size(), &config.input);
    if (s != VP8_STATUS_OK) return webp_failure(s, bytes.size(), "header");
    const WebPBitstreamFeatures& ft = config.input;
    if (ft.has_animation)
        return make_error(ErrorCode::UnsupportedFormat, "animated WebP is not supported (" +
                                                            std::to_string(ft.width) + "x" +
                                                            std::to_string(ft.height) + ")");
    if (auto err = check_dimensions("WebP", ft.width, ft.height, opt.max_pixels)) return *err;

    DecodedImage out;
    SourceFacts& f = out.facts;
    f.format = ImageFormat::WebP;
    f.width = ft.width;
    f.height = ft.height;
    f.channels = ft.has_alpha ? 4 : 3;
    f.bits_per_sample = 8;
    f.has_alpha = ft.has_alpha != 0;

    cv::Mat pixels(ft.height, ft.width, ft.has_alpha ? CV_8UC4 : CV_8UC3);
    config.output.colorspace = ft.has_alpha ? MODE_BGRA : MODE_BGR;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = pixels.data;
    config.output.u.RGBA.stride = static_cast<int>(pixels.step[0]);
    config.output.u.RGBA.size = pixels.step[0] * static_cast<std::size_t>(pixels.rows);
    s = WebPDecode(bytes.data(), bytes.size(), &config);
    WebPFreeDecBuffer(&config.output);  // external memory: frees nothing of ours
    if (s != VP8_STATUS_OK) return webp_failure(s, bytes.size(), "image data");

    if (auto exif = find_chunk(bytes, "EXIF"); !exif.empty()) {
        ExifParse ex = parse_exif_full(exif);
        out.exif = ex.info;
        if (ex.dpi_x && ex.dpi_y) {
            f.dpi_x = ex.dpi_x;
            f.dpi_y = ex.dpi_y;
        }
    }

    if (ft.has_alpha) split_bgra(pixels, out);
    else out.bgr = pixels;
    return out;
}

}  // namespace detail

}  // namespace pd::engine
