#include "review/pixels.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "engine/decode/decode.h"

namespace pd::review {

Result<Pixels> decode_pixels(std::span<const std::uint8_t> bytes, int max_side, std::int64_t max_pixels) {
    engine::DecodeOptions opt;
    opt.max_pixels = max_pixels;
    opt.min_long_side = max_side;   // lets libjpeg-turbo decode a 12 MP JPEG at 1/2 or 1/4 size
    auto d = engine::decode_image(bytes, opt);
    if (!d) return d.error();
    const cv::Mat& bgr = d->bgr;
    Pixels px;
    px.full_width = int(std::lround(bgr.cols / d->scale));
    px.full_height = int(std::lround(bgr.rows / d->scale));
    cv::Mat scaled = bgr;
    const int long_side = std::max(bgr.cols, bgr.rows);
    if (max_side > 0 && long_side > max_side) {
        const double k = double(max_side) / long_side;
        cv::resize(bgr, scaled, cv::Size(std::max(1, int(std::lround(bgr.cols * k))),
                                         std::max(1, int(std::lround(bgr.rows * k)))),
                   0, 0, cv::INTER_AREA);
    }
    px.width = scaled.cols;
    px.height = scaled.rows;
    px.rgba.resize(std::size_t(px.width) * px.height * 4);
    cv::Mat out(px.height, px.width, CV_8UC4, px.rgba.data());
    cv::cvtColor(scaled, out, cv::COLOR_BGR2RGBA);
    return px;
}

}  // namespace pd::review
