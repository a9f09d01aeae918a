// HEIF / HEIC / AVIF via libheif: the primary image only, sized from its handle before
// decoding, decoded to interleaved 8-bit RGB(A). libheif applies the container's rotation and
// mirroring (irot/imir) itself, so the pixels come back upright; the EXIF block (whose
// orientation HEIF readers must ignore) is still reported.
#include <libheif/heif.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/decode/decode.h"

namespace pd::engine {

namespace {

struct CtxDeleter {
    void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleDeleter {
    void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageDeleter {
    void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsDeleter {
    void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};

void init_libheif_once() {
    static std::once_flag once;
    // Reference-counted init, never matched by heif_deinit(): the plugins live as long as we do.
    std::call_once(once, [] { (void)heif_init(nullptr); });
}

Error heif_failure(const heif_error& e, std::size_t size, const char* stage) {
    const std::string msg = detail::one_line(e.message ? e.message : "unknown libheif error");
    const std::string where = std::string(stage) + ": " + msg;
    if (e.subcode == heif_suberror_End_of_data)
        return make_error(ErrorCode::Truncated,
                          "HEIF data ends early (" + std::to_string(size) + " bytes, " + where + ")");
    if (e.subcode == heif_suberror_Security_limit_exceeded)
        return make_error(ErrorCode::TooLarge, "HEIF over a libheif security limit (" + where + ")");
    switch (e.code) {
        case heif_error_Unsupported_filetype:
        case heif_error_Unsupported_feature:
        case heif_error_Plugin_loading_error:
            return make_error(ErrorCode::UnsupportedFormat, "HEIF not supported (" + where + ")");
        case heif_error_Memory_allocation_error:
            return make_error(ErrorCode::TooLarge, "out of memory decoding HEIF (" + where + ")");
        default:
            return make_error(ErrorCode::Corrupt, "HEIF data is malformed (" + where + ")");
    }
}

// The first EXIF block of the image, with its 4-byte "offset to TIFF header" prefix removed.
std::vector<std::uint8_t> read_exif(const heif_image_handle* h) {
    heif_item_id id = 0;
    if (heif_image_handle_get_list_of_metadata_block_IDs(h, "Exif", &id, 1) < 1) return {};
    const std::size_t size = heif_image_handle_get_metadata_size(h, id);
    if (size < 4 || size > (64u << 20)) return {};
    std::vector<std::uint8_t> data(size);
    if (heif_image_handle_get_metadata(h, id, data.data()).code != heif_error_Ok) return {};
    const std::size_t skip = (std::size_t(data[0]) << 24) | (std::size_t(data[1]) << 16) |
                             (std::size_t(data[2]) << 8) | data[3];
    if (skip > size - 4) return {};
    data.erase(data.begin(), data.begin() + 4 + static_cast<std::ptrdiff_t>(skip));
    return data;
}

}  // namespace

namespace detail {

Result<DecodedImage> decode_heif(std::span<const std::uint8_t> bytes, const DecodeOptions& opt) {
    init_libheif_once();
    std::unique_ptr<heif_context, CtxDeleter> ctx(heif_context_alloc());
    if (!ctx) return make_error(ErrorCode::Internal, "cannot create a libheif context");
    // One decode per call; callers parallelise across images.
    heif_context_set_max_decoding_threads(ctx.get(), 0);

    heif_error e = heif_context_read_from_memory_without_copy(ctx.get(), bytes.data(), bytes.size(),
                                                              nullptr);
    if (e.code != heif_error_Ok) return heif_failure(e, bytes.size(), "container");

    heif_image_handle* raw_handle = nullptr;
    e = heif_context_get_primary_image_handle(ctx.get(), &raw_handle);
    if (e.code != heif_error_Ok) return heif_failure(e, bytes.size(), "primary image");
    std::unique_ptr<heif_image_handle, HandleDeleter> handle(raw_handle);

    const int width = heif_image_handle_get_width(handle.get());    // after irot/imir/clap
    const int height = heif_image_handle_get_height(handle.get());
    if (auto err = check_dimensions("HEIF", width, height, opt.max_pixels)) return *err;
    const int ispe_w = heif_image_handle_get_ispe_width(handle.get());
    const int ispe_h = heif_image_handle_get_ispe_height(handle.get());
    if (ispe_w > 0 && ispe_h > 0)
        if (auto err = check_dimensions("HEIF", ispe_w, ispe_h, opt.max_pixels)) return *err;

    const bool has_alpha = heif_image_handle_has_alpha_channel(handle.get()) != 0;
    const int luma_bits = heif_image_handle_get_luma_bits_per_pixel(handle.get());

    DecodedImage out;
    SourceFacts& f = out.facts;
    f.format = ImageFormat::Heif;
    f.width = ispe_w > 0 && ispe_h > 0 ? ispe_w : width;
    f.height = ispe_w > 0 && ispe_h > 0 ? ispe_h : height;
    f.channels = has_alpha ? 4 : 3;
    f.bits_per_sample = luma_bits > 8 ? 16 : 8;
    f.has_alpha = has_alpha;

    std::unique_ptr<heif_decoding_options, OptionsDeleter> options(heif_decoding_options_alloc());
    if (!options) return make_error(ErrorCode::Internal, "cannot allocate libheif decoding options");
    options->convert_hdr_to_8bit = 1;

    heif_image* raw_img = nullptr;
    e = heif_decode_image(handle.get(), &raw_img, heif_colorspace_RGB,
                          has_alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
                          options.get());
    std::unique_ptr<heif_image, ImageDeleter> img(raw_img);
    if (e.code != heif_error_Ok) return heif_failure(e, bytes.size(), "image data");
    if (!img) return make_error(ErrorCode::Corrupt, "HEIF decoder returned no image");

    const int iw = heif_image_get_width(img.get(), heif_channel_interleaved);
    const int ih = heif_image_get_height(img.get(), heif_channel_interleaved);
    const int bits = heif_image_get_bits_per_pixel_range(img.get(), heif_channel_interleaved);
    int stride = 0;
    const std::uint8_t* plane = heif_image_get_plane_readonly(img.get(), heif_channel_interleaved, &stride);
    if (!plane || iw <= 0 || ih <= 0 || bits != 8)
        return make_error(ErrorCode::Corrupt,
                          "HEIF decoder returned an unusable image (" + std::to_string(iw) + "x" +
                              std::to_string(ih) + ", " + std::to_string(bits) + "-bit)");
    if (auto err = check_dimensions("HEIF", iw, ih, opt.max_pixels)) return *err;
    const int ch = has_alpha ? 4 : 3;
    if (stride < iw * ch)
        return make_error(ErrorCode::Corrupt, "HEIF decoder returned a short row stride " +
                                                  std::to_string(stride));

    const cv::Mat rgb(ih, iw, has_alpha ? CV_8UC4 : CV_8UC3, const_cast<std::uint8_t*>(plane),
                      static_cast<std::size_t>(stride));
    if (has_alpha) {
        cv::Mat bgra;
        cv::cvtColor(rgb, bgra, cv::COLOR_RGBA2BGRA);
        split_bgra(bgra, out);
    } else {
        cv::cvtColor(rgb, out.bgr, cv::COLOR_RGB2BGR);
    }

    if (auto exif = read_exif(handle.get()); !exif.empty()) {
        ExifParse ex = parse_exif_full(exif);
        out.exif = ex.info;
        if (ex.dpi_x && ex.dpi_y) {
            f.dpi_x = ex.dpi_x;
            f.dpi_y = ex.dpi_y;
        }
    }
    return out;
}

}  // namespace detail

}  // namespace pd::engine
