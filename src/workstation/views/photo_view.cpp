// The two photos: the standardized one in the centre (the largest; spec bands drawn by
// photo.frag, landmarks, the eye line and the focused check's geometry drawn on top), and the
// original on the left with the crop window the engine chose (and, while re-cropping, the
// window being moved). Coordinates: output px of the 480x640 spec photo, working px of the
// engine's working image (landmarks, "original"-space geometry) and upright original px (the
// crop window); see review/item.h.
#include <algorithm>
#include <cmath>
#include <utility>

#include "workstation/views/views.h"

namespace pd::workstation {

using review::Check;
using review::Point;
using review::ReviewItem;
using review::Space;

namespace {

// The crop window in upright original px: the one being moved while re-cropping, else the
// engine's.
review::CropWindow window_of(const ViewContext& v, const ReviewItem& it) {
    if (v.session.recrop().active) return v.session.recrop().window;
    return {it.crop.window_x, it.crop.window_y, it.crop.window_w};
}

// Working px -> output px through a window.
Point working_to_output(const ReviewItem& it, const review::CropWindow& w, double out_w, Point p) {
    const double k = out_w / std::max(1e-6, w.width);
    return {(p.x / it.per_original - w.x) * k, (p.y / it.per_original - w.y) * k};
}

struct Frame {
    ImVec2 p0, p1;
    double w = 480, h = 640;   // the coordinate space mapped onto p0-p1
    ImVec2 at(double x, double y) const {
        return {float(p0.x + x / w * (p1.x - p0.x)), float(p0.y + y / h * (p1.y - p0.y))};
    }
    float px() const { return float((p1.x - p0.x) / w); }   // screen px per unit
};

// Draws one check's geometry. `to` maps the geometry's own coordinates to the frame's.
template <class Map>
void draw_geometry(ImDrawList* dl, const review::Geometry& g, const Frame& f, Map to, ImU32 col, float thick) {
    for (const auto& [a, b] : g.lines) {
        const Point pa = to(a), pb = to(b);
        dl->AddLine(f.at(pa.x, pa.y), f.at(pb.x, pb.y), col, thick);
    }
    for (const auto& r : g.rects) {
        const Point a = to({r.x, r.y}), b = to({r.x + r.w, r.y + r.h});
        dl->AddRect(f.at(a.x, a.y), f.at(b.x, b.y), col, 0, 0, thick);
    }
    for (const auto& poly : g.polygons) {
        if (poly.size() < 2) continue;
        for (size_t i = 0; i < poly.size(); ++i) {
            const Point a = to(poly[i]), b = to(poly[(i + 1) % poly.size()]);
            dl->AddLine(f.at(a.x, a.y), f.at(b.x, b.y), col, thick);
        }
    }
    for (const auto& p : g.points) {
        const Point q = to(p);
        dl->AddCircle(f.at(q.x, q.y), 3.5f * thick, col, 12, thick);
    }
    for (const auto& [y0, y1] : g.hbands) {
        const Point a = to({0, y0}), b = to({f.w, y1});
        dl->AddRect(f.at(0, a.y), f.at(f.w, b.y), col, 0, 0, thick);
    }
}

// The tint a focused check's pixel map is drawn with (the map texture is white, its values as
// alpha): the verdict's colour, at most half opaque so the photo under it stays readable.
ImU32 map_tint(review::Verdict verdict) {
    ImVec4 c = ImGui::ColorConvertU32ToFloat4(verdict_colour(verdict));
    c.w = 0.55f;
    return ImGui::ColorConvertFloat4ToU32(c);
}

void placeholder(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const char* text) {
    dl->AddRectFilled(p0, p1, IM_COL32(38, 39, 43, 255), 6);
    const ImVec2 ts = ImGui::CalcTextSize(text, nullptr, false, p1.x - p0.x - 20);
    dl->AddText(ImGui::GetFont(), ImGui::GetFontSize(), {(p0.x + p1.x - ts.x) / 2, (p0.y + p1.y - ts.y) / 2},
                colour::dim, text, nullptr, p1.x - p0.x - 20);
}

// No spec photo could be made: a card that says so in the warning colour, why (the engine's
// refusal in the reviewer's language), and what to do: the reasons already ticked for it and
// the key that rejects with them, or the key that opens the reasons when none was.
void refusal_card(ViewContext& v, ImDrawList* dl, ImVec2 p0, ImVec2 p1, const review::Slot& slot) {
    dl->AddRectFilled(p0, p1, IM_COL32(38, 39, 43, 255), 6);
    // The card spans the pane less half a pad each side; its text, a pad inside the card.
    const float pad = 18 * v.scale, wrap = p1.x - p0.x - 3 * pad;
    std::string ticked;
    for (const auto& code : slot.ticked)
        ticked += (ticked.empty() ? "" : v.tr("review.list_separator")) + std::string(v.tr("reason.", code));
    const std::string title = v.tr("review.no_spec_photo");
    const std::string why = review::spec_refusal_text(slot.item, v.session.strings());
    const std::string todo =
        ticked.empty() ? v.text.pattern(v.tr("review.no_spec_photo_pick"), v.keymap.label(review::Command::reasons))
                       : v.text.pattern(v.tr("review.no_spec_photo_ticked"), ticked, v.keymap.label(review::Command::reject));
    ImFont* font = ImGui::GetFont();
    const float fs = ImGui::GetFontSize(), gap = 0.6f * fs;
    const auto height = [&](const std::string& t) { return font->CalcTextSizeA(fs, FLT_MAX, wrap, t.c_str()).y; };
    const float h = fs + gap + height(why) + gap + height(todo);
    // The card sits in the upper third of the pane, with a warning-coloured bar on its left.
    const ImVec2 c0{p0.x + pad / 2, p0.y + (p1.y - p0.y) * 0.3f - h / 2 - pad};
    const ImVec2 c1{p1.x - pad / 2, c0.y + h + 2 * pad};
    dl->AddRectFilled(c0, c1, IM_COL32(58, 48, 30, 255), 6);
    dl->AddRectFilled(c0, {c0.x + 4 * v.scale, c1.y}, colour::warn, 6, ImDrawFlags_RoundCornersLeft);
    float y = c0.y + pad;
    const float x = c0.x + pad;
    dl->AddText(font, fs, {x, y}, colour::warn, title.c_str());
    y += fs + gap;
    dl->AddText(font, fs, {x, y}, colour::text, why.c_str(), nullptr, wrap);
    y += height(why) + gap;
    dl->AddText(font, fs, {x, y}, ticked.empty() ? colour::dim : colour::accent, todo.c_str(), nullptr, wrap);
    std::string codes;
    for (const auto& code : slot.ticked) codes += (codes.empty() ? "" : ",") + code;
    v.mark("refusal:" + slot.item.spec_error_kind + ":" + codes, c0, c1);
}

// The largest 3:4 (or `aspect`) rectangle centred in pos/size, with a margin.
std::pair<ImVec2, ImVec2> fit(ImVec2 pos, ImVec2 size, double aspect, float margin) {
    float w = size.x - 2 * margin, h = size.y - 2 * margin;
    if (w / h > aspect) w = float(h * aspect);
    else h = float(w / aspect);
    const ImVec2 p0{pos.x + (size.x - w) / 2, pos.y + (size.y - h) / 2};
    return {p0, {p0.x + w, p0.y + h}};
}

}  // namespace

void draw_standardized(ViewContext& v, ImVec2 pos, ImVec2 size) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const review::Slot* slot = v.session.current();
    const auto& view = v.session.view();
    const double out_w = v.spec.width > 0 ? v.spec.width : 480, out_h = v.spec.height > 0 ? v.spec.height : 640;
    auto [q0, q1] = fit(pos, size, out_w / out_h, 8 * v.scale);
    if (!slot) {
        const char* msg = v.session.queue_empty() ? v.tr("review.queue_empty") : v.tr("review.waiting");
        return placeholder(dl, q0, q1, msg);
    }
    const ReviewItem& it = slot->item;
    // Zoom about the centre, then pan.
    const ImVec2 c{(q0.x + q1.x) / 2 + float(view.pan_x), (q0.y + q1.y) / 2 + float(view.pan_y)};
    const float half_w = (q1.x - q0.x) / 2 * float(view.zoom), half_h = (q1.y - q0.y) / 2 * float(view.zoom);
    Frame f{{c.x - half_w, c.y - half_h}, {c.x + half_w, c.y + half_h}, out_w, out_h};

    auto std_tex = v.gfx.texture(it.standardized);
    auto orig_tex = v.gfx.texture(it.original);
    const review::ImageEntry* orig_img = v.session.image(it.original);
    const bool has_window = it.crop.present && it.crop.window_w > 0 && orig_img && orig_img->full_width > 0;
    dl->PushClipRect(pos, {pos.x + size.x, pos.y + size.y}, true);
    if (!std_tex && !(orig_tex && has_window && it.standardized.empty())) {
        const review::ImageEntry* e = v.session.image(it.standardized);
        if (it.standardized.empty()) refusal_card(v, dl, q0, q1, *slot);
        else placeholder(dl, q0, q1, e && e->state == review::ImageState::failed
                                         ? v.text.pattern(v.tr("review.image_failed"), e->message)
                                         : v.tr("review.loading"));
        dl->PopClipRect();
        return;
    }
    PhotoParams p;
    p.standardized = std_tex ? std_tex->id : nullptr;
    p.original = orig_tex && has_window ? orig_tex->id : nullptr;
    const bool recrop = v.session.recrop().active;
    p.mode = recrop || view.show_original ? 1 : view.wipe ? 2 : 0;
    p.wipe_x = float(view.wipe_pos);
    if (has_window) {
        const review::CropWindow w = window_of(v, it);
        const double fw = orig_img->full_width, fh = orig_img->full_height;
        p.window = {float(w.x / fw), float(w.y / fh), float(w.width / fw), float(w.width * out_h / out_w / fh)};
    }
    p.out_size = {float(out_w), float(out_h)};
    p.px_per_screen = 1.f / std::max(0.01f, f.px());
    p.overlays = view.overlays;
    p.crown_band = {float(v.spec.crown_y.min), float(v.spec.crown_y.max)};
    p.eye_band = {float(v.spec.eye_y.min), float(v.spec.eye_y.max)};
    p.crown_colour = verdict_colour_vec(recrop ? nullptr : it.find_check("crown_position"));
    p.eye_colour = verdict_colour_vec(recrop ? nullptr : it.find_check("eye_position"));
    p.face_colour = verdict_colour_vec(recrop ? nullptr : it.find_check("face_width"));
    p.centre_colour = verdict_colour_vec(recrop ? nullptr : it.find_check("centring"));
    const float cx = float(out_w / 2);
    p.centre_x = cx;
    p.face_limits = {cx - float(v.spec.face_width.max / 2), cx - float(v.spec.face_width.min / 2),
                     cx + float(v.spec.face_width.min / 2), cx + float(v.spec.face_width.max / 2)};
    const float eye = it.crop.present ? float(it.crop.eye_y) : float(v.spec.eye_y.mid());
    p.face_span = {eye - 60.f, eye + 60.f};
    p.measured = it.crop.present && !recrop ? ImVec2{float(it.crop.crown_y), float(it.crop.eye_y)} : ImVec2{-1, -1};
    p.false_colour = view.false_colour;
    p.background = {v.spec.background.r / 255.f, v.spec.background.g / 255.f, v.spec.background.b / 255.f, 1};
    v.gfx.draw_photo(dl, f.p0, f.p1, p);
    v.mark("standardized", f.p0, f.p1);
    v.mark("crown_band", f.at(0, p.crown_band.x), f.at(out_w, p.crown_band.y));
    v.mark("eye_band", f.at(0, p.eye_band.x), f.at(out_w, p.eye_band.y));

    const review::CropWindow win = window_of(v, it);
    auto from_working = [&](Point q) { return working_to_output(it, win, out_w, q); };
    const float t = std::max(1.f, v.scale * 1.5f);
    // Landmarks: small dots, through the window (so they follow a re-crop).
    if (view.overlays && view.landmarks && has_window)
        for (const auto& lm : it.landmarks) {
            const Point q = from_working(lm);
            dl->AddCircleFilled(f.at(q.x, q.y), 1.8f * v.scale, IM_COL32(120, 255, 200, 200), 8);
        }
    // The eye line with its tilt.
    const Check* tilt = it.find_check("eye_tilt");
    if (view.overlays && tilt && !recrop && p.mode != 1 && !tilt->geometry.lines.empty()) {
        const auto& [a, b] = tilt->geometry.lines.front();
        const ImU32 col = verdict_colour(tilt->verdict);
        dl->AddLine(f.at(a.x, a.y), f.at(b.x, b.y), col, t);
        const ImVec2 tip = f.at(b.x, b.y);
        const char* label = v.text("{:.1f}°", tilt->value);
        dl->AddRectFilled({tip.x + 6, tip.y - 10 * v.scale}, {tip.x + 10 + ImGui::CalcTextSize(label).x, tip.y + 10 * v.scale},
                          IM_COL32(0, 0, 0, 150), 3);
        dl->AddText({tip.x + 8, tip.y - 9 * v.scale}, col, label);
    }
    // The focused badge's geometry, thick, over the pixels it counted.
    if (view.focused_check >= 0 && view.focused_check < int(it.checks.size()) && !recrop) {
        const Check& c = it.checks[size_t(view.focused_check)];
        const ImU32 col = verdict_colour(c.verdict);
        const auto map = view.overlays ? v.gfx.map_texture(c.geometry.map) : std::nullopt;
        if (map && c.geometry.space == Space::standardized && p.mode != 1) {
            dl->AddImage(map->id, f.p0, f.p1, {0, 0}, {1, 1}, map_tint(c.verdict));
            v.mark("check_map", f.p0, f.p1);
        } else if (map && c.geometry.space == Space::working && has_window && it.working_width > 0) {
            const double ww = it.working_width, wh = it.working_height;
            const Point a = from_working({0, 0}), b = from_working({ww, 0}), d = from_working({ww, wh}),
                        e = from_working({0, wh});
            // Through the crop window, cut to the spec photo (the rest of the source is not in it).
            dl->PushClipRect(f.p0, f.p1, true);
            dl->AddImageQuad(map->id, f.at(a.x, a.y), f.at(b.x, b.y), f.at(d.x, d.y), f.at(e.x, e.y), {0, 0}, {1, 0},
                             {1, 1}, {0, 1}, map_tint(c.verdict));
            dl->PopClipRect();
            v.mark("check_map", f.at(a.x, a.y), f.at(d.x, d.y));
        }
        if (c.geometry.space == Space::standardized) draw_geometry(dl, c.geometry, f, [](Point q) { return q; }, col, 2 * t);
        else if (has_window) draw_geometry(dl, c.geometry, f, from_working, col, 2 * t);
    }
    // What the reviewer is looking at, when it is not the standardized photo.
    const char* mode_label = recrop ? v.tr("review.recrop_preview")
                             : view.show_original ? v.tr("review.showing_original")
                             : view.wipe ? v.tr("review.wipe") : nullptr;
    if (mode_label) {
        const ImVec2 ts = ImGui::CalcTextSize(mode_label);
        dl->AddRectFilled({q0.x + 6, q0.y + 6}, {q0.x + 18 + ts.x, q0.y + 12 + ts.y}, IM_COL32(0, 0, 0, 170), 4);
        dl->AddText({q0.x + 12, q0.y + 9}, recrop ? colour::recrop : colour::text, mode_label);
    }
    dl->PopClipRect();

    // The wipe follows the mouse while the button is held over the photo.
    if (view.wipe && ImGui::IsMouseHoveringRect(f.p0, f.p1) && ImGui::IsMouseDown(0))
        v.session.set_wipe_pos((ImGui::GetIO().MousePos.x - f.p0.x) / std::max(1.f, f.p1.x - f.p0.x));
}

void draw_original(ViewContext& v, ImVec2 pos, ImVec2 size) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const review::Slot* slot = v.session.current();
    if (!slot) return;
    const ReviewItem& it = slot->item;
    auto tex = v.gfx.texture(it.original);
    const review::ImageEntry* img = v.session.image(it.original);
    const float label_h = ImGui::GetTextLineHeightWithSpacing();
    dl->AddText({pos.x + 8 * v.scale, pos.y + 4}, colour::dim, v.tr("review.original"));
    const ImVec2 area{pos.x, pos.y + label_h}, area_size{size.x, size.y - label_h};
    if (!tex || !img) {
        const char* msg = img && img->state == review::ImageState::failed
                              ? v.text.pattern(v.tr("review.image_failed"), img->message)
                              : v.tr("review.loading");
        auto [a, b] = fit(area, area_size, 3.0 / 4.0, 8 * v.scale);
        return placeholder(dl, a, b, msg);
    }
    auto [p0, p1] = fit(area, area_size, double(tex->width) / tex->height, 8 * v.scale);
    dl->AddImage(tex->id, p0, p1);
    v.mark("original", p0, p1);
    const double fw = img->full_width > 0 ? img->full_width : tex->width;
    const double fh = img->full_height > 0 ? img->full_height : tex->height;
    const Frame f{p0, p1, fw, fh};   // upright original px
    const float t = std::max(1.f, v.scale * 1.5f);
    dl->PushClipRect(p0, p1, true);
    // A crop window's corners on screen: it has the spec photo's shape.
    auto window_corners = [&](const review::CropWindow& w) {
        const double h = w.width * (v.spec.height > 0 ? double(v.spec.height) / v.spec.width : 4.0 / 3.0);
        return std::pair{f.at(w.x, w.y), f.at(w.x + w.width, w.y + h)};
    };
    auto window_rect = [&](const review::CropWindow& w, ImU32 col, float thick) {
        const auto [a, b] = window_corners(w);
        dl->AddRect(a, b, col, 0, 0, thick);
    };
    const bool cropped = it.crop.present && it.crop.window_w > 0;
    const review::CropWindow crop_window{it.crop.window_x, it.crop.window_y, it.crop.window_w};
    if (cropped) window_rect(crop_window, colour::crop, t);
    if (v.session.recrop().active) window_rect(v.session.recrop().window, colour::recrop, 2 * t);
    const auto& view = v.session.view();
    if (view.focused_check >= 0 && view.focused_check < int(it.checks.size())) {
        const Check& c = it.checks[size_t(view.focused_check)];
        // Its pixel map: a working-space map covers the whole original; a standardized one, the
        // crop window it was made from.
        if (const auto map = view.overlays ? v.gfx.map_texture(c.geometry.map) : std::nullopt) {
            if (c.geometry.space == Space::working) {
                dl->AddImage(map->id, p0, p1, {0, 0}, {1, 1}, map_tint(c.verdict));
                v.mark("original_check_map", p0, p1);
            } else if (cropped) {
                const auto [a, b] = window_corners(crop_window);
                dl->AddImage(map->id, a, b, {0, 0}, {1, 1}, map_tint(c.verdict));
                v.mark("original_check_map", a, b);
            }
        }
        if (c.geometry.space == Space::working)
            draw_geometry(dl, c.geometry, f, [&](Point q) { return Point{q.x / it.per_original, q.y / it.per_original}; },
                          verdict_colour(c.verdict), 2 * t);
    }
    dl->PopClipRect();
}

}  // namespace pd::workstation
