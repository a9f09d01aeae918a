// Format sniffing from magic bytes only: the file name and extension are never consulted
// (phones and chat apps routinely save WebP or PNG under a .jpg name).
#include <array>
#include <cstring>
#include <string_view>

#include "engine/decode/decode.h"

namespace pd::engine {

using namespace std::string_view_literals;

namespace {

bool starts_with(std::span<const std::uint8_t> b, std::size_t at, std::string_view magic) {
    if (b.size() < at + magic.size()) return false;
    return std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
           std::uint32_t(p[3]);
}

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
           (std::uint32_t(p[3]) << 24);
}

// Brands of still-image HEIF files: HEVC (heic...), generic MIAF (mif1/msf1) and AV1 (avif).
bool is_heif_brand(const std::uint8_t* p) {
    static constexpr std::array<std::string_view, 14> kBrands = {
        "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs",
        "mif1", "msf1", "mif2", "miaf", "avif", "avis"};
    const std::string_view b(reinterpret_cast<const char*>(p), 4);
    for (auto k : kBrands)
        if (b == k) return true;
    return false;
}

bool is_heif(std::span<const std::uint8_t> b) {
    if (b.size() < 12 || !starts_with(b, 4, "ftyp"sv)) return false;
    if (is_heif_brand(b.data() + 8)) return true;  // major brand
    // Compatible brands follow the minor version, up to the end of the ftyp box.
    std::size_t box = be32(b.data());
    if (box < 16 || box > 4096) return false;
    if (box > b.size()) box = b.size();
    for (std::size_t at = 16; at + 4 <= box; at += 4)
        if (is_heif_brand(b.data() + at)) return true;
    return false;
}

bool is_bmp(std::span<const std::uint8_t> b) {
    if (b.size() < 18 || !starts_with(b, 0, "BM"sv)) return false;
    // The DIB header size tells the header variant; anything else is not a BMP.
    switch (le32(b.data() + 14)) {
        case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124: return true;
        default: return false;
    }
}

}  // namespace

const char* to_string(ImageFormat f) {
    switch (f) {
        case ImageFormat::Unknown: return "unknown";
        case ImageFormat::Jpeg: return "JPEG";
        case ImageFormat::Png: return "PNG";
        case ImageFormat::WebP: return "WebP";
        case ImageFormat::Heif: return "HEIF";
        case ImageFormat::Bmp: return "BMP";
    }
    return "unknown";
}

ImageFormat sniff_format(std::span<const std::uint8_t> bytes) {
    if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        return ImageFormat::Jpeg;
    if (starts_with(bytes, 0, "\x89PNG\r\n\x1a\n"sv)) return ImageFormat::Png;
    if (starts_with(bytes, 0, "RIFF"sv) && starts_with(bytes, 8, "WEBP"sv)) return ImageFormat::WebP;
    if (is_heif(bytes)) return ImageFormat::Heif;
    if (is_bmp(bytes)) return ImageFormat::Bmp;
    return ImageFormat::Unknown;
}

namespace detail {

const char* sniff_unsupported(std::span<const std::uint8_t> b) {
    if (starts_with(b, 0, "GIF87a"sv) || starts_with(b, 0, "GIF89a"sv)) return "GIF";
    if (starts_with(b, 0, "II*\0"sv) || starts_with(b, 0, "MM\0*"sv)) return "TIFF (or camera raw)";
    if (starts_with(b, 0, "II\x2b\0"sv) || starts_with(b, 0, "MM\0\x2b"sv)) return "BigTIFF";
    if (starts_with(b, 0, "\0\0\0\x0cjP  \r\n\x87\n"sv) || starts_with(b, 0, "\xff\x4f\xff\x51"sv))
        return "JPEG 2000";
    if (starts_with(b, 0, "\xff\x0a"sv) || starts_with(b, 0, "\0\0\0\x0cJXL \r\n\x87\n"sv))
        return "JPEG XL";
    if (starts_with(b, 0, "8BPS"sv)) return "Photoshop PSD";
    if (starts_with(b, 0, "%PDF"sv)) return "PDF";
    if (starts_with(b, 0, "\0\0\1\0"sv) && b.size() >= 6 && b[4] != 0) return "Windows icon (ICO)";
    if (starts_with(b, 0, "RIFF"sv)) return "RIFF container that is not WebP";
    if (b.size() >= 12 && starts_with(b, 4, "ftyp"sv)) {
        if (starts_with(b, 8, "crx "sv)) return "Canon CR3 raw";
        return "ISO media file (video or unknown brand) that is not HEIF";
    }
    if (starts_with(b, 0, "BM"sv)) return "BMP with an unknown header variant";
    return nullptr;
}

}  // namespace detail

}  // namespace pd::engine
