#include "workstation/fonts.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <iconv.h>

#include <chrono>
#include <fstream>

namespace pd::workstation {

namespace {

// Symbols the views draw from code (badges, arrows, separators), beyond the catalogs' text.
constexpr char32_t kSymbols[] = {U'✓', U'×', U'·', U'●', U'⚠', U'…', U'°', U'−', U'←', U'→', U'↑', U'↓', U'▶', U'—'};

}  // namespace

std::u32string gb2312_hanzi() {
    // Every character of GB 2312's two hanzi levels (rows 0xB0-0xF7 in EUC-CN), decoded by
    // glibc's converter (part of libc6). Empty when the converter is unavailable.
    std::u32string out;
    iconv_t cd = ::iconv_open("UTF-32LE", "EUC-CN");
    if (cd == iconv_t(-1)) return out;
    for (int row = 0xB0; row <= 0xF7; ++row)
        for (int col = 0xA1; col <= 0xFE; ++col) {
            char in[2] = {char(row), char(col)};
            char32_t cp = 0;
            char* ip = in;
            char* op = reinterpret_cast<char*>(&cp);
            size_t il = 2, ol = sizeof cp;
            if (::iconv(cd, &ip, &il, &op, &ol) != size_t(-1) && cp >= 0x4E00) out.push_back(cp);
        }
    ::iconv_close(cd);
    return out;
}

FontManager::~FontManager() {
    if (pending_.valid()) pending_.wait();
}

Result<std::unique_ptr<FontManager>> FontManager::create(const FontOptions& options, const std::u32string& text) {
    std::ifstream in(options.path, std::ios::binary);
    if (!in)
        return make_error(ErrorCode::NotFound,
                          "font " + options.path + " not found (install Debian's fonts-noto-cjk)");
    auto data = std::make_shared<std::vector<unsigned char>>((std::istreambuf_iterator<char>(in)),
                                                             std::istreambuf_iterator<char>());
    if (data->size() < 1024) return make_error(ErrorCode::Corrupt, "font " + options.path + " is empty or truncated");
    std::unique_ptr<FontManager> m(new FontManager());
    m->options_ = options;
    m->data_ = data;
    for (char32_t c : kSymbols) m->wanted_.insert(c);
    for (char32_t c : text) m->wanted_.insert(c);
    m->current_ = build(data, options, m->wanted_);
    if (!m->current_ || !m->current_->regular)
        return make_error(ErrorCode::Corrupt, "font " + options.path + ": ImGui could not build an atlas from face " +
                                                  std::to_string(options.face));
    m->builds_ = 1;
    for (char32_t c : m->wanted_)
        if (c > 0xFFFF) m->unrenderable_.insert(c);
    m->want(gb2312_hanzi());   // the base set, built in the background
    return m;
}

std::unique_ptr<FontManager::Built> FontManager::build(std::shared_ptr<std::vector<unsigned char>> data,
                                                       FontOptions o, std::set<char32_t> chars) {
    auto b = std::make_unique<Built>();
    b->atlas = std::make_unique<ImFontAtlas>();
    b->chars = std::move(chars);
    ImFontAtlas& a = *b->atlas;
    {
        ImFontGlyphRangesBuilder rb;
        rb.AddRanges(a.GetGlyphRangesDefault());
        rb.AddRanges(a.GetGlyphRangesChineseSimplifiedCommon());
        for (char32_t c : b->chars)
            if (c <= 0xFFFF) rb.AddChar(ImWchar(c));
        rb.BuildRanges(&b->ranges);
    }
    {
        // The large font shows names: the same characters but ImGui's common set, which the
        // regular font needs for the catalogs' text before the base set arrives.
        ImFontGlyphRangesBuilder rb;
        rb.AddRanges(a.GetGlyphRangesDefault());
        for (char32_t c : b->chars)
            if (c <= 0xFFFF) rb.AddChar(ImWchar(c));
        rb.BuildRanges(&b->large_ranges);
    }
    ImFontConfig cfg;
    cfg.FontDataOwnedByAtlas = false;   // data_ outlives every atlas
    cfg.FontNo = o.face;
    cfg.OversampleH = 1;   // CJK glyphs need no horizontal oversampling; it would double the atlas
    cfg.OversampleV = 1;
    b->regular = a.AddFontFromMemoryTTF(data->data(), int(data->size()), o.size, &cfg, b->ranges.Data);
    b->large = a.AddFontFromMemoryTTF(data->data(), int(data->size()), o.large_size, &cfg, b->large_ranges.Data);
    a.TexDesiredWidth = 4096;
    if (!a.Build()) return nullptr;
    // Convert to RGBA here, off the UI thread (the backend uploads RGBA).
    unsigned char* px = nullptr;
    int w = 0, h = 0;
    a.GetTexDataAsRGBA32(&px, &w, &h);
    return b;
}

std::unique_ptr<FontManager::Built> FontManager::build_in_background(std::shared_ptr<std::vector<unsigned char>> data,
                                                                     FontOptions options, std::set<char32_t> chars) {
    // A new atlas is wanted soon, not now: it yields the cores to the frames being drawn.
    ::setpriority(PRIO_PROCESS, pid_t(::syscall(SYS_gettid)), 10);
    return build(std::move(data), std::move(options), std::move(chars));
}

void FontManager::want(const std::u32string& chars) {
    bool missing = false;
    for (char32_t c : chars) {
        if (!wanted_.insert(c).second) continue;
        if (c > 0xFFFF) {
            unrenderable_.insert(c);
            continue;
        }
        missing = missing || !has_glyph(c);
    }
    if (!missing || pending_.valid()) return;   // a build under way picks the rest up next time
    pending_ = std::async(std::launch::async, &FontManager::build_in_background, data_, options_, wanted_);
}

bool FontManager::swap_if_ready() {
    retired_.reset();   // the previous atlas drew its last frame before this one
    if (!pending_.valid() || pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    auto b = pending_.get();
    if (!b) return false;
    ++builds_;
    retired_ = std::move(current_);
    current_ = std::move(b);
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts = current_->atlas.get();
    io.FontDefault = current_->regular;
    // Characters wanted while this build ran: another round.
    for (char32_t c : wanted_)
        if (c <= 0xFFFF && !current_->chars.count(c)) {
            pending_ = std::async(std::launch::async, &FontManager::build_in_background, data_, options_, wanted_);
            break;
        }
    return true;
}

bool FontManager::has_glyph(char32_t c) const {
    if (c > 0xFFFF) return false;
    return current_->regular->FindGlyphNoFallback(ImWchar(c)) != nullptr;
}

}  // namespace pd::workstation
