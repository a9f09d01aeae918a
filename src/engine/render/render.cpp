#include "engine/render/render.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace pd::engine {

Result<RenderedPhoto> render_photo(const cv::Mat& working_bgr, const PersonMatte& matte,
                                   const CropPlan& crop, const domain::SpecProfile& spec, int quality_hint) {
    CV_Assert(working_bgr.type() == CV_8UC3 && matte.alpha.size() == working_bgr.size());
    const cv::Size out_size(crop.out_width, crop.out_height);
    const cv::Matx23d M(crop.scale, 0, -crop.scale * crop.x, 0, crop.scale, -crop.scale * crop.y);
    // Downscaling by more than ~1.5 with bilinear sampling aliases: pre-shrink with INTER_AREA.
    cv::Mat src = working_bgr, alpha_src = matte.alpha, wall_src = matte.wall_bgr;
    cv::Matx23d Mw = M;
    if (crop.scale < 0.66) {
        const double k = crop.scale * 1.25;
        cv::resize(working_bgr, src, cv::Size(), k, k, cv::INTER_AREA);
        cv::resize(matte.alpha, alpha_src, src.size(), 0, 0, cv::INTER_AREA);
        cv::resize(matte.wall_bgr, wall_src, src.size(), 0, 0, cv::INTER_AREA);
        Mw = cv::Matx23d(M(0, 0) / k, 0, M(0, 2), 0, M(1, 1) / k, M(1, 2));
    }

    RenderedPhoto out;
    out.crop = crop;
    cv::Mat img, wall;
    cv::warpAffine(src, img, Mw, out_size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::warpAffine(alpha_src, out.alpha, Mw, out_size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::warpAffine(wall_src, wall, Mw, out_size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);

    // Outside the source, above the chin: nothing but background. (Replicating the edge there
    // would smear hair that touches the frame into streaks; below the chin replicating it
    // continues shoulders cut by the frame, which is what a photographer's wider frame shows.)
    const int chin_out = int(std::ceil((crop.chin_y_working - crop.y) * crop.scale));
    const int top_out = std::clamp(int(std::ceil(-crop.y * crop.scale)), 0, out_size.height);
    if (top_out > 0) out.alpha.rowRange(0, top_out).setTo(0.0f);
    const int left_out = std::clamp(int(std::ceil(-crop.x * crop.scale)), 0, out_size.width);
    const int right_out = std::clamp(int(std::floor((working_bgr.cols - crop.x) * crop.scale)), 0, out_size.width);
    const int rows = std::clamp(chin_out, 0, out_size.height);
    if (rows > 0 && left_out > 0) out.alpha(cv::Rect(0, 0, left_out, rows)).setTo(0.0f);
    if (rows > 0 && right_out < out_size.width) out.alpha(cv::Rect(right_out, 0, out_size.width - right_out, rows)).setTo(0.0f);

    const cv::Vec3f bg(spec.background.b, spec.background.g, spec.background.r);
    out.bgr.create(out_size, CV_8UC3);
    for (int y = 0; y < out_size.height; ++y) {
        const auto* I = img.ptr<cv::Vec3b>(y);
        const auto* Wl = wall.ptr<cv::Vec3f>(y);
        const float* A = out.alpha.ptr<float>(y);
        auto* O = out.bgr.ptr<cv::Vec3b>(y);
        for (int x = 0; x < out_size.width; ++x) {
            const float a = A[x];
            if (a < 0.02f) {
                O[x] = cv::Vec3b(spec.background.b, spec.background.g, spec.background.r);
                continue;
            }
            const float k = 1.0f - a;
            for (int c = 0; c < 3; ++c) {
                O[x][c] = cv::saturate_cast<uchar>(I[x][c] + k * (bg[c] - Wl[x][c]));
            }
        }
    }

    JpegEncodeOptions opt;
    opt.dpi = spec.dpi;
    opt.min_quality = spec.min_quality;
    // "KB" is read as 1024 bytes by some and 1000 by others: land inside the window under
    // both readings (at least min x 1024 bytes, at most max x 1000 bytes).
    opt.min_bytes = std::size_t(spec.file_kb.min * 1024);
    opt.max_bytes = std::size_t(spec.file_kb.max * 1000);
    opt.quality_hint = quality_hint;
    auto enc = encode_jpeg_in_window(out.bgr, opt);
    if (!enc) return enc.error();
    out.jpeg = std::move(enc.value());
    return out;
}

}  // namespace pd::engine
