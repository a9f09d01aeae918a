// Recropper: renders a reviewer's or supervisor's re-crop with the photo engine (under the
// engine gate) and stores the result, for ReviewService::decide and SupervisionService::
// overturn. Counts its renders for /metrics (photodesk_recrop_renders_total), which is how a
// batch of re-crops of one item is seen to render once.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "server/requests.h"
#include "server/service_context.h"
#include "server/service_error.h"

namespace pd::server {

class Recropper {
public:
    explicit Recropper(ServiceContext& ctx) : ctx_(ctx) {}

    // The SHA-256 of the rendered photo, stored. `field` names the crop in errors:
    // 422 bad_image (the original cannot be read again), 422 invalid_field (no face, or the
    // window cannot be rendered).
    Outcome<std::string> render(const storage::Submission& s, const CropWindow& crop,
                                const std::string& field);

    std::int64_t renders() const { return renders_.load(); }

private:
    ServiceContext& ctx_;
    std::atomic<std::int64_t> renders_{0};
};

}  // namespace pd::server
