// PNG via libpng: the IHDR is read first (size check before any pixel allocation), then the
// rows are expanded to 8-bit BGR(A): palette -> RGB, low-bit grey -> 8-bit, tRNS -> alpha,
// 16-bit -> 8-bit scaled (not truncated), grey -> BGR. pHYs gives the dpi, eXIf the EXIF.
//
// libpng reports errors by longjmp. The functions that call setjmp() hold no C++ objects
// with destructors, so the jump never skips one; everything with a destructor lives in
// decode_png() and is passed down as plain pointers.
#include <png.h>

#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/decode/decode.h"

namespace pd::engine {

namespace {

struct PngState {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::size_t pos = 0;
    bool ran_out = false;
    char message[256] = {0};
};

void png_read_cb(png_structp png, png_bytep out, png_size_t length) {
    auto* st = static_cast<PngState*>(png_get_io_ptr(png));
    if (length > st->size - st->pos) {
        st->ran_out = true;
        png_error(png, "unexpected end of data");
    }
    std::memcpy(out, st->data + st->pos, length);
    st->pos += length;
}

void png_error_cb(png_structp png, png_const_charp msg) {
    auto* st = static_cast<PngState*>(png_get_error_ptr(png));
    if (st && st->message[0] == 0) {
        std::strncpy(st->message, msg ? msg : "unknown libpng error", sizeof st->message - 1);
    }
    png_longjmp(png, 1);
}

void png_warning_cb(png_structp, png_const_charp) {}  // warnings are not failures; keep stderr quiet

struct PngHeader {
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    bool trns = false;
    bool phys = false;
    png_uint_32 res_x = 0, res_y = 0;
    int res_unit = 0;
    int out_channels = 0;     // after our transforms: 3 or 4
    png_size_t rowbytes = 0;  // after our transforms
};

// Phase 1: IHDR and the chunks before IDAT. Returns false on a libpng error.
bool read_header(png_structp png, png_infop info, PngHeader* h) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_read_info(png, info);
    png_get_IHDR(png, info, &h->width, &h->height, &h->bit_depth, &h->color_type, &h->interlace,
                 nullptr, nullptr);
    h->trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (png_get_valid(png, info, PNG_INFO_pHYs)) {
        h->phys = png_get_pHYs(png, info, &h->res_x, &h->res_y, &h->res_unit) != 0;
    }
    return true;
}

// Phase 2: set up the transforms (may raise errors for odd files, hence its own setjmp).
bool setup_transforms(png_structp png, png_infop info, PngHeader* h) {
    if (setjmp(png_jmpbuf(png))) return false;
    if (h->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (h->color_type == PNG_COLOR_TYPE_GRAY && h->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (h->trns) png_set_tRNS_to_alpha(png);
    if (h->bit_depth == 16) png_set_scale_16(png);
    if (h->color_type == PNG_COLOR_TYPE_GRAY || h->color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    png_set_bgr(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    h->out_channels = png_get_channels(png, info);
    h->rowbytes = png_get_rowbytes(png, info);
    return true;
}

// Phase 3: the pixels, into rows allocated by the caller.
bool read_rows(png_structp png, png_bytepp rows) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_read_image(png, rows);
    return true;
}

// Phase 4: chunks after IDAT (eXIf may be there). Failures here do not spoil the pixels.
bool read_end(png_structp png, png_infop end_info) {
    if (setjmp(png_jmpbuf(png))) return false;
    png_read_end(png, end_info);
    return true;
}

bool get_exif(png_structp png, png_infop info, png_bytep* data, png_uint_32* size) {
#ifdef PNG_eXIf_SUPPORTED
    if (setjmp(png_jmpbuf(png))) return false;
    if (png_get_valid(png, info, PNG_INFO_eXIf) == 0) return false;
    return png_get_eXIf_1(png, info, size, data) != 0 && *data && *size > 0;
#else
    return false;
#endif
}

struct PngStructs {
    png_structp png = nullptr;
    png_infop info = nullptr;
    png_infop end = nullptr;
    ~PngStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, end ? &end : nullptr); }
};

Error png_failure(const PngState& st, const char* stage) {
    const std::string msg = st.message[0] ? detail::one_line(st.message) : "unknown libpng error";
    if (st.ran_out)
        return make_error(ErrorCode::Truncated, "PNG data ends early (" + std::to_string(st.size) +
                                                    " bytes, while reading the " + stage + ")");
    return make_error(ErrorCode::Corrupt, std::string("PNG ") + stage + " is malformed: " + msg);
}

// The chunk lengths, checked against the bytes we hold before libpng sees them: libpng sizes
// its read buffer from a chunk's declared length, so a 139-byte file whose tEXt chunk claims
// 1.7 GB made it allocate (and touch) 1.7 GB before noticing the data ends (found by fuzzing).
// Every chunk up to IEND must fit in the file.
std::optional<Error> check_chunk_lengths(std::span<const std::uint8_t> bytes) {
    std::size_t pos = 8;  // after the signature (the sniffer has matched it)
    while (pos + 8 <= bytes.size()) {
        const std::uint32_t len = std::uint32_t(bytes[pos]) << 24 | std::uint32_t(bytes[pos + 1]) << 16 |
                                  std::uint32_t(bytes[pos + 2]) << 8 | std::uint32_t(bytes[pos + 3]);
        const std::string type(reinterpret_cast<const char*>(bytes.data() + pos + 4), 4);
        const std::size_t left = bytes.size() - (pos + 8);
        if (std::size_t(len) + 4 > left) {
            return make_error(ErrorCode::Truncated,
                              "PNG data ends early (" + std::to_string(bytes.size()) + " bytes: chunk '" +
                                  detail::one_line(type) + "' at byte " + std::to_string(pos) + " declares " +
                                  std::to_string(len) + " bytes, " + std::to_string(left < 4 ? 0 : left - 4) + " follow)");
        }
        if (type == "IEND") return std::nullopt;
        pos += 8 + std::size_t(len) + 4;
    }
    return std::nullopt;  // no IEND: libpng reports where the data ends
}

}  // namespace

namespace detail {

Result<DecodedImage> decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    if (auto err = check_chunk_lengths(bytes)) return *err;
    PngState st;
    st.data = bytes.data();
    st.size = bytes.size();

    PngStructs p;
    p.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, png_error_cb, png_warning_cb);
    if (!p.png) return make_error(ErrorCode::Internal, "cannot create a libpng reader");
    p.info = png_create_info_struct(p.png);
    p.end = png_create_info_struct(p.png);
    if (!p.info || !p.end) return make_error(ErrorCode::Internal, "cannot create libpng info structs");
    png_set_read_fn(p.png, &st, png_read_cb);
    // Our own pixel limit applies below; lift libpng's 1e6 x 1e6 default so the message is ours.
    png_set_user_limits(p.png, 0x7fffffffu, 0x7fffffffu);
    // Bound what ancillary chunks (zTXt, iCCP, eXIf...) may make libpng allocate or keep.
    png_set_chunk_malloc_max(p.png, 16u << 20);
    png_set_chunk_cache_max(p.png, 1000);

    PngHeader h;
    if (!read_header(p.png, p.info, &h)) return png_failure(st, "header");
    if (auto err = check_dimensions("PNG", h.width, h.height, opt.max_pixels)) return *err;
    if (!setup_transforms(p.png, p.info, &h)) return png_failure(st, "header");
    if ((h.out_channels != 3 && h.out_channels != 4) ||
        h.rowbytes != png_size_t(h.width) * png_size_t(h.out_channels))
        return make_error(ErrorCode::UnsupportedFormat,
                          "PNG layout not supported (colour type " + std::to_string(h.color_type) +
                              ", " + std::to_string(h.bit_depth) + "-bit)");

    DecodedImage out;
    SourceFacts& f = out.facts;
    f.format = ImageFormat::Png;
    f.width = static_cast<int>(h.width);
    f.height = static_cast<int>(h.height);
    f.bits_per_sample = h.bit_depth == 16 ? 16 : 8;
    f.has_alpha = (h.color_type & PNG_COLOR_MASK_ALPHA) != 0 || h.trns;
    switch (h.color_type) {
        case PNG_COLOR_TYPE_GRAY: f.channels = 1; break;
        case PNG_COLOR_TYPE_GRAY_ALPHA: f.channels = 2; break;
        case PNG_COLOR_TYPE_RGB: f.channels = 3; break;
        case PNG_COLOR_TYPE_RGB_ALPHA: f.channels = 4; break;
        default: f.channels = 3; break;  // palette
    }
    if (h.trns && (h.color_type == PNG_COLOR_TYPE_GRAY || h.color_type == PNG_COLOR_TYPE_RGB ||
                   h.color_type == PNG_COLOR_TYPE_PALETTE))
        ++f.channels;
    if (h.phys && h.res_unit == PNG_RESOLUTION_METER && h.res_x > 0 && h.res_y > 0) {
        f.dpi_x = round_dpi(h.res_x * 0.0254);
        f.dpi_y = round_dpi(h.res_y * 0.0254);
    }

    cv::Mat pixels(f.height, f.width, h.out_channels == 4 ? CV_8UC4 : CV_8UC3);
    std::vector<png_bytep> rows(static_cast<std::size_t>(f.height));
    for (int y = 0; y < f.height; ++y) rows[static_cast<std::size_t>(y)] = pixels.ptr<png_byte>(y);
    if (!read_rows(p.png, rows.data())) return png_failure(st, "image data");
    const bool end_ok = read_end(p.png, p.end);

    png_bytep exif = nullptr;
    png_uint_32 exif_size = 0;
    if (get_exif(p.png, p.info, &exif, &exif_size) ||
        (end_ok && get_exif(p.png, p.end, &exif, &exif_size))) {
        ExifParse ex = parse_exif_full(std::span<const std::uint8_t>(exif, exif_size));
        out.exif = ex.info;
        if (!f.dpi_x && ex.dpi_x && ex.dpi_y) {
            f.dpi_x = ex.dpi_x;
            f.dpi_y = ex.dpi_y;
        }
    }

    if (h.out_channels == 4) split_bgra(pixels, out);
    else out.bgr = pixels;
    return out;
}

}  // namespace detail

}  // namespace pd::engine
