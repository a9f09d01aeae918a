// photodeskd demo: fills a running photodeskd with the demo queue (src/demo, docs/demo.md)
// through API v1, or grows it to at least N pending items for benchmarks. `photodesk --demo`
// runs it as a child process, so the engine, dlib and the photos it needs stay out of the
// workstation's memory; it reads the progress from stdout, one JSON object per line:
//   {"done": 12, "total": 264, "stage": "ingest"}      while it works
//   {"finished": true, "submitted": 240, ...}           at the end (exit 0)
//   {"failed": "why"}                                   on an error (exit 3)
// Tokens come from a file (never the command line, which other users can read):
// {"demo-admin": "…", "demo-senior": "…"}.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "client/api_client.h"
#include "demo/demo_queue.h"
#include "tools/photodeskd/commands.h"

namespace pd::photodeskd {

using nlohmann::json;

int run_demo(const DemoArgs& a) {
    auto say = [](const json& j) { std::cout << j.dump() << std::endl; };
    std::ifstream in(a.tokens);
    const json tokens = json::parse(in, nullptr, false);
    if (!tokens.is_object() || !tokens.contains("demo-admin") || !tokens.contains("demo-senior")) {
        say({{"failed", a.tokens + ": expected a JSON object with demo-admin and demo-senior tokens"}});
        return kUsage;
    }
    const std::string admin = tokens["demo-admin"].get<std::string>();
    const std::string senior = tokens["demo-senior"].get<std::string>();
    demo::DemoOptions o;
    o.config_dir = a.config_dir;
    o.shared_portraits = a.shared_portraits;
    o.count = a.count;
    auto progress = [&](const demo::DemoProgress& p) {
        say({{"done", p.done}, {"total", p.total}, {"stage", p.stage}});
    };
    const std::atomic<bool> stop{false};
    json out = {{"finished", true}};
    if (!a.grow_only) {
        auto r = demo::build_demo_queue(a.server, admin, senior, o, progress, stop);
        if (!r) {
            say({{"failed", r.error().message}});
            return kStoreFailed;
        }
        out["submitted"] = r->submitted;
        out["resubmissions"] = r->resubmissions;
        out["overdue"] = r->overdue;
        out["due_today"] = r->due_today;
        out["failed_items"] = r->failed;
        out["seconds"] = r->total_seconds;
    }
    if (a.at_least > 0) {
        client::ApiClient api(a.server, admin);
        auto q = api.queue();
        if (!q || !q->ok()) {
            say({{"failed", "GET /v1/queue: " + (q ? q->error_message() : q.error().message)}});
            return kStoreFailed;
        }
        const std::int64_t open = q->json().value("open", std::int64_t(0));
        if (open < a.at_least) {
            auto g = demo::grow_queue(a.server, admin, int(a.at_least - open), o, progress, stop);
            if (!g) {
                say({{"failed", g.error().message}});
                return kStoreFailed;
            }
            out["grown"] = g.value();
        }
    }
    say(out);
    return kOk;
}

}  // namespace pd::photodeskd
