// EXIF via libexif: orientation, camera and lens, capture time, focal length, resolution.
// Input is either a JPEG APP1 payload ("Exif\0\0" + TIFF) or a bare TIFF block (HEIF, WebP,
// PNG eXIf). Damaged EXIF never fails a decode: whatever libexif cannot read is left empty.
#include <libexif/exif-data.h>
#include <libexif/exif-utils.h>

#include <cstring>
#include <memory>
#include <vector>

#include "engine/decode/decode.h"

namespace pd::engine {

namespace {

struct ExifDataDeleter {
    void operator()(ExifData* d) const { exif_data_unref(d); }
};

ExifEntry* find(ExifData* ed, ExifIfd preferred, ExifTag tag) {
    if (ExifEntry* e = exif_content_get_entry(ed->ifd[preferred], tag)) return e;
    // Some writers put tags in the wrong IFD; the thumbnail IFD1 is never a fallback.
    for (ExifIfd ifd : {EXIF_IFD_0, EXIF_IFD_EXIF}) {
        if (ifd == preferred) continue;
        if (ExifEntry* e = exif_content_get_entry(ed->ifd[ifd], tag)) return e;
    }
    return nullptr;
}

std::string ascii(ExifData* ed, ExifIfd ifd, ExifTag tag) {
    ExifEntry* e = find(ed, ifd, tag);
    if (!e || !e->data || e->size == 0) return {};
    if (e->format != EXIF_FORMAT_ASCII && e->format != EXIF_FORMAT_UNDEFINED) return {};
    std::string s(reinterpret_cast<const char*>(e->data), e->size);
    if (auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    std::size_t lead = 0;
    while (lead < s.size() && s[lead] == ' ') ++lead;
    return s.substr(lead);
}

std::optional<long> integer(ExifData* ed, ExifIfd ifd, ExifTag tag) {
    ExifEntry* e = find(ed, ifd, tag);
    if (!e || !e->data || e->components < 1) return std::nullopt;
    const ExifByteOrder bo = exif_data_get_byte_order(ed);
    switch (e->format) {
        case EXIF_FORMAT_SHORT:
            if (e->size < 2) return std::nullopt;
            return exif_get_short(e->data, bo);
        case EXIF_FORMAT_LONG:
            if (e->size < 4) return std::nullopt;
            return static_cast<long>(exif_get_long(e->data, bo));
        case EXIF_FORMAT_BYTE:
            if (e->size < 1) return std::nullopt;
            return e->data[0];
        default: return std::nullopt;
    }
}

std::optional<double> rational(ExifData* ed, ExifIfd ifd, ExifTag tag) {
    ExifEntry* e = find(ed, ifd, tag);
    if (!e || !e->data || e->components < 1) return std::nullopt;
    const ExifByteOrder bo = exif_data_get_byte_order(ed);
    if (e->format == EXIF_FORMAT_RATIONAL && e->size >= 8) {
        const ExifRational r = exif_get_rational(e->data, bo);
        if (r.denominator == 0) return std::nullopt;
        return double(r.numerator) / double(r.denominator);
    }
    if (e->format == EXIF_FORMAT_SRATIONAL && e->size >= 8) {
        const ExifSRational r = exif_get_srational(e->data, bo);
        if (r.denominator == 0) return std::nullopt;
        return double(r.numerator) / double(r.denominator);
    }
    if (auto v = integer(ed, ifd, tag)) return double(*v);
    return std::nullopt;
}

bool is_tiff_header(std::span<const std::uint8_t> d) {
    return d.size() >= 4 && ((d[0] == 'I' && d[1] == 'I' && d[2] == 0x2a && d[3] == 0) ||
                             (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && d[3] == 0x2a));
}

}  // namespace

namespace detail {

ExifParse parse_exif_full(std::span<const std::uint8_t> data) {
    ExifParse out;
    static constexpr std::uint8_t kHeader[6] = {'E', 'x', 'i', 'f', 0, 0};
    std::vector<std::uint8_t> buf;
    std::span<const std::uint8_t> in = data;
    if (data.size() >= 6 && std::memcmp(data.data(), kHeader, 6) == 0) {
        if (!is_tiff_header(data.subspan(6))) return out;
    } else if (is_tiff_header(data)) {
        // libexif wants the "Exif\0\0" prefix in front of a bare TIFF block.
        buf.reserve(data.size() + 6);
        buf.assign(kHeader, kHeader + 6);
        buf.insert(buf.end(), data.begin(), data.end());
        in = buf;
    } else {
        return out;
    }
    // libexif takes an unsigned int size; EXIF is at most 64 KB in JPEG, refuse silly sizes.
    if (in.size() > (64u << 20)) return out;

    std::unique_ptr<ExifData, ExifDataDeleter> ed(exif_data_new());
    if (!ed) return out;
    // Read only: do not let libexif "fix" the data or add mandatory tags.
    exif_data_unset_option(ed.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(ed.get(), in.data(), static_cast<unsigned int>(in.size()));

    bool any = false;
    for (int i = 0; i < EXIF_IFD_COUNT; ++i)
        if (ed->ifd[i] && ed->ifd[i]->count > 0) any = true;
    if (!any) return out;

    ExifInfo& x = out.info;
    x.present = true;
    ExifData* d = ed.get();
    if (auto o = integer(d, EXIF_IFD_0, EXIF_TAG_ORIENTATION); o && *o >= 1 && *o <= 8)
        x.orientation = static_cast<int>(*o);
    x.make = ascii(d, EXIF_IFD_0, EXIF_TAG_MAKE);
    x.model = ascii(d, EXIF_IFD_0, EXIF_TAG_MODEL);
    x.software = ascii(d, EXIF_IFD_0, EXIF_TAG_SOFTWARE);
    x.lens_model = ascii(d, EXIF_IFD_EXIF, EXIF_TAG_LENS_MODEL);
    x.datetime_original = ascii(d, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL);
    if (auto f = rational(d, EXIF_IFD_EXIF, EXIF_TAG_FOCAL_LENGTH); f && *f > 0 && *f < 1e5)
        x.focal_length_mm = *f;
    if (auto f = integer(d, EXIF_IFD_EXIF, EXIF_TAG_FOCAL_LENGTH_IN_35MM_FILM); f && *f > 0)
        x.focal_length_35mm = double(*f);

    // Resolution from IFD0 only (IFD1 describes the thumbnail). Unit 2 = inch, 3 = cm.
    auto xr = rational(d, EXIF_IFD_0, EXIF_TAG_X_RESOLUTION);
    auto yr = rational(d, EXIF_IFD_0, EXIF_TAG_Y_RESOLUTION);
    const long unit = integer(d, EXIF_IFD_0, EXIF_TAG_RESOLUTION_UNIT).value_or(2);
    const double k = unit == 3 ? 2.54 : unit == 2 ? 1.0 : 0.0;
    if (k > 0 && xr && *xr > 0 && *xr < 1e6) out.dpi_x = round_dpi(*xr * k);
    if (k > 0 && yr && *yr > 0 && *yr < 1e6) out.dpi_y = round_dpi(*yr * k);
    return out;
}

}  // namespace detail

ExifInfo parse_exif(std::span<const std::uint8_t> data) { return detail::parse_exif_full(data).info; }

}  // namespace pd::engine
