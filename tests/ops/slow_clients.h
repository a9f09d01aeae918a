// Slow clients, the attack of issue 9 item 2: N sockets that each send the start of a request
// (half a header, or a whole header and the first byte of a long body) and then one byte every
// few seconds, for a while, from one source address. Over TLS (nginx's HTTPS port) or plain
// TCP. Records for each socket when the server closed it and the first bytes it answered (a
// 429 from a connection limit, say).
//
// Threading: start() runs the whole attack on its own thread; result() joins it.
#pragma once

#include <string>
#include <thread>
#include <vector>

namespace pd::ops {

struct SlowClientsOptions {
    int port = 0;                      // on 127.0.0.1
    bool tls = true;
    std::string source;                // source address (e.g. 127.0.0.2); empty: any
    int sockets = 64;
    std::string opening;               // sent right after connecting
    double drip_every_s = 10;          // then one byte ('x') this often
    double seconds = 25;               // how long the attack lasts
};

struct SlowClientsResult {
    int connected = 0;                 // sockets connected (and TLS handshakes done)
    std::vector<double> closed_at_s;   // per socket: when the server closed it; -1 = still open
    std::vector<std::string> answers;  // per socket: the first bytes the server sent, if any
    std::string error;                 // set when the attack could not start

    int closed() const;
    int answered_with(const std::string& status_line_prefix) const;   // e.g. "HTTP/1.1 429"
    double last_close_s() const;
};

class SlowClients {
public:
    ~SlowClients() { if (thread_.joinable()) thread_.join(); }
    void start(const SlowClientsOptions& o);
    SlowClientsResult result();        // waits for the end of the attack

private:
    std::thread thread_;
    SlowClientsResult result_;
};

}  // namespace pd::ops
