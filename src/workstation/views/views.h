// The workstation's views, one file each. Each draws into the rectangle it is given from the
// session's state and never changes domain data: what a click does goes through
// session.apply(command), exactly as the key would.
#pragma once

#include <imgui.h>

#include <string>

#include "workstation/views/view_context.h"

namespace pd::workstation {

// [SECTION] the review screen (review_screen.cpp lays these out)
void draw_review_screen(ViewContext& v, ImVec2 pos, ImVec2 size);
void draw_status_bar(ViewContext& v, ImVec2 pos, ImVec2 size);          // status_bar.cpp
void draw_standardized(ViewContext& v, ImVec2 pos, ImVec2 size);        // photo_view.cpp
void draw_original(ViewContext& v, ImVec2 pos, ImVec2 size);            // photo_view.cpp
// Returns the height it used (at most size.y).
float draw_student_panel(ViewContext& v, ImVec2 pos, ImVec2 size);      // student_panel.cpp
void draw_checks_panel(ViewContext& v, ImVec2 pos, ImVec2 size);        // checks_panel.cpp
void draw_reason_bar(ViewContext& v, ImVec2 pos, ImVec2 size);          // reason_bar.cpp

// [SECTION] overlays and dialogs (overlays.cpp)
void draw_help(ViewContext& v);
void draw_picker(ViewContext& v);
void draw_note_editor(ViewContext& v);
void draw_conflicts(ViewContext& v);
void draw_toast(ViewContext& v, ImVec2 pos, ImVec2 size);

// [SECTION] before the queue (login_view.cpp)
struct LoginState {
    std::string server, token;
    std::string message;          // why the last attempt failed
    bool busy = false;            // a probe is running
    bool submit = false;          // set by the view when Enter or the button was pressed
    bool focus_token = false;
};
void draw_login(ViewContext* v, const review::Strings& t, LoginState& s, ImVec2 size);

struct DemoProgressView {
    bool active = false;
    int done = 0, total = 0;
    std::string stage, message;
    bool failed = false;
};
void draw_demo_progress(const review::Strings& t, const DemoProgressView& d, ImVec2 pos, ImVec2 size, Scratch& text);

}  // namespace pd::workstation
