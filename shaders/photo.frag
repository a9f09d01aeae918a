// The standardized photo with its overlays, drawn per pixel:
//   - the spec bands of the head (crown, eye line) as tinted bands with solid edges, the face
//     width limits and the centre line, each coloured by the verdict of its check;
//   - the measured crown and eye lines (white, dashed);
//   - the original seen through the crop window (Space held), or a wipe between the two;
//   - false colour: clipped highlights/shadows (zebra), or the distance of each pixel from the
//     spec background colour (heat).
// Coordinates: Frag_UV spans the 480x640 output; "px" below are output pixels.
//
// Variants: the program is compiled three times with WITH_ORIGINAL / FALSE_COLOUR defined or
// not (gl/photo_program.cpp inserts them after the version line). A software renderer (llvmpipe: CI,
// machines without a GPU) executes both sides of a branch, so code that is off must not be in
// the program at all: the plain variant does one texture fetch and the band arithmetic.
#version 330 core
#ifndef WITH_ORIGINAL
#define WITH_ORIGINAL 0
#endif
#ifndef FALSE_COLOUR
#define FALSE_COLOUR 0
#endif
in vec2 Frag_UV;
in vec4 Frag_Color;
out vec4 Out_Color;

uniform sampler2D Texture;        // unit 0: the standardized photo
uniform sampler2D Original;       // unit 1: the upright original
uniform vec2  OutSize;            // 480, 640
uniform float PxPerScreen;        // output px per screen px (line widths stay 1-2 screen px)
uniform int   HasStandardized;    // 0: only the original through the window can be shown
uniform int   Mode;               // 0 standardized, 1 original through the window, 2 wipe
uniform float WipeX;              // 0..1: left of it the original, right the standardized
uniform vec4  Window;             // the crop window in original UV: x, y, w, h
uniform int   Overlays;           // draw the bands
uniform vec2  CrownBand;          // px from the top: min, max
uniform vec4  CrownColour;
uniform vec2  EyeBand;
uniform vec4  EyeColour;
uniform vec4  FaceLimits;         // x of: centre - max/2, centre - min/2, centre + min/2, centre + max/2
uniform vec4  FaceColour;
uniform vec2  FaceSpan;           // y range the face-width limits are drawn over
uniform float CentreX;
uniform vec4  CentreColour;
uniform vec2  Measured;           // measured crown y, eye y (negative: unknown)
uniform int   FalseColour;        // 0 off, 1 clipping, 2 background deviation
uniform vec3  Background;         // the spec background colour, 0..1

#if WITH_ORIGINAL
vec4 original_at(vec2 uv) {
    vec2 o = Window.xy + uv * Window.zw;
    if (o.x < 0.0 || o.y < 0.0 || o.x > 1.0 || o.y > 1.0) return vec4(0.16, 0.16, 0.18, 1.0);
    return texture(Original, o);
}
#endif

// Axis-aligned lines need no anti-aliasing: a pixel is on the line or not. `hw` is the
// half-width in output px. (step, not smoothstep: llvmpipe, the software renderer of CI and of
// machines without a GPU, pays for every instruction of every pixel.)
float on_line(float d, float hw) { return step(abs(d), hw); }

float dashed(float along, float period) { return step(0.5, fract(along / period)); }

void main() {
    vec2 uv = Frag_UV;
    vec2 px = uv * OutSize;
#if WITH_ORIGINAL
    bool show_original = HasStandardized == 0 || Mode == 1 || (Mode == 2 && uv.x < WipeX);
    vec4 photo = show_original ? original_at(uv) : texture(Texture, uv);
    float wipe_edge = Mode == 2 ? on_line((uv.x - WipeX) * OutSize.x, 1.0 * PxPerScreen) : 0.0;
#else
    vec4 photo = texture(Texture, uv);
    float wipe_edge = 0.0;
#endif
    vec3 c = photo.rgb;

#if FALSE_COLOUR
    if (FalseColour == 1) {
        float hi = step(0.98, min(c.r, min(c.g, c.b)));
        float lo = step(max(c.r, max(c.g, c.b)), 0.02);
        float zebra = step(0.5, fract((px.x + px.y) / (8.0 * PxPerScreen)));
        c = mix(c, vec3(1.0, 0.15, 0.1), hi * zebra);
        c = mix(c, vec3(0.1, 0.35, 1.0), lo * zebra);
    } else {
        float d = clamp(distance(c, Background) * 3.0, 0.0, 1.0);
        vec3 heat = d < 0.5 ? mix(vec3(0.05, 0.1, 0.35), vec3(0.9, 0.8, 0.1), d * 2.0)
                            : mix(vec3(0.9, 0.8, 0.1), vec3(0.9, 0.1, 0.05), d * 2.0 - 1.0);
        c = mix(c * 0.35, heat, 0.85);
    }
#endif

    if (Overlays == 1) {
        // Most pixels are far from every line: each test below skips its work for a whole
        // block of pixels at once on a software renderer (llvmpipe runs branches per block).
        float hw = 0.75 * PxPerScreen;
        float y = px.y;
        if (y >= CrownBand.x - hw && y <= CrownBand.y + hw) {
            c = mix(c, CrownColour.rgb, 0.10);
            float edge = max(on_line(y - CrownBand.x, hw), on_line(y - CrownBand.y, hw));
            c = mix(c, CrownColour.rgb, edge * CrownColour.a);
        }
        if (y >= EyeBand.x - hw && y <= EyeBand.y + hw) {
            c = mix(c, EyeColour.rgb, 0.10);
            float edge = max(on_line(y - EyeBand.x, hw), on_line(y - EyeBand.y, hw));
            c = mix(c, EyeColour.rgb, edge * EyeColour.a);
        }
        // Face width: inner (min) limits solid, outer (max) limits dashed, over the face's span.
        if (y >= FaceSpan.x && y <= FaceSpan.y) {
            vec4 dx = abs(vec4(px.x) - FaceLimits);
            float inner = step(min(dx.y, dx.z), hw);
            float outer = step(min(dx.x, dx.w), hw) * dashed(y, 8.0);
            c = mix(c, FaceColour.rgb, max(inner, outer) * FaceColour.a);
        }
        // The centre line, dashed.
        if (abs(px.x - CentreX) <= hw)
            c = mix(c, CentreColour.rgb, dashed(y, 12.0) * CentreColour.a * 0.8);
        // The measured crown and eye lines: white, finely dashed.
        if (min(abs(y - Measured.x), abs(y - Measured.y)) <= hw)
            c = mix(c, vec3(1.0), dashed(px.x, 6.0) * 0.9);
    }
#if WITH_ORIGINAL
    c = mix(c, vec3(1.0, 0.85, 0.2), wipe_edge);
#endif
    Out_Color = vec4(c, 1.0) * Frag_Color;
}
