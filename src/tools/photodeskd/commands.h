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
    std::string name, role;
};
struct IngestArgs {
    std::string roster, photos, report;
    int jobs = 0;
};
struct ExportArgs {
    std::string school, grade, out;
};

int run_serve(const Common& c, const ServeArgs& a);
int run_user_add(const Common& c, const UserArgs& a);
int run_ingest(const Common& c, const IngestArgs& a);
int run_export(const Common& c, const ExportArgs& a);

}  // namespace pd::photodeskd
