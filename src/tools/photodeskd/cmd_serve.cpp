// photodeskd serve: open the store pool, bind, print the address, serve until SIGINT/SIGTERM,
// then stop accepting and finish the requests in flight before exiting.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <pthread.h>

#include "server/http_server.h"
#include "server/services.h"
#include "tools/photodeskd/commands.h"

namespace pd::photodeskd {

int run_serve(const Common& c, const ServeArgs& a) {
    // Signals go to one waiting thread (blocked everywhere else, including httplib's workers).
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    // libturbojpeg reads these at encode time; they would change the bytes of rendered photos.
    for (const char* v : {"TJ_OPTIMIZE", "TJ_RESTART", "TJ_PROGRESSIVE", "TJ_ARITHMETIC"}) ::unsetenv(v);

    // Structured logs (key=value) go to stderr; stdout carries only the "listening" line.
    spdlog::set_default_logger(spdlog::stderr_logger_mt("photodeskd"));
    spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%e%z level=%l %v");
    auto services = server::make_services({c.data_dir, c.db, c.config_dir, c.settings_file, 0, true});
    if (!services) {
        std::cerr << "photodeskd: " << services.error().message << "\n";
        return services.error().code == ErrorCode::ConfigInvalid ? kUsage : kStoreFailed;
    }
    auto& svc = *services.value();
    const auto& settings = svc.ctx.settings();
    spdlog::set_level(spdlog::level::from_str(settings.log_level));
    // What a crash left behind (temp images, half-written packages), once old enough that no
    // other node sharing the data directory can still be writing it.
    if (auto swept = server::sweep_temp_files(svc); swept)
        spdlog::info("event=swept files={} older_than_s={}", swept.value(), settings.sweep_tmp_after_s);
    else
        spdlog::warn("event=sweep_failed detail=\"{}\"", swept.error().message);

    server::HttpServer http(svc);
    const std::string listen = a.listen.empty() ? settings.listen : a.listen;
    auto port = http.bind(listen);
    if (!port) {
        std::cerr << "photodeskd: " << port.error().message << "\n";
        return kUsage;
    }
    const std::string host = listen.substr(0, listen.rfind(':'));
    const char* scheme = settings.tls_cert.empty() ? "http" : "https";
    // Scripts and the integration tests read the bound port from this line.
    std::cout << "photodeskd listening on " << scheme << "://" << host << ":" << port.value()
              << " backend=" << svc.ctx.stores().backend() << std::endl;
    spdlog::info("event=start backend={} listen={}:{} threads={}", svc.ctx.stores().backend(), host,
                 port.value(), settings.threads);

    std::thread waiter([&] {
        int sig = 0;
        sigwait(&sigs, &sig);
        spdlog::info("event=stopping signal={}", sig);
        http.stop();
    });
    http.run();
    // run() returned: either a signal stopped it, or listening failed; wake the waiter.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    spdlog::info("event=stopped");
    return kOk;
}

}  // namespace pd::photodeskd
