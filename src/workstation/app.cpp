// The app shell: command line, configuration, the window, and the frame loop
//   wait (glfwWaitEventsTimeout: asleep until input, a worker's result or the next deadline)
//   -> drain the worker's results -> upload decoded images -> plan the worker's next requests
//   -> (only if something changed) NewFrame, keys -> commands, draw the views, swap.
// Commands are applied before the views draw, so the frame after a key press already shows
// its effect; a frame is drawn only when something changed, so an idle workstation sleeps.
//
// Phases: starting the demo server (--demo) -> checking the login (healthz, me, reasons) ->
// the login card when that fails -> the review loop.
#include "workstation/app.h"

#include <GL/gl.h>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <CLI/CLI.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <future>
#include <sstream>
#include <iostream>
#include <map>
#include <thread>
#include <malloc.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "review/profile.h"
#include "review/sync_worker.h"
#include "workstation/alloc_counter.h"
#include "workstation/bench.h"
#include "workstation/demo_server.h"
#include "workstation/fonts.h"
#include "workstation/gl/gl_graphics.h"
#include "workstation/input.h"
#include "workstation/views/views.h"

namespace pd::workstation {

namespace fs = std::filesystem;

namespace {

const char* problem_name(review::HelloProblem p) {
    switch (p) {
        case review::HelloProblem::unreachable: return "unreachable";
        case review::HelloProblem::bad_version: return "bad_version";
        case review::HelloProblem::unauthorized: return "unauthorized";
        case review::HelloProblem::wrong_role: return "wrong_role";
        case review::HelloProblem::bad_answer: return "bad_answer";
        case review::HelloProblem::none: break;
    }
    return "bad_answer";
}

double mono_now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

fs::path exe_dir() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : p.parent_path();
}

// [SECTION] options and configuration

struct Options {
    std::string server, token, profile, config_dir, shader_dir, keys, probe, lang, demo_dir, state_out;
    bool demo = false, demo_reset = false, exit_when_done = false, no_vsync = false;
    int bench_review = 0, demo_count = 0, width = 1600, height = 900;
};

struct Config {
    std::string dir;
    review::Strings strings;
    review::Keymap keymap;
    review::WorkstationSettings settings;
    std::map<std::string, domain::SpecProfile> specs;
    domain::WorkCalendar calendar;
    const domain::SpecProfile& spec(const std::string& name) const {
        auto it = specs.find(name);
        return it != specs.end() ? it->second : specs.begin()->second;
    }
};

Result<Config> load_config(const std::string& dir) {
    Config c;
    c.dir = dir;
    auto strings = review::load_strings(dir);
    if (!strings) return strings.error();
    c.strings = std::move(strings).value();
    auto keymap = review::load_keymap(dir);
    if (!keymap) return keymap.error();
    c.keymap = std::move(keymap).value();
    auto settings = review::load_workstation_settings(dir);
    if (!settings) return settings.error();
    c.settings = std::move(settings).value();
    for (const auto& name : config::list_spec_profiles(dir)) {
        auto spec = config::load_spec_profile(dir, name);
        if (!spec) return spec.error();
        c.specs.emplace(name, std::move(spec).value());
    }
    if (c.specs.empty()) return make_error(ErrorCode::NotFound, "no spec profile in " + dir + "/specs");
    auto cal = config::load_calendar(dir);
    if (!cal) return cal.error();
    c.calendar = std::move(cal).value();
    return c;
}

// Scripted keys (--keys), for tests and demonstrations:
//   "A"          press A once the item on screen is fully drawn
//   "A*3"        three times
//   "A*"         whenever an item is ready, until nothing is left in the queue for anyone
//   "await:PATH" wait until the file PATH exists (a test's signal)
//   "sleep:MS"   wait MS milliseconds
struct ScriptStep {
    enum class Kind { key, repeat, await, sleep } kind = Kind::key;
    review::Chord chord;
    std::string path;
    double seconds = 0;
    double started = -1;   // sleep: when it began
};

Result<std::deque<ScriptStep>> parse_keys(const std::string& script) {
    std::deque<ScriptStep> out;
    std::istringstream in(script);
    std::string tok;
    while (in >> tok) {
        ScriptStep step;
        if (tok.rfind("await:", 0) == 0) {
            step.kind = ScriptStep::Kind::await;
            step.path = tok.substr(6);
            out.push_back(step);
            continue;
        }
        if (tok.rfind("sleep:", 0) == 0) {
            step.kind = ScriptStep::Kind::sleep;
            step.seconds = std::atof(tok.c_str() + 6) / 1000.0;
            out.push_back(step);
            continue;
        }
        int times = 1;
        if (auto star = tok.rfind('*'); star != std::string::npos && star > 0) {
            if (star + 1 == tok.size()) {
                times = 0;   // until nothing is left
                step.kind = ScriptStep::Kind::repeat;
            } else {
                times = std::atoi(tok.c_str() + star + 1);
                if (times < 1) return make_error(ErrorCode::InvalidArgument, "--keys: '" + tok + "': bad count");
            }
            tok = tok.substr(0, star);
        }
        auto chord = review::parse_chord(tok);
        if (!chord) return make_error(ErrorCode::InvalidArgument, "--keys: '" + tok + "' is not a key (see config/keymap.toml)");
        step.chord = *chord;
        if (step.kind == ScriptStep::Kind::repeat) out.push_back(step);
        for (int i = 0; i < times; ++i) out.push_back(step);
    }
    return out;
}

// [SECTION] the app

enum class Phase { starting_demo, connecting, login, review };

constexpr double kQuietForFontSwap = 0.25;   // seconds without a key before a new atlas goes in

class App {
public:
    App(Options o, Config c) : opt_(std::move(o)), cfg_(std::move(c)) {}
    int run();

private:
    bool open_window();
    void install_callbacks();
    void start_probe();
    void poll_phase();
    void open_session(const review::HelloResult& hello);
    bool bench_requested() const { return opt_.bench_review > 0; }
    void close_session();
    void pump();
    void upload(bool current_only);
    void wait_events();
    bool should_draw() const;
    void draw_frame();
    void draw_views();
    void after_frame(bool drew, double ui_cpu_ms, std::uint64_t allocs, double wall_ms);
    void key_event(int key, int scancode, int action, int mods);   // GLFW's key callback
    void run_script();
    bool nothing_left() const;
    void write_state() const;
    void inject(const review::Chord& c);
    void write_probe();
    void shutdown();
    static App& self(GLFWwindow* w) { return *static_cast<App*>(glfwGetWindowUserPointer(w)); }

    Options opt_;
    Config cfg_;
    review::Profile profile_;
    GLFWwindow* win_ = nullptr;
    float scale_ = 1;
    std::unique_ptr<FontManager> fonts_;
    std::unique_ptr<GlGraphics> gfx_;
    std::unique_ptr<KeyGate> gate_;
    std::unique_ptr<KeyInput> input_;
    Scratch text_;

    Phase phase_ = Phase::login;
    LoginState login_;
    std::future<Result<std::unique_ptr<DemoServer>>> demo_start_;
    std::unique_ptr<DemoServer> demo_;
    DemoProgressView demo_view_;
    int demo_done_seen_ = 0;
    std::future<review::HelloResult> probe_;
    std::string server_, token_;

    std::unique_ptr<review::InstanceLock> lock_;
    std::unique_ptr<review::SyncWorker> worker_;
    std::unique_ptr<review::ReviewSession> session_;

    std::deque<ScriptStep> script_;
    bool script_given_ = false;
    std::unique_ptr<ReviewBench> bench_;
    bool probe_written_ = false;
    int ready_frames_ = 0;
    std::vector<std::pair<std::string, ImVec4>> layout_;

    double last_key_ = 0;               // monotonic time of the last key event
    bool font_pixels_kept_ = true;   // the atlas's pixels are still in memory after upload
    bool input_seen_ = true;
    int extra_frames_ = 2;
    std::uint64_t drawn_revision_ = 0;
    double last_draw_ = 0;
    bool quit_ = false;
    int exit_code_ = 0;
};

bool App::open_window() {
    glfwSetErrorCallback([](int code, const char* what) { std::cerr << "photodesk: GLFW error " << code << ": " << what << "\n"; });
    if (!glfwInit()) {
        std::cerr << "photodesk: cannot open a window (no display? set DISPLAY, or run under xvfb-run -a)\n";
        return false;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    win_ = glfwCreateWindow(opt_.width, opt_.height, "PhotoDesk", nullptr, nullptr);
    if (!win_) {
        std::cerr << "photodesk: cannot create an OpenGL 3.3 core window\n";
        return false;
    }
    glfwSetWindowUserPointer(win_, this);
    glfwMakeContextCurrent(win_);
    glfwSwapInterval(opt_.no_vsync || opt_.bench_review > 0 ? 0 : 1);
    float ys = 1;
    glfwGetWindowContentScale(win_, &scale_, &ys);
    scale_ = std::clamp(scale_, 1.0f, 4.0f);

    // Fonts first: the atlas must exist before the context's first frame (ImGui's asserts).
    std::u32string text = cfg_.strings.codepoints();
    FontOptions fo;
    fo.size = float(cfg_.settings.font_size) * scale_;
    fo.large_size = fo.size * 1.5f;
    auto fonts = FontManager::create(fo, text);
    if (!fonts) {
        std::cerr << "photodesk: " << fonts.error().message << "\n";
        return false;
    }
    fonts_ = std::move(fonts).value();
    ImGui::SetAllocatorFunctions(counted_imgui_alloc, counted_imgui_free);
    ImGui::CreateContext(fonts_->atlas());
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.FontDefault = fonts_->regular();
    ImGui::StyleColorsDark();
    ImGuiStyle& st = ImGui::GetStyle();
    st.WindowRounding = 6;
    st.FrameRounding = 4;
    st.Colors[ImGuiCol_WindowBg] = ImVec4(0.118f, 0.122f, 0.133f, 1.f);
    st.ScaleAllSizes(scale_);
    install_callbacks();
    ImGui_ImplGlfw_InitForOpenGL(win_, true);
    // Keys go through the gate (input.h); ImGui's own key callback is called from there.
    gate_ = std::make_unique<KeyGate>([this](int key, int sc, int action, int mods) {
        ImGui_ImplGlfw_KeyCallback(win_, key, sc, action, mods);
    });
    glfwSetKeyCallback(win_, [](GLFWwindow* w, int key, int sc, int action, int mods) {
        self(w).key_event(key, sc, action, mods);
    });
    ImGui_ImplOpenGL3_Init("#version 330 core");
    input_ = std::make_unique<KeyInput>(cfg_.keymap, *gate_);

    const std::string shaders = !opt_.shader_dir.empty() ? opt_.shader_dir
                                : fs::exists(exe_dir() / "shaders") ? (exe_dir() / "shaders").string()
                                                                    : std::string(PD_SOURCE_SHADER_DIR);
    auto program = PhotoProgram::create(shaders);
    if (!program) std::cerr << "photodesk: " << program.error().message << " (photos are drawn without overlays)\n";
    gfx_ = std::make_unique<GlGraphics>(std::size_t(cfg_.settings.texture_budget_mb) << 20,
                                        std::unique_ptr<PhotoProgram>(program ? program.value() : nullptr));
    return true;
}

void App::install_callbacks() {
    // Installed before ImGui's, which chains them: each only notes that something happened.
    glfwSetMouseButtonCallback(win_, [](GLFWwindow* w, int, int, int) { self(w).input_seen_ = true; });
    glfwSetScrollCallback(win_, [](GLFWwindow* w, double, double) { self(w).input_seen_ = true; });
    glfwSetCharCallback(win_, [](GLFWwindow* w, unsigned) { self(w).input_seen_ = true; });
    glfwSetWindowFocusCallback(win_, [](GLFWwindow* w, int) { self(w).input_seen_ = true; });
    glfwSetCursorEnterCallback(win_, [](GLFWwindow* w, int) { self(w).input_seen_ = true; });
    glfwSetCursorPosCallback(win_, [](GLFWwindow* w, double, double) { self(w).input_seen_ = true; });
    glfwSetWindowRefreshCallback(win_, [](GLFWwindow* w) { self(w).input_seen_ = true; });
    glfwSetFramebufferSizeCallback(win_, [](GLFWwindow* w, int, int) { self(w).input_seen_ = true; });
}

// [SECTION] phases

void App::start_probe() {
    phase_ = Phase::connecting;
    login_.busy = true;
    login_.message.clear();
    client::ClientOptions co;
    co.connect_timeout_ms = cfg_.settings.connect_timeout_ms;
    co.timeout_ms = cfg_.settings.timeout_ms;
    co.retries = 0;
    probe_ = std::async(std::launch::async, [server = server_, token = token_, co] {
        client::ApiClient api(server, token, co);
        return review::say_hello(api, server);
    });
}

void App::poll_phase() {
    // Unattended runs (the bench, scripted keys) cannot type a token: a login problem ends them.
    if (phase_ == Phase::login && !login_.message.empty() && (bench_requested() || script_given_ || opt_.exit_when_done)) {
        std::cerr << "photodesk: " << login_.message << "\n";
        exit_code_ = 3;
        quit_ = true;
        return;
    }
    if (phase_ == Phase::starting_demo && demo_start_.valid() &&
        demo_start_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        auto d = demo_start_.get();
        input_seen_ = true;
        if (!d) {
            demo_view_.failed = true;
            demo_view_.message = d.error().message;
            phase_ = Phase::login;
            login_.message = d.error().message;
            return;
        }
        demo_ = std::move(d).value();
        demo_->build_queue(opt_.bench_review > 0 ? opt_.bench_review + cfg_.settings.prefetch + 5 : 0);
        server_ = demo_->url();
        token_ = demo_->reviewer_token();
    }
    // The demo reviewer starts claiming once the builder has rejected the first attempts of the
    // resubmitting students (claims would otherwise take those from the senior reviewer).
    if (phase_ == Phase::starting_demo && demo_) {
        const DemoStatus st = demo_->status();
        if (st.finished || st.failed || (st.building && st.stage == "ingest")) start_probe();
    }
    if (probe_.valid() && probe_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        review::HelloResult hello = probe_.get();
        login_.busy = false;
        input_seen_ = true;
        if (hello.problem != review::HelloProblem::none) {
            phase_ = Phase::login;
            login_.server = server_;
            login_.message = cfg_.strings.tr("login.problem.", problem_name(hello.problem)) + "\n" + hello.message;
            login_.focus_token = hello.problem == review::HelloProblem::unauthorized;
            return;
        }
        open_session(hello);
    }
    if (demo_) {
        const DemoStatus st = demo_->status();
        demo_view_.active = st.building;
        demo_view_.failed = st.failed;
        demo_view_.message = st.message;
        demo_view_.stage = st.stage;
        demo_view_.total = st.total;
        if (st.done != demo_view_.done) input_seen_ = true;
        demo_view_.done = st.done;
        // New items landed: ask for them now rather than at the next empty-queue poll.
        if (session_ && st.done != demo_done_seen_) {
            demo_done_seen_ = st.done;
            session_->poke();
        }
    }
    if (phase_ == Phase::review && session_ && session_->server_state() == review::ServerState::unauthorized && !demo_) {
        login_.message = cfg_.strings.tr("login.refused") + " " + session_->server_message();
        login_.server = server_;
        login_.token.clear();
        login_.focus_token = true;
        close_session();
        (void)review::forget_token(profile_, server_);
        phase_ = Phase::login;
    }
}

void App::open_session(const review::HelloResult& hello) {
    const std::string identity = demo_ ? kDemoServerIdentity : server_;
    const fs::path journal_path = profile_.journal_path(identity, hello.user);
    auto lock = review::InstanceLock::acquire(journal_path.parent_path() / "lock");
    if (!lock) {
        phase_ = Phase::login;
        login_.message = lock.error().message;
        return;
    }
    auto journal = review::Journal::open(journal_path.string());
    if (!journal) {
        phase_ = Phase::login;
        login_.message = journal.error().message;
        return;
    }
    lock_ = std::move(lock).value();
    review::WorkerOptions wo;
    wo.server = server_;
    wo.token = token_;
    wo.client.connect_timeout_ms = cfg_.settings.connect_timeout_ms;
    wo.client.timeout_ms = cfg_.settings.timeout_ms;
    wo.client.retries = 0;   // the session backs off and retries
    wo.cache_dir = profile_.cache_dir(identity, hello.user);
    wo.cache_bytes = std::int64_t(cfg_.settings.cache_mb) << 20;
    wo.decode_threads = cfg_.settings.decode_threads;
    wo.max_pixels = cfg_.settings.max_pixels;
    worker_ = std::make_unique<review::SyncWorker>(wo, [] { glfwPostEmptyEvent(); });
    review::SessionDeps deps;
    deps.settings = cfg_.settings;
    deps.strings = &cfg_.strings;
    deps.calendar = cfg_.calendar;
    deps.journal = std::move(journal).value();
    session_ = std::make_unique<review::ReviewSession>(std::move(deps));
    session_->begin(hello);
    if (!demo_) {
        if (auto st = review::save_token(profile_, server_, token_); !st)
            std::cerr << "photodesk: the token was not remembered: " << st.error().message << "\n";
    }
    phase_ = Phase::review;
    if (opt_.bench_review > 0) bench_ = std::make_unique<ReviewBench>(opt_.bench_review);
}

void App::close_session() {
    worker_.reset();   // before the session: its results have nowhere to go
    session_.reset();
    lock_.reset();
}

// [SECTION] the loop

void App::upload(bool current_only) {
    if (!session_) return;
    auto uploads = session_->take_uploads(std::size_t(cfg_.settings.upload_budget_mb_per_frame) << 20, current_only);
    for (auto& [hash, px] : uploads) gfx_->textures().upload(hash, px);
    if (gfx_->textures().bytes() > gfx_->textures().budget())
        for (const auto& h : gfx_->textures().trim(session_->pinned())) session_->evicted(h);
}

void App::pump() {
    poll_phase();
    if (!session_ || !worker_) return;
    for (auto& r : worker_->drain()) session_->on_reply(std::move(r));
    // Decoded images to textures, the one on screen first, within this frame's budget.
    upload(true);   // what is on screen now; the rest after the frame (upload(false))
    for (auto& [env, urgent] : session_->plan()) worker_->post(std::move(env), urgent);
    if (session_->quit_requested()) quit_ = true;
}

void App::key_event(int key, int scancode, int action, int mods) {
    input_seen_ = true;
    last_key_ = mono_now();
    gate_->on_key(key, scancode, action, mods);
}

void App::inject(const review::Chord& c) {
    // Through the same function GLFW's key callback calls for a real key: the gate defers the
    // release to the next frame, so the press is seen by exactly one frame.
    const int mods = (c.ctrl ? GLFW_MOD_CONTROL : 0) | (c.shift ? GLFW_MOD_SHIFT : 0) | (c.alt ? GLFW_MOD_ALT : 0);
    const std::pair<bool, int> modifiers[] = {{c.ctrl, GLFW_KEY_LEFT_CONTROL}, {c.shift, GLFW_KEY_LEFT_SHIFT},
                                              {c.alt, GLFW_KEY_LEFT_ALT}};
    for (const auto& [on, key] : modifiers)
        if (on) key_event(key, 0, GLFW_PRESS, mods);
    key_event(c.key, 0, GLFW_PRESS, mods);
    key_event(c.key, 0, GLFW_RELEASE, mods);
    for (const auto& [on, key] : modifiers)
        if (on) key_event(key, 0, GLFW_RELEASE, 0);
}

bool App::nothing_left() const {
    // Nothing on screen, the last claim came back empty, and the server says no item is open
    // for anyone (items leased to us by a run that died come back once their lease expires).
    return session_ && !session_->current() && session_->queue_empty() && session_->queue().known &&
           session_->queue().open == 0;
}

void App::run_script() {
    if (!session_ || script_.empty() || !gate_->idle()) return;
    ScriptStep& step = script_.front();
    switch (step.kind) {
        case ScriptStep::Kind::await:
            if (fs::exists(step.path)) script_.pop_front();
            return;
        case ScriptStep::Kind::sleep:
            if (step.started < 0) step.started = mono_now();
            if (mono_now() - step.started >= step.seconds) script_.pop_front();
            return;
        case ScriptStep::Kind::repeat:
            if (nothing_left()) {
                script_.pop_front();
                return;
            }
            if (session_->current_ready() && session_->context() == review::Context::review) inject(step.chord);
            return;
        case ScriptStep::Kind::key:
            if (!session_->current_ready()) return;
            inject(step.chord);
            script_.pop_front();
            return;
    }
}

void App::wait_events() {
    double timeout = cfg_.settings.idle_wake_seconds;
    const double now = mono_now();
    if (session_) timeout = std::min(timeout, session_->next_wake() - now);
    if (phase_ == Phase::starting_demo || phase_ == Phase::connecting || (demo_view_.active && !demo_view_.failed) ||
        (fonts_ && fonts_->building()))
        timeout = std::min(timeout, kQuietForFontSwap / 2);
    const bool busy = extra_frames_ > 0 || !gate_->idle() || (bench_ && !bench_->done() && !bench_->idle()) ||
                      (!opt_.probe.empty() && !probe_written_ && session_);
    if (!script_.empty() && session_) timeout = std::min(timeout, 0.02);
    if (busy) timeout = std::min(timeout, 0.002);
    if (timeout <= 0) glfwPollEvents();
    else glfwWaitEventsTimeout(timeout);
}

bool App::should_draw() const {
    if (bench_ && bench_->force_redraw()) return true;
    if (input_seen_ || extra_frames_ > 0 || !gate_->idle()) return true;
    if (session_ && session_->revision() != drawn_revision_) return true;
    if (fonts_->ready() && mono_now() - last_key_ >= kQuietForFontSwap) return true;   // a new atlas to swap in
    if (fonts_->building()) return false;
    return mono_now() - last_draw_ >= cfg_.settings.idle_wake_seconds;   // clocks and countdowns
}

void App::draw_views() {
    const ImVec2 size = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(size);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {0, 0});
    ImGui::Begin("##main", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse |
                     ImGuiWindowFlags_NoBackground);   // glClear paints the same colour, once
    ImGui::PopStyleVar();
    const bool probing = !opt_.probe.empty() && !probe_written_;
    if (probing) layout_.clear();
    if (phase_ == Phase::review && session_) {
        const review::Slot* cur = session_->current();
        const domain::SpecProfile& spec = cfg_.spec(cur ? cur->item.spec : "");
        ViewContext v{*session_, cfg_.keymap, *gfx_, *fonts_, spec, scale_, text_, probing ? &layout_ : nullptr};
        draw_review_screen(v, {0, 0}, size);
        ImGui::End();
        draw_help(v);
        draw_picker(v);
        draw_note_editor(v);
        draw_conflicts(v);
    } else {
        const char* what = phase_ == Phase::connecting ? "connect.connecting"
                           : demo_                     ? "connect.preparing_demo"
                                                       : "connect.starting_demo";
        if (phase_ == Phase::starting_demo || phase_ == Phase::connecting) {
            const char* t = cfg_.strings.tr(what).c_str();
            const ImVec2 ts = ImGui::CalcTextSize(t);
            ImGui::GetWindowDrawList()->AddText({(size.x - ts.x) / 2, (size.y - ts.y) / 2}, colour::dim, t);
        }
        ImGui::End();
        if (phase_ == Phase::login) {
            draw_login(nullptr, cfg_.strings, login_, size);
            if (login_.submit) {
                login_.submit = false;
                server_ = login_.server;
                token_ = login_.token;
                start_probe();
            }
        }
    }
    draw_demo_progress(cfg_.strings, demo_view_, {0, 0}, size, text_);
}

void App::draw_frame() {
    if (session_) fonts_->want(session_->take_new_text());
    // A new atlas goes in when the keys are quiet: its upload (tens of MB) must not delay the
    // frame that answers a key press.
    if (mono_now() - last_key_ >= kQuietForFontSwap && fonts_->swap_if_ready()) {
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        ImGui_ImplOpenGL3_CreateFontsTexture();
        font_pixels_kept_ = true;
    }
    gfx_->begin_frame();
    ImGui_ImplOpenGL3_NewFrame();   // uploads the font atlas on the first frame
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();

    gate_->after_new_frame();
    if (phase_ == Phase::review && session_) {
        input_->process(*session_);
    } else {
        // Before the queue only the language key means anything (the card's fields take text).
        for (const auto& ch : cfg_.keymap.chords(review::Command::language))
            if (ImGui::IsKeyPressed(ch.key, false)) cfg_.strings.toggle_language();
    }
    draw_views();
    ImGui::Render();
    if (font_pixels_kept_) {
        // The atlas is on the GPU: its CPU copies (tens of MB for a CJK atlas) can go. (Not
        // between NewFrame and Render: ImGui locks the atlas there.)
        ImGui::GetIO().Fonts->ClearTexData();
        font_pixels_kept_ = false;
    }
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(win_, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.118f, 0.122f, 0.133f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (!opt_.probe.empty() && !probe_written_ && phase_ == Phase::review && session_ && session_->current_ready() &&
        script_.empty() && !fonts_->building() && ++ready_frames_ >= 3)
        write_probe();
    glfwSwapBuffers(win_);
    if (bench_) glFinish();   // the frame is on screen, not just queued, when the clock stops
}

void App::after_frame(bool drew, double ui_cpu_ms, std::uint64_t allocs, double wall_ms) {
    if (bench_) {
        bench_->allow_start(!demo_ || demo_->status().finished);
        bench_->after_frame(*session_, mono_now(), ui_cpu_ms, allocs, drew, wall_ms);
        if (bench_->done()) {
            bench_->report(std::cout);
            std::cout << "font atlas builds: " << fonts_->builds() << " (the first at start, the rest for new characters in names)\n";
            std::cout.flush();
            quit_ = true;
        }
    }
    if (opt_.exit_when_done && session_ && script_.empty() && (opt_.probe.empty() || probe_written_)) {
        const bool done = script_given_ || opt_.probe.size() > 0 || nothing_left();
        if (done && session_->outbox() == 0 && session_->in_flight() == 0) quit_ = true;
    }
}

void App::write_probe() {
    probe_written_ = true;
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(win_, &fw, &fh);
    cv::Mat rgba(fh, fw, CV_8UC4);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, fw, fh, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data);
    cv::Mat bgr;
    cv::cvtColor(rgba, bgr, cv::COLOR_RGBA2BGR);
    cv::flip(bgr, bgr, 0);
    cv::imwrite(opt_.probe + ".png", bgr);
    nlohmann::json j;
    j["framebuffer"] = {fw, fh};
    const ImVec2 ds = ImGui::GetIO().DisplaySize;
    j["display"] = {ds.x, ds.y};
    for (const auto& [name, r] : layout_) j["layout"][name] = {r.x, r.y, r.z, r.w};
    const review::Slot* cur = session_->current();
    if (cur) {
        j["item"] = {{"id", cur->item.id}, {"name", cur->item.name}, {"attempt", cur->item.attempt}};
        const int f = session_->view().focused_check;
        j["focused_check"] = f >= 0 && f < int(cur->item.checks.size()) ? nlohmann::json(cur->item.checks[size_t(f)].id)
                                                                         : nlohmann::json(nullptr);
        int missing = 0;
        for (char32_t c : review::utf8_codepoints(cur->item.name)) missing += !fonts_->has_glyph(c);
        j["missing_glyphs_in_name"] = missing;
    }
    j["font_builds"] = fonts_->builds();
    j["photo_shader_error"] = gfx_->program() ? gfx_->program()->error() : "no program";
    std::ofstream(opt_.probe + ".json") << j.dump(2) << "\n";
}

void App::write_state() const {
    if (opt_.state_out.empty() || !session_) return;
    nlohmann::json j;
    j["user"] = session_->user();
    j["decisions"] = session_->decisions();
    j["outbox"] = session_->outbox();
    const char* states[] = {"connecting", "online", "offline", "unauthorized"};
    j["server_state"] = states[int(session_->server_state())];
    j["conflicts"] = nlohmann::json::array();
    for (const auto& c : session_->conflicts())
        j["conflicts"].push_back({{"decision_id", c.decision_id}, {"submission_id", c.submission_id},
                                  {"verdict", c.verdict}, {"message", c.message}, {"student", c.student_name}});
    std::ofstream(opt_.state_out) << j.dump(2) << "\n";
}

void App::shutdown() {
    if (session_ && worker_) {
        for (auto& e : session_->farewell()) worker_->post(std::move(e));
        if (!worker_->finish(std::chrono::seconds(5)))
            std::cerr << "photodesk: the server did not answer in time; queued decisions stay in the journal\n";
        for (auto& r : worker_->drain()) session_->on_reply(std::move(r));
    }
    write_state();
    close_session();
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    gfx_.reset();
    fonts_.reset();
    glfwDestroyWindow(win_);
    glfwTerminate();
    demo_.reset();
}

int App::run() {
    profile_ = review::Profile::locate(opt_.profile);
    if (opt_.lang == "en") cfg_.strings.set_language(review::Language::en);
    if (!opt_.keys.empty()) {
        auto keys = parse_keys(opt_.keys);
        if (!keys) {
            std::cerr << "photodesk: " << keys.error().message << "\n";
            return 2;
        }
        script_ = std::move(keys).value();
        script_given_ = true;
    }
    if (opt_.demo) {
        const fs::path dir = !opt_.demo_dir.empty() ? fs::path(opt_.demo_dir) : profile_.data / "demo";
        if (opt_.demo_reset) {
            if (auto st = reset_demo_data(dir); !st) {
                std::cerr << "photodesk: " << st.error().message << "\n";
                return 2;
            }
            std::error_code ec;
            fs::remove_all(profile_.journal_path(kDemoServerIdentity, kDemoReviewer).parent_path(), ec);
            fs::remove_all(profile_.cache_dir(kDemoServerIdentity, kDemoReviewer), ec);
        }
        DemoServerOptions d;
        d.data_dir = dir;
        d.photodeskd = (exe_dir() / "photodeskd").string();
        d.config_dir = cfg_.dir;
        const fs::path shared = fs::path(PD_SOURCE_DIR) / ".." / "shared" / "data" / "portraits";
        if (fs::exists(shared)) d.shared_portraits = fs::weakly_canonical(shared).string();
        d.count = opt_.demo_count;
        phase_ = Phase::starting_demo;
        demo_start_ = std::async(std::launch::async, [d] { return DemoServer::start(d); });
    } else {
        server_ = opt_.server;
        if (server_.empty()) server_ = review::last_server(profile_).value_or("");
        token_ = opt_.token;
        if (token_.empty() && !server_.empty()) {
            auto t = review::load_token(profile_, server_);
            if (!t) login_.message = t.error().message;
            else if (t.value()) token_ = *t.value();
        }
        login_.server = server_.empty() ? "http://127.0.0.1:8420" : server_;
        if (!server_.empty() && !token_.empty()) start_probe();
        else phase_ = Phase::login;
        login_.focus_token = !server_.empty();
    }
    if (!open_window()) return 1;

    while (!quit_ && !glfwWindowShouldClose(win_)) {
        wait_events();
        pump();
        run_script();
        if (bench_ && session_ && gate_->idle()) {
            if (auto key = bench_->next_key(*session_, cfg_.keymap, mono_now())) inject(*key);
        }
        const bool draw = should_draw() && !(bench_ && bench_->idle() && !input_seen_ && session_->revision() == drawn_revision_);
        const double cpu0 = thread_cpu_ms();
        const double wall0 = mono_now();
        if (draw) {
            extra_frames_ = input_seen_ ? 2 : std::max(0, extra_frames_ - 1);
            input_seen_ = false;
            if (session_) drawn_revision_ = session_->revision();
            draw_frame();
            last_draw_ = mono_now();
        }
        after_frame(draw, thread_cpu_ms() - cpu0, thread_allocation_count(), (mono_now() - wall0) * 1000);
        upload(false);   // items ahead, between frames
    }
    shutdown();
    return exit_code_;
}

}  // namespace

int main_entry(int argc, char** argv) {
    // Decoded photos are megabytes each and short-lived: with a fixed threshold glibc maps and
    // unmaps them (its default raises the threshold after the first free and keeps them in the
    // heap, where they fragment); two arenas for a handful of threads.
    ::mallopt(M_MMAP_THRESHOLD, 512 * 1024);
    ::mallopt(M_ARENA_MAX, 2);
    Options o;
    CLI::App cli{"photodesk: the reviewer workstation of PhotoDesk"};
    cli.add_option("--server", o.server, "photodeskd's URL, e.g. http://127.0.0.1:8420");
    cli.add_option("--token", o.token, "a reviewer's token (remembered for this server, file mode 0600)");
    cli.add_flag("--demo", o.demo, "start a local photodeskd with a demo queue and review it");
    cli.add_flag("--demo-reset", o.demo_reset, "with --demo: delete the demo data and build it again");
    cli.add_option("--demo-count", o.demo_count, "with --demo: submissions in a new demo queue (default: config/demo.toml)");
    cli.add_option("--demo-dir", o.demo_dir, "with --demo: the demo server's data folder");
    cli.add_option("--bench-review", o.bench_review, "decide N items by injected keys and print the figures")
        ->check(CLI::Range(1, 1000000));
    cli.add_option("--profile", o.profile, "keep credentials, journal and cache under this folder");
    cli.add_option("--config", o.config_dir, "config folder (default: PHOTODESK_CONFIG_DIR or the source tree's)");
    cli.add_option("--shaders", o.shader_dir, "shader folder (default: next to the binary, else the source tree's)");
    cli.add_option("--keys", o.keys,
                   "type these keys once each item is drawn: \"A R 1 Shift+Slash A*10\"; A* until nothing is left; "
                   "await:FILE waits for FILE; sleep:MS");
    cli.add_flag("--exit-when-done", o.exit_when_done, "quit once --keys are typed (or nothing is left) and all is sent");
    cli.add_option("--state-out", o.state_out, "write the session's state (decisions, outbox, conflicts) as JSON at exit");
    cli.add_option("--probe", o.probe, "write PATH.png and PATH.json once the item on screen is fully drawn (after any --keys)");
    cli.add_option("--lang", o.lang, "zh (default) or en")->check(CLI::IsMember({"zh", "en"}));
    cli.add_option("--size", [&o](const CLI::results_t& r) {
        return std::sscanf(r[0].c_str(), "%dx%d", &o.width, &o.height) == 2 && o.width > 200 && o.height > 200;
    }, "window size, e.g. 1600x900");
    cli.add_flag("--no-vsync", o.no_vsync, "do not wait for the display between frames");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    const std::string cfg_dir = o.config_dir.empty() ? config::default_config_dir() : o.config_dir;
    auto cfg = load_config(cfg_dir);
    if (!cfg) {
        std::cerr << "photodesk: " << cfg.error().message << "\n";
        return 2;
    }
    if (o.bench_review > 0 && !o.demo && o.server.empty()) {
        std::cerr << "photodesk: --bench-review needs --demo or --server URL --token T\n";
        return 2;
    }
    App app(std::move(o), std::move(cfg).value());
    return app.run();
}

}  // namespace pd::workstation
