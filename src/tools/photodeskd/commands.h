// The photodeskd subcommands (main.cpp parses, these run).
#pragma once

#include <string>

namespace pd::photodeskd {

inline constexpr int kOk = 0, kUsage = 1, kSomeFailed = 2, kStoreFailed = 3;

struct Common {
    std::string data_dir, db, config_dir, settings_file;
};

struct ServeArgs {
    std::string listen;  // empty: [http] listen
};
struct UserArgs {
    std::string name, role;   // role: user add only
};
struct IngestArgs {
    std::string roster, photos, report;
    int jobs = 0;
};
struct ExportArgs {
    std::string school, grade, out;
};

struct DemoArgs {
    std::string server, tokens, config_dir, shared_portraits;
    int count = 0;         // 0: config/demo.toml's
    int at_least = 0;      // then grow the queue to this many pending items
    bool grow_only = false;
};

int run_serve(const Common& c, const ServeArgs& a);
int run_user_add(const Common& c, const UserArgs& a);
int run_user_revoke(const Common& c, const UserArgs& a);
int run_ingest(const Common& c, const IngestArgs& a);
int run_export(const Common& c, const ExportArgs& a);
int run_demo(const DemoArgs& a);

}  // namespace pd::photodeskd
