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
#include "server/review_service.h"
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
    auto service = server::make_service({c.data_dir, c.db, c.config_dir, c.settings_file, 0, true});
    if (!service) {
        std::cerr << "photodeskd: " << service.error().message << "\n";
        return service.error().code == ErrorCode::ConfigInvalid ? kUsage : kStoreFailed;
    }
    auto& svc = *service.value();
    spdlog::set_level(spdlog::level::from_str(svc.settings().log_level));

    server::HttpServer http(svc);
    const std::string listen = a.listen.empty() ? svc.settings().listen : a.listen;
    auto port = http.bind(listen);
    if (!port) {
        std::cerr << "photodeskd: " << port.error().message << "\n";
        return kUsage;
    }
    const std::string host = listen.substr(0, listen.rfind(':'));
    const char* scheme = svc.settings().tls_cert.empty() ? "http" : "https";
    // Scripts and the integration tests read the bound port from this line.
    std::cout << "photodeskd listening on " << scheme << "://" << host << ":" << port.value()
              << " backend=" << svc.stores().backend() << std::endl;
    spdlog::info("event=start backend={} listen={}:{} threads={}", svc.stores().backend(), host,
                 port.value(), svc.settings().threads);

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
