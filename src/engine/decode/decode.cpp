// decode_image: sniff, dispatch to the per-format decoder, orient, and turn every library
// exception into a specific Error. Also read_file_bytes and the shared helpers.
#include "engine/decode/decode.h"

#include <sys/stat.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

#include <opencv2/core.hpp>

namespace pd::engine {

namespace {

// "3600", "1.5", "0.3": megapixels with at most one decimal, no trailing ".0".
std::string megapixels(double pixels) {
    char buf[64];
    const double mp = pixels / 1e6;
    if (mp >= 100) std::snprintf(buf, sizeof buf, "%.0f", mp);
    else std::snprintf(buf, sizeof buf, "%.1f", mp);
    std::string s = buf;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    return s;
}

std::string hex_prefix(std::span<const std::uint8_t> b) {
    std::string s;
    char buf[4];
    for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
        std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", b[i]);
        s += buf;
    }
    return s;
}

Result<DecodedImage> decode_unchecked(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    if (bytes.empty()) return make_error(ErrorCode::EmptyInput, "no image data (0 bytes)");
    if (opt.max_pixels <= 0)
        return make_error(ErrorCode::InvalidArgument,
                          "max_pixels must be positive, got " + std::to_string(opt.max_pixels));
    if (opt.min_long_side < 0)
        return make_error(ErrorCode::InvalidArgument,
                          "min_long_side must be >= 0, got " + std::to_string(opt.min_long_side));

    const ImageFormat fmt = sniff_format(bytes);
    Result<DecodedImage> r = make_error(ErrorCode::Internal, "no decoder ran");
    switch (fmt) {
        case ImageFormat::Jpeg: r = detail::decode_jpeg(bytes, opt); break;
        case ImageFormat::Png: r = detail::decode_png(bytes, opt); break;
        case ImageFormat::WebP: r = detail::decode_webp(bytes, opt); break;
        case ImageFormat::Heif: r = detail::decode_heif(bytes, opt); break;
        case ImageFormat::Bmp: r = detail::decode_bmp(bytes, opt); break;
        case ImageFormat::Unknown: {
            if (const char* name = detail::sniff_unsupported(bytes))
                return make_error(ErrorCode::UnsupportedFormat,
                                  std::string(name) +
                                      " is not supported; use JPEG, PNG, WebP, HEIC/AVIF or BMP");
            return make_error(ErrorCode::UnknownFormat,
                              "not a recognised image format (" + std::to_string(bytes.size()) +
                                  " bytes starting " + hex_prefix(bytes) + ")");
        }
    }
    if (!r.ok()) return r;

    DecodedImage& img = r.value();
    img.facts.format = fmt;
    img.facts.byte_size = bytes.size();
    if (img.bgr.empty() || img.bgr.type() != CV_8UC3)
        return make_error(ErrorCode::Internal,
                          std::string(to_string(fmt)) + " decoder returned no 8-bit BGR pixels");
    if (!img.alpha.empty() && (img.alpha.type() != CV_8UC1 || img.alpha.size() != img.bgr.size()))
        return make_error(ErrorCode::Internal,
                          std::string(to_string(fmt)) + " decoder returned a mismatched alpha plane");

    // libheif already applies the HEIF irot/imir transforms (which take precedence over EXIF).
    const int o = img.exif.orientation;
    if (opt.apply_orientation && fmt != ImageFormat::Heif && o >= 2 && o <= 8) {
        img.bgr = apply_exif_orientation(img.bgr, o);
        if (!img.alpha.empty()) img.alpha = apply_exif_orientation(img.alpha, o);
    }
    return r;
}

}  // namespace

Result<DecodedImage> decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    try {
        return decode_unchecked(bytes, opt);
    } catch (const cv::Exception& e) {
        if (e.code == cv::Error::StsNoMem)
            return make_error(ErrorCode::TooLarge, "out of memory while decoding the image");
        return make_error(ErrorCode::Corrupt,
                          "image could not be decoded: " + detail::one_line(e.err.empty() ? e.what() : e.err));
    } catch (const std::bad_alloc&) {
        return make_error(ErrorCode::TooLarge, "out of memory while decoding the image");
    } catch (const std::exception& e) {
        return make_error(ErrorCode::Internal, "decoder failed: " + detail::one_line(e.what()));
    } catch (...) {
        return make_error(ErrorCode::Internal, "decoder failed with an unknown exception");
    }
}

cv::Mat apply_exif_orientation(const cv::Mat& img, int orientation) {
    if (img.empty()) return img;
    cv::Mat out;
    switch (orientation) {
        case 2: cv::flip(img, out, 1); break;                               // mirror horizontal
        case 3: cv::flip(img, out, -1); break;                              // rotate 180
        case 4: cv::flip(img, out, 0); break;                               // mirror vertical
        case 5: cv::transpose(img, out); break;                             // transpose
        case 6: cv::transpose(img, out); cv::flip(out, out, 1); break;      // rotate 90 CW
        case 7: cv::transpose(img, out); cv::flip(out, out, -1); break;     // transverse
        case 8: cv::transpose(img, out); cv::flip(out, out, 0); break;      // rotate 90 CCW
        default: return img;
    }
    return out;
}

Result<std::vector<std::uint8_t>> read_file_bytes(const std::string& path, std::size_t max_bytes) {
    if (path.empty()) return make_error(ErrorCode::InvalidArgument, "empty file path");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR)
            return make_error(ErrorCode::NotFound, "no such file: " + path);
        return make_error(ErrorCode::InvalidArgument,
                          "cannot access " + path + ": " + std::strerror(err));
    }
    if (S_ISDIR(st.st_mode))
        return make_error(ErrorCode::InvalidArgument, path + " is a directory, not a file");
    if (!S_ISREG(st.st_mode))
        return make_error(ErrorCode::InvalidArgument, path + " is not a regular file");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > max_bytes)
        return make_error(ErrorCode::TooLarge, path + " is " + std::to_string(size) +
                                                   " bytes, over the " + std::to_string(max_bytes) +
                                                   "-byte limit");

    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        const int err = errno;
        if (err == ENOENT) return make_error(ErrorCode::NotFound, "no such file: " + path);
        return make_error(ErrorCode::InvalidArgument, "cannot open " + path + ": " + std::strerror(err));
    }
    std::vector<std::uint8_t> data(static_cast<std::size_t>(size));
    std::size_t got = data.empty() ? 0 : std::fread(data.data(), 1, data.size(), f.get());
    if (std::ferror(f.get()))
        return make_error(ErrorCode::InvalidArgument, "read error in " + path + " after " +
                                                          std::to_string(got) + " bytes");
    if (got < data.size()) {
        data.resize(got);  // the file shrank while we read it: return what is there
    } else {
        // The file may have grown since stat(): read the rest, still within the limit.
        std::uint8_t buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
            if (data.size() + n > max_bytes)
                return make_error(ErrorCode::TooLarge, path + " grew past the " +
                                                           std::to_string(max_bytes) +
                                                           "-byte limit while being read");
            data.insert(data.end(), buf, buf + n);
        }
    }
    return data;
}

namespace detail {

std::optional<Error> check_dimensions(const char* what, std::int64_t width, std::int64_t height,
                                      std::int64_t max_pixels) {
    if (width <= 0 || height <= 0)
        return make_error(ErrorCode::Corrupt, std::string(what) + " header gives an empty size " +
                                                  std::to_string(width) + "x" +
                                                  std::to_string(height));
    // In double: no overflow for any header value. cv::Mat sizes are int, hence the INT_MAX cap.
    const double pixels = double(width) * double(height);
    if (pixels > double(max_pixels) || width > std::numeric_limits<int>::max() ||
        height > std::numeric_limits<int>::max())
        return make_error(ErrorCode::TooLarge, "image is " + std::to_string(width) + "x" +
                                                   std::to_string(height) + " (" + megapixels(pixels) +
                                                   " MP), over the " +
                                                   megapixels(double(max_pixels)) + " MP limit");
    return std::nullopt;
}

void split_bgra(const cv::Mat& bgra, DecodedImage& out) {
    CV_Assert(bgra.type() == CV_8UC4);
    out.bgr.create(bgra.size(), CV_8UC3);
    out.alpha.create(bgra.size(), CV_8UC1);
    cv::Mat dst[] = {out.bgr, out.alpha};
    const int from_to[] = {0, 0, 1, 1, 2, 2, 3, 3};
    cv::mixChannels(&bgra, 1, dst, 2, from_to, 4);
}

double round_dpi(double dpi) { return std::round(dpi * 10.0) / 10.0; }

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    while (!s.empty() && (s.back() == ' ' || s.back() == '.')) s.pop_back();
    return s;
}

}  // namespace detail

}  // namespace pd::engine
