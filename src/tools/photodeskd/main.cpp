// photodeskd: the review-queue server and its admin commands (docs/api.md, docs/operations.md).
//
//   photodeskd serve  --data DIR [--db postgresql://…] [--listen HOST:PORT] [--config FILE]
//   photodeskd user add NAME --role ROLE --data DIR [--db …]      prints the token once
//   photodeskd user revoke NAME --data DIR [--db …]               the token stops working
//   photodeskd ingest --data DIR [--db …] --roster roster.csv --photos DIR [--report FILE]
//   photodeskd export --data DIR [--db …] --school NAME [--grade G] --out PKG.zip
//   photodeskd demo --server URL --tokens FILE [--count N] [--at-least N]   (docs/demo.md)
//
// Exit codes: 0 ok; 1 a command-line or config problem; 2 some rows/items failed (ingest);
// 3 the store or the network failed.
#include <CLI/CLI.hpp>
#include <opencv2/core/utility.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "common/process_memory.h"
#include "tools/photodeskd/commands.h"

int main(int argc, char** argv) {
    using namespace pd::photodeskd;
    pd::keep_freed_memory();
    // Parallelism is per request / per ingest worker ([ingest] workers); OpenCV's own pool
    // on top would oversubscribe the cores, as in photodesk-cli.
    cv::setNumThreads(1);
    CLI::App app{"photodeskd: the PhotoDesk review-queue server"};
    app.require_subcommand(1);

    Common serve_c, user_c, revoke_c, ingest_c, export_c;
    auto add_common = [](CLI::App* sub, Common& c) {
        sub->add_option("--data", c.data_dir, "data directory (SQLite database and images)")->required();
        sub->add_option("--db", c.db, "PostgreSQL conninfo or postgresql:// URI (default: SQLite in --data)");
        sub->add_option("--config-dir", c.config_dir, "config/ directory (default: the built-in one)");
        sub->add_option("--config", c.settings_file, "server settings file (default: CONFIG_DIR/server.toml)");
    };

    ServeArgs serve;
    auto* s = app.add_subcommand("serve", "serve API v1 over HTTP");
    add_common(s, serve_c);
    s->add_option("--listen", serve.listen, "HOST:PORT (port 0 picks a free one; default from config)");

    UserArgs user;
    auto* u = app.add_subcommand("user", "manage users");
    u->require_subcommand(1);
    auto* ua = u->add_subcommand("add", "create a user and print their token (shown once)");
    add_common(ua, user_c);
    ua->add_option("name", user.name, "user name")->required();
    ua->add_option("--role", user.role, "reviewer | supervisor | ingest | admin")->required();
    UserArgs revoke;
    auto* ur = u->add_subcommand("revoke", "revoke a user's token (every server on the database refuses it within [auth] token_cache_s)");
    add_common(ur, revoke_c);
    ur->add_option("name", revoke.name, "user name")->required();

    IngestArgs ingest;
    auto* i = app.add_subcommand("ingest", "queue a roster CSV and a folder of photos");
    add_common(i, ingest_c);
    i->add_option("--roster", ingest.roster, "CSV: name,id_number,student_no,school,station,grade")->required();
    i->add_option("--photos", ingest.photos, "folder of photos named ID_NUMBER.* or STUDENT_NO.*")->required();
    i->add_option("--report", ingest.report, "per-row report CSV (default: DATA/reports/ingest-TIME.csv)");
    i->add_option("--jobs", ingest.jobs, "engine workers (default: [ingest] workers)");

    ExportArgs exp;
    auto* e = app.add_subcommand("export", "write a school's approved photos for CHSI and lock them");
    add_common(e, export_c);
    e->add_option("--school", exp.school, "school name")->required();
    e->add_option("--grade", exp.grade, "grade / batch (default: all)");
    e->add_option("--out", exp.out, "PKG.zip, or a folder")->required();

    DemoArgs demo;
    auto* d = app.add_subcommand("demo", "fill a running server with the demo queue (progress as JSON lines)");
    d->add_option("--server", demo.server, "the server's URL")->required();
    d->add_option("--tokens", demo.tokens, "JSON file with the demo-admin and demo-senior tokens")->required();
    d->add_option("--config-dir", demo.config_dir, "config/ directory (default: the built-in one)");
    d->add_option("--shared-portraits", demo.shared_portraits, "../shared/data/portraits, when present");
    d->add_option("--count", demo.count, "students in the queue (default: config/demo.toml)");
    d->add_option("--at-least", demo.at_least, "then add students until this many items are pending");
    d->add_flag("--grow-only", demo.grow_only, "only grow the queue (with --at-least)");

    CLI11_PARSE(app, argc, argv);
    try {
        if (s->parsed()) return run_serve(serve_c, serve);
        if (ua->parsed()) return run_user_add(user_c, user);
        if (ur->parsed()) return run_user_revoke(revoke_c, revoke);
        if (i->parsed()) return run_ingest(ingest_c, ingest);
        if (e->parsed()) return run_export(export_c, exp);
        if (d->parsed()) return run_demo(demo);
    } catch (const std::exception& ex) {
        std::cerr << "photodeskd: " << ex.what() << "\n";
        return 3;
    }
    return 1;
}
