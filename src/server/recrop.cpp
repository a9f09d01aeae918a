#include "server/recrop.h"

#include "engine/crop/crop.h"

namespace pd::server {

Outcome<std::string> Recropper::render(const storage::Submission& s, const CropWindow& crop,
                                       const std::string& field) {
    const engine::PhotoEngine* E = ctx_.engine();
    if (!E) return store_failure(make_error(ErrorCode::Internal, "this process was started without the photo engine"));
    EngineGate::Slot slot(ctx_.engine_gate());
    ++renders_;
    std::vector<unsigned char> original;
    {
        auto store = ctx_.stores().acquire();
        auto bytes = store->get_image(s.images.original);
        if (!bytes) return store_failure(bytes.error());
        original = std::move(bytes).value();
    }
    auto a = E->analyze(original);
    if (!a)
        return refusal(Refusal::rule, "bad_image", field + ": the original cannot be read again: " + a.error().message,
                       field);
    if (!a->has_face())
        return refusal(Refusal::rule, "invalid_field", field + ": no face in the original to re-crop around", field);
    // The window arrives in pixels of the upright original; the engine works in working px.
    const double k = a->working_per_original;
    const double scale = E->config().spec.width / (crop.width * k);
    auto plan = engine::crop_from_window(a->head, crop.x * k, crop.y * k, scale, E->config().spec);
    auto photo = E->render(a.value(), plan);
    if (!photo) return refusal(Refusal::rule, "invalid_field", field + ": " + photo.error().message, field);
    auto store = ctx_.stores().acquire();
    auto hash = store->put_image(photo->jpeg.bytes);
    if (!hash) return store_failure(hash.error());
    return std::move(hash).value();
}

}  // namespace pd::server
