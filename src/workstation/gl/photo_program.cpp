#include "workstation/gl/photo_program.h"

#include <GL/gl.h>
#include <GL/glext.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace pd::workstation {

namespace {

Result<std::string> read_all(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error(ErrorCode::NotFound, "shader " + path + " not found");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string shader_log(unsigned obj, bool program) {
    GLint len = 0;
    if (program) glGetProgramiv(obj, GL_INFO_LOG_LENGTH, &len);
    else glGetShaderiv(obj, GL_INFO_LOG_LENGTH, &len);
    std::string log(size_t(std::max(len, 1)), '\0');
    if (program) glGetProgramInfoLog(obj, len, nullptr, log.data());
    else glGetShaderInfoLog(obj, len, nullptr, log.data());
    return log;
}

unsigned compile(GLenum kind, const std::string& src, std::string& error) {
    const unsigned s = glCreateShader(kind);
    const char* text = src.c_str();
    glShaderSource(s, 1, &text, nullptr);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        error = std::string(kind == GL_VERTEX_SHADER ? "photo.vert" : "photo.frag") + ": " + shader_log(s, false);
        glDeleteShader(s);
        return 0;
    }
    return s;
}

void set4(unsigned prog, const char* name, const ImVec4& v) { glUniform4f(glGetUniformLocation(prog, name), v.x, v.y, v.z, v.w); }
void set2(unsigned prog, const char* name, const ImVec2& v) { glUniform2f(glGetUniformLocation(prog, name), v.x, v.y); }
void set1(unsigned prog, const char* name, float v) { glUniform1f(glGetUniformLocation(prog, name), v); }
void seti(unsigned prog, const char* name, int v) { glUniform1i(glGetUniformLocation(prog, name), v); }

}  // namespace

Result<PhotoProgram*> PhotoProgram::create(const std::string& dir) {
    auto v = read_all(dir + "/photo.vert");
    if (!v) return v.error();
    auto f = read_all(dir + "/photo.frag");
    if (!f) return f.error();
    auto* p = new PhotoProgram();
    p->vert_src_ = std::move(v).value();
    p->frag_src_ = std::move(f).value();
    return p;
}

PhotoProgram::~PhotoProgram() {
    for (unsigned p : programs_)
        if (p) glDeleteProgram(p);
}

int PhotoProgram::variant_of(const PhotoParams& p) {
    const bool original = p.original && (p.mode != 0 || !p.standardized);
    return (original ? 1 : 0) | (p.false_colour != 0 ? 2 : 0);
}

bool PhotoProgram::ensure_program(int variant) {
    if (programs_[variant]) return true;
    if (tried_[variant]) return false;
    tried_[variant] = true;
    // The backend's program is current: use its attribute locations for ours.
    GLint backend = 0;
    glGetIntegerv(GL_CURRENT_PROGRAM, &backend);
    const unsigned vs = compile(GL_VERTEX_SHADER, vert_src_, error_);
    if (!vs) return false;
    // The variant's switches go right after the #version line.
    std::string frag = frag_src_;
    const auto line = frag.rfind("\n#version", 0) == 0 ? 0 : frag.find("\n#version");   // a line of its own
    const auto version = line == std::string::npos ? line : line + 1;
    const auto eol = version == std::string::npos ? version : frag.find('\n', version);
    if (version == std::string::npos || eol == std::string::npos) {
        error_ = "photo.frag: no #version line";
        glDeleteShader(vs);
        return false;
    }
    frag.insert(eol + 1, std::string("#define WITH_ORIGINAL ") + ((variant & 1) ? "1" : "0") + "\n#define FALSE_COLOUR " +
                             ((variant & 2) ? "1" : "0") + "\n");
    const unsigned fs = compile(GL_FRAGMENT_SHADER, frag, error_);
    if (!fs) {
        glDeleteShader(vs);
        return false;
    }
    const unsigned prog = glCreateProgram();
    glAttachShader(prog, vs);
    glAttachShader(prog, fs);
    for (const char* attr : {"Position", "UV", "Color"}) {
        const GLint loc = backend ? glGetAttribLocation(unsigned(backend), attr) : -1;
        if (loc >= 0) glBindAttribLocation(prog, unsigned(loc), attr);
    }
    glLinkProgram(prog);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    if (!ok) {
        error_ = "photo shader: " + shader_log(prog, true);
        glDeleteProgram(prog);
        return false;
    }
    programs_[variant] = prog;
    return true;
}

void PhotoProgram::set_uniforms(int variant, const PhotoParams& p) {
    // The projection: copied from the backend's program, which is current right now.
    GLint backend = 0;
    glGetIntegerv(GL_CURRENT_PROGRAM, &backend);
    float proj[16] = {};
    if (backend) glGetUniformfv(unsigned(backend), glGetUniformLocation(unsigned(backend), "ProjMtx"), proj);
    const unsigned g = programs_[variant];
    glUseProgram(g);
    // The photo is opaque: no blending (it would read back every pixel it covers).
    glDisable(GL_BLEND);
    glUniformMatrix4fv(glGetUniformLocation(g, "ProjMtx"), 1, GL_FALSE, proj);
    seti(g, "Texture", 0);
    seti(g, "Original", 1);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, GLuint(reinterpret_cast<intptr_t>(p.original)));
    glActiveTexture(GL_TEXTURE0);
    set2(g, "OutSize", p.out_size);
    set1(g, "PxPerScreen", p.px_per_screen);
    seti(g, "HasStandardized", p.standardized ? 1 : 0);
    seti(g, "Mode", p.original ? p.mode : 0);
    set1(g, "WipeX", p.wipe_x);
    set4(g, "Window", p.window);
    seti(g, "Overlays", p.overlays ? 1 : 0);
    set2(g, "CrownBand", p.crown_band);
    set4(g, "CrownColour", p.crown_colour);
    set2(g, "EyeBand", p.eye_band);
    set4(g, "EyeColour", p.eye_colour);
    set4(g, "FaceLimits", p.face_limits);
    set4(g, "FaceColour", p.face_colour);
    set2(g, "FaceSpan", p.face_span);
    set1(g, "CentreX", p.centre_x);
    set4(g, "CentreColour", p.centre_colour);
    set2(g, "Measured", p.measured);
    seti(g, "FalseColour", p.false_colour);
    glUniform3f(glGetUniformLocation(g, "Background"), p.background.x, p.background.y, p.background.z);
}

void PhotoProgram::callback(const ImDrawList*, const ImDrawCmd* cmd) {
    auto* slot = static_cast<Slot*>(cmd->UserCallbackData);
    PhotoProgram* self = slot->self;
    const int variant = variant_of(slot->params);
    if (!self->ensure_program(variant)) return;   // the quad is drawn by the backend's own shader
    self->set_uniforms(variant, slot->params);
}

void PhotoProgram::draw(ImDrawList* dl, ImVec2 p0, ImVec2 p1, const PhotoParams& params) {
    // The texture on unit 0 is the standardized photo; without one, the original (the shader
    // maps it through the crop window).
    ImTextureID main = params.standardized ? params.standardized : params.original;
    if (!main) return;
    const int variant = variant_of(params);
    if (used_ >= int(slots_.size()) || (tried_[variant] && !programs_[variant])) {
        dl->AddImage(main, p0, p1);
        return;
    }
    Slot& s = slots_[size_t(used_++)];
    s.self = this;
    s.params = params;
    dl->AddCallback(&PhotoProgram::callback, &s);
    dl->AddImage(main, p0, p1);
    dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

}  // namespace pd::workstation
