#include "engine/engine_fixture.h"

#include <cstring>
#include <stdexcept>

#include <libexif/exif-data.h>
#include <opencv2/imgcodecs.hpp>

#include "config/config.h"
#include "setup/engine_setup.h"
#include "support/test_support.h"

namespace pd::test {

const engine::PhotoEngine& shared_engine() {
    static const std::shared_ptr<const engine::PhotoEngine> eng = [] {
        auto r = setup::make_engine({config_dir(), "chsi-2017"});
        if (!r) throw std::runtime_error("engine setup failed: " + r.error().message);
        return r.value();
    }();
    return *eng;
}

const domain::SpecProfile& default_spec() {
    static const domain::SpecProfile spec = [] {
        auto r = config::load_spec_profile(config_dir(), "chsi-2017");
        if (!r) throw std::runtime_error(r.error().message);
        return r.value();
    }();
    return spec;
}

cv::Mat load_bgr(const std::string& path) {
    auto bytes = engine::read_file_bytes(path);
    if (!bytes) throw std::runtime_error(bytes.error().message);
    auto d = engine::decode_image(bytes.value());
    if (!d) throw std::runtime_error(path + ": " + d.error().message);
    cv::Mat bgr = d->bgr;
    if (!d->alpha.empty()) {
        for (int y = 0; y < bgr.rows; ++y)
            for (int x = 0; x < bgr.cols; ++x) {
                const int a = d->alpha.at<uchar>(y, x);
                for (int c = 0; c < 3; ++c)
                    bgr.at<cv::Vec3b>(y, x)[c] = uchar((bgr.at<cv::Vec3b>(y, x)[c] * a + 255 * (255 - a) + 127) / 255);
            }
    }
    return bgr;
}

std::vector<std::uint8_t> encode_jpeg_q(const cv::Mat& bgr, int quality) {
    std::vector<std::uint8_t> out;
    cv::imencode(".jpg", bgr, out, {cv::IMWRITE_JPEG_QUALITY, quality});
    return out;
}

std::vector<std::uint8_t> encode_png(const cv::Mat& bgr) {
    std::vector<std::uint8_t> out;
    cv::imencode(".png", bgr, out);
    return out;
}

static void set_ascii(ExifData* ed, ExifIfd ifd, ExifTag tag, const std::string& value) {
    ExifEntry* e = exif_entry_new();
    exif_content_add_entry(ed->ifd[ifd], e);
    e->tag = tag;
    e->format = EXIF_FORMAT_ASCII;
    e->components = value.size() + 1;
    e->size = unsigned(value.size() + 1);
    e->data = static_cast<unsigned char*>(malloc(e->size));
    std::memcpy(e->data, value.c_str(), value.size() + 1);
    exif_entry_unref(e);
}

std::vector<std::uint8_t> with_exif(const std::vector<std::uint8_t>& jpeg, const std::string& lens_model,
                                    const std::string& software, int orientation) {
    ExifData* ed = exif_data_new();
    exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
    set_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "TestPhone");
    set_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, "TP-1");
    if (!software.empty()) set_ascii(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, software);
    if (!lens_model.empty()) set_ascii(ed, EXIF_IFD_EXIF, static_cast<ExifTag>(0xa434), lens_model);  // LensModel
    if (orientation > 0) {
        ExifEntry* e = exif_entry_new();
        exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
        exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
        exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, ExifShort(orientation));
        exif_entry_unref(e);
    }
    unsigned char* buf = nullptr;
    unsigned int len = 0;
    exif_data_save_data(ed, &buf, &len);
    exif_data_unref(ed);
    // APP1: FF E1, length (2 bytes, includes itself), then "Exif\0\0" + TIFF (libexif includes the header).
    std::vector<std::uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
    const unsigned seg = len + 2;
    out.insert(out.end(), {0xFF, 0xE1, std::uint8_t(seg >> 8), std::uint8_t(seg & 0xFF)});
    out.insert(out.end(), buf, buf + len);
    out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
    free(buf);
    return out;
}

const engine::CheckResult& find_check(const std::vector<engine::CheckResult>& checks, const std::string& id) {
    for (const auto& c : checks)
        if (c.id == id) return c;
    throw std::runtime_error("no check " + id);
}

}  // namespace pd::test
