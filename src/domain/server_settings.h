// ServerSettings: how photodeskd serves the review queue, from config/server.toml. Limits,
// lease lengths and batch sizes live there, not in code; `photodeskd serve --config FILE`
// reads another file of the same shape.
#pragma once

#include <cstdint>
#include <string>

namespace pd::domain {

struct ServerSettings {
    // [http]
    std::string listen = "127.0.0.1:8420";   // HOST:PORT; port 0 picks a free one
    int threads = 64;                        // request-handling threads (one per open connection)
    std::int64_t max_json_bytes = 0;         // larger JSON bodies are refused with 413
    std::int64_t max_upload_bytes = 0;       // larger ingest uploads are refused with 413
    int keep_alive_max_count = 0;            // requests per keep-alive connection
    int keep_alive_timeout_s = 0;
    int read_timeout_s = 0;                  // longest wait for the next bytes of a request
    int header_timeout_s = 10;               // a request's first byte to the end of its headers
    int request_timeout_s = 120;             // a request's first byte to the end of its body
    int linger_s = 2;                        // after a refusal before the body: unread bytes are
                                             // drained this long, so the client reads the answer
    int max_json_depth = 32;                 // nesting of arrays/objects in a JSON body

    // [auth]
    int token_cache_s = 5;                   // a token found is re-checked against the database
                                             // after this: the bound on revocation across nodes

    // [storage]
    int db_connections = 16;                 // database connections shared by the threads
    int sweep_tmp_after_s = 3600;            // temp files older than this are deleted at start

    // [health]
    int probe_cache_s = 2;                   // GET /healthz's write probe is rerun at most this often

    // [lease]
    int lease_default_s = 300;
    int lease_min_s = 1;
    int lease_max_s = 3600;
    int max_claim = 100;                     // items per claim
    int max_lease_ids = 1000;                // submission ids per renew or release

    // [decisions]
    int max_batch = 100;                     // decisions per push
    int max_decision_id_chars = 128;         // a decision_id is 1..this many bytes
    int max_note_bytes = 4000;               // a decision's or overturn's note
    int min_crop_width = 16;                 // px of the original, approve_recropped's crop

    // [ingest]
    int ingest_workers = 2;                  // engine jobs at once (server and bulk CLI)
    int thumbnail_width = 160;
    std::string spec = "chsi-2017";          // spec profile the queue standardizes to
    int submitted_at_max_skew_s = 300;       // an admin's backlog submitted_at may be this far
                                             // ahead of the server's clock

    // [queue]
    int queue_cache_s = 5;                   // GET /v1/queue answers are reused this long

    // [feeds]
    int events_default_limit = 500, events_max_limit = 5000;
    int audit_default_limit = 100, audit_max_limit = 5000;

    // [tls] both set: serve HTTPS only
    std::string tls_cert, tls_key;

    // [log]
    std::string log_level = "info";          // trace debug info warn error
};

}  // namespace pd::domain
