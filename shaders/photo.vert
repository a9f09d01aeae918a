// The photo views' vertex shader: ImGui's own vertex layout (Position, UV, Color) and
// projection, so a photo is one ImGui image quad drawn with photo.frag bound by a draw-list
// callback (src/workstation/gl/photo_program.cpp).
#version 330 core
uniform mat4 ProjMtx;
in vec2 Position;
in vec2 UV;
in vec4 Color;
out vec2 Frag_UV;
out vec4 Frag_Color;
void main() {
    Frag_UV = UV;
    Frag_Color = Color;
    gl_Position = ProjMtx * vec4(Position.xy, 0.0, 1.0);
}
