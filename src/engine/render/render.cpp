#include "engine/render/render.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <opencv2/imgproc.hpp>

namespace pd::engine {

Result<RenderedPhoto> render_photo(const cv::Mat& working_bgr, const PersonMatte& matte,
                                   const CropPlan& crop, const domain::SpecProfile& spec, int quality_hint,
                                   const EdgeUnmix& unmix) {
    CV_Assert(working_bgr.type() == CV_8UC3 && matte.alpha.size() == working_bgr.size());
    const cv::Size out_size(crop.out_width, crop.out_height);
    const cv::Matx23d M(crop.scale, 0, -crop.scale * crop.x, 0, crop.scale, -crop.scale * crop.y);
    // Downscaling by more than ~1.5 with bilinear sampling aliases: pre-shrink with INTER_AREA.
    cv::Mat src = working_bgr, alpha_src = matte.alpha;
    cv::Matx23d Mw = M;
    if (crop.scale < 0.66) {
        const double k = crop.scale * 1.25;
        cv::resize(working_bgr, src, cv::Size(), k, k, cv::INTER_AREA);
        cv::resize(matte.alpha, alpha_src, src.size(), 0, 0, cv::INTER_AREA);
        Mw = cv::Matx23d(M(0, 0) / k, 0, M(0, 2), 0, M(1, 1) / k, M(1, 2));
    }

    RenderedPhoto out;
    out.crop = crop;
    cv::Mat img;
    cv::warpAffine(src, img, Mw, out_size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::warpAffine(alpha_src, out.alpha, Mw, out_size, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    // The wall's colour is needed only on the edge band (0 < alpha < 1): it is sampled there
    // from the matte's small, smooth wall model instead of warping a whole image of it.
    const cv::Mat& wall = matte.wall_bgr;
    const double to_wall = matte.wall_scale / crop.scale;  // output px -> wall px
    const auto wall_at = [&](int x, int y) {
        const float wx = std::clamp(float((x + 0.5) * to_wall + crop.x * matte.wall_scale - 0.5), 0.f, float(wall.cols - 1));
        const float wy = std::clamp(float((y + 0.5) * to_wall + crop.y * matte.wall_scale - 0.5), 0.f, float(wall.rows - 1));
        const int x0 = int(wx), y0 = int(wy);
        const int x1 = std::min(x0 + 1, wall.cols - 1), y1 = std::min(y0 + 1, wall.rows - 1);
        const float fx = wx - float(x0), fy = wy - float(y0);
        const auto& a = wall.at<cv::Vec3f>(y0, x0);
        const auto& b = wall.at<cv::Vec3f>(y0, x1);
        const auto& c = wall.at<cv::Vec3f>(y1, x0);
        const auto& d = wall.at<cv::Vec3f>(y1, x1);
        return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    };

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

    // The person's own colour beside each edge pixel, for edge unmixing: the mean of the solid
    // person pixels in a box around it (sums by a box filter: a few tenths of a millisecond).
    cv::Mat person_sum, person_n;
    if (unmix.radius > 0) {
        const cv::Mat solid = out.alpha >= 0.98f;
        cv::Mat person(img.size(), img.type(), cv::Scalar::all(0)), ones(img.size(), CV_8U, cv::Scalar(0));
        img.copyTo(person, solid);
        ones.setTo(1, solid);
        const cv::Size box(2 * unmix.radius + 1, 2 * unmix.radius + 1);
        cv::boxFilter(person, person_sum, CV_32F, box, {-1, -1}, false, cv::BORDER_CONSTANT);
        cv::boxFilter(ones, person_n, CV_32F, box, {-1, -1}, false, cv::BORDER_CONSTANT);
    }
    // What the colours say: the pixel as a mix of that person colour and the wall.
    const float min_contrast2 = unmix.min_contrast * unmix.min_contrast;
    const auto alpha_by_colour = [&](int x, int y, const cv::Vec3b& pixel, const cv::Vec3f& w) -> std::optional<float> {
        const float n = person_n.at<float>(y, x);
        if (n < 1) return std::nullopt;  // no solid person in the box
        const cv::Vec3f f = person_sum.at<cv::Vec3f>(y, x) / n - w;
        if (f.dot(f) < min_contrast2) return std::nullopt;
        const cv::Vec3f i(pixel[0], pixel[1], pixel[2]);
        return std::clamp((i - w).dot(f) / f.dot(f), 0.0f, 1.0f);
    };

    const cv::Vec3f bg(spec.background.b, spec.background.g, spec.background.r);
    out.bgr.create(out_size, CV_8UC3);
    for (int y = 0; y < out_size.height; ++y) {
        const auto* I = img.ptr<cv::Vec3b>(y);
        float* A = out.alpha.ptr<float>(y);
        auto* O = out.bgr.ptr<cv::Vec3b>(y);
        for (int x = 0; x < out_size.width; ++x) {
            const float a = A[x];
            if (a < 0.02f) {
                O[x] = cv::Vec3b(spec.background.b, spec.background.g, spec.background.r);
                continue;
            }
            if (a >= 0.999f) {
                O[x] = I[x];
                continue;
            }
            const cv::Vec3f w = wall_at(x, y);
            if (unmix.radius > 0 && a < unmix.below_alpha)
                if (const auto by_colour = alpha_by_colour(x, y, I[x], w)) A[x] = std::min(a, *by_colour + unmix.margin);
            const float k = 1.0f - A[x];
            for (int c = 0; c < 3; ++c) {
                O[x][c] = cv::saturate_cast<uchar>(I[x][c] + k * (bg[c] - w[c]));
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
