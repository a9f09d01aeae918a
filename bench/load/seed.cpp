// Bulk seeding of the review queue for bench_load (seed.h). One transaction per table set:
// SQLite through a prepared INSERT loop, PostgreSQL through INSERT ... SELECT generate_series.
// Column lists follow the version-1 migrations in src/storage/{sqlite,postgres}/*_conn.cpp.
#include "load/seed.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>

#include "storage/store.h"

namespace pd::load {
namespace {

constexpr std::int64_t kBaseTime = 1795500000;  // submitted_at of the newest item
constexpr int kSchools = 20;
// Claims and decisions never read images: every item points at one well-formed fake hash.
const std::string kFakeHash(64, 'a');

std::string hex(const unsigned char* p, size_t n) {
    static const char* d = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    return out;
}

// A report of the engine's shape (src/wire/engine_json.cpp: id, title, verdict, value, unit,
// threshold, reason, detail, geometry) with `n` checks, so claim responses have a realistic
// size per item.
std::string fake_checks_json(int n) {
    static const char* ids[] = {"eye_tilt", "yaw", "pitch", "crown_position", "eye_position",
                                "face_width", "centring", "eyes_open", "mouth_closed", "glasses_glare",
                                "background_uniformity", "skin_smoothing", "noise", "exposure",
                                "clipping", "sharpness", "colour_cast", "shoulders_level"};
    std::string s = "{\"report_version\":1,\"checks\":[";
    for (int i = 0; i < n; ++i) {
        if (i) s += ',';
        const std::string id = ids[i % (sizeof ids / sizeof *ids)];
        s += "{\"id\":\"" + id + "\",\"title\":\"" + id + " within the spec\",\"verdict\":\"pass\","
             "\"value\":0." + std::to_string(100 + i) + ",\"unit\":\"ratio\",\"threshold\":0.5,"
             "\"reason\":\"\",\"detail\":\"measured on the 1308x1744 working image\","
             "\"geometry\":{\"lines\":[],\"boxes\":[]}}";
    }
    return s + "]}";
}

// GB 11643: 17 digits (region 110105, birth date, sequence) + check digit. Student i (0-based)
// gets birth date 1998-01-01 + i/1000 days and sequence i%1000: distinct and valid.
std::string id_number(std::int64_t i) {
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    // days -> civil date (Howard Hinnant's algorithm), from 1998-01-01 = day 10227 since 1970.
    std::int64_t z = 10227 + i / 1000 + 719468;
    const std::int64_t era = z / 146097, doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2);
    char b[32];
    std::snprintf(b, sizeof b, "110105%04lld%02lld%02lld%03lld", (long long)y, (long long)m,
                  (long long)d, (long long)(i % 1000));
    int sum = 0;
    for (int k = 0; k < 17; ++k) sum += (b[k] - '0') * w[k];
    b[17] = "10X98765432"[sum % 11];
    b[18] = 0;
    return b;
}

struct UserRow {
    std::string name, role, token;
};

std::vector<UserRow> make_users(int reviewers) {
    std::vector<UserRow> u;
    for (int i = 0; i < reviewers; ++i) u.push_back({"load-r" + std::to_string(i), "reviewer", new_token()});
    u.push_back({"load-feed", "supervisor", new_token()});
    return u;
}

void write_tokens(const SeedOptions& o, const std::vector<UserRow>& users) {
    std::ofstream t(o.tokens_out), f(o.feed_token_out);
    if (!t || !f) throw std::runtime_error("cannot write the token files");
    for (const auto& u : users) (u.role == "reviewer" ? t : f) << u.token << "\n";
}

// [SECTION] SQLite

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db));
}

void seed_sqlite(const SeedOptions& o, const std::vector<UserRow>& users, const std::string& checks) {
    sqlite3* db = nullptr;
    const auto path = (o.data_dir / "photodesk.db").string();
    check(sqlite3_open(path.c_str(), &db), db, "open");
    auto exec = [&](const char* sql) { check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql); };
    // The seed need not be durable step by step: one transaction, no rollback journal (a
    // 1M-item transaction in WAL mode would write a 4.5 GB WAL and then checkpoint it), no
    // fsync until the end. WAL is switched back on before the server opens the file.
    exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; BEGIN");
    sqlite3_stmt *st = nullptr, *su = nullptr, *us = nullptr;
    check(sqlite3_prepare_v2(db,
                             "INSERT INTO students (id, id_number, name, student_no, school, station, grade) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, '本部', '2026')",
                             -1, &st, nullptr), db, "prepare students");
    check(sqlite3_prepare_v2(db,
                             "INSERT INTO submissions (id, student_id, attempt, state, school, grade, "
                             "submitted_at, sla_deadline, img_original, img_standardized, img_matte, "
                             "img_thumbnail, checks_json) VALUES (?1, ?1, 1, 'pending', ?2, '2026', ?3, ?4, "
                             "?5, ?5, ?5, ?5, ?6)",
                             -1, &su, nullptr), db, "prepare submissions");
    for (std::int64_t i = 0; i < o.pending; ++i) {
        const std::int64_t id = i + 1;
        const std::string idn = id_number(i), name = "学生" + std::to_string(id),
                          no = std::to_string(20260000000 + id),
                          school = "示例大学" + std::to_string(i % kSchools);
        const std::int64_t submitted = kBaseTime - o.pending + i;
        const std::int64_t deadline = submitted + 259200 + (i * 2654435761LL) % 3600;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, idn.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, no.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, school.c_str(), -1, SQLITE_TRANSIENT);
        check(sqlite3_step(st), db, "insert student");
        sqlite3_reset(su);
        sqlite3_bind_int64(su, 1, id);
        sqlite3_bind_text(su, 2, school.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(su, 3, submitted);
        sqlite3_bind_int64(su, 4, deadline);
        sqlite3_bind_text(su, 5, kFakeHash.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(su, 6, checks.c_str(), int(checks.size()), SQLITE_STATIC);
        check(sqlite3_step(su), db, "insert submission");
    }
    check(sqlite3_prepare_v2(db, "INSERT INTO users (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                             -1, &us, nullptr), db, "prepare users");
    for (const auto& u : users) {
        const std::string h = sha256_hex(u.token);
        sqlite3_reset(us);
        sqlite3_bind_text(us, 1, u.name.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(us, 2, u.role.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(us, 3, h.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(us, 4, kBaseTime);
        check(sqlite3_step(us), db, "insert user");
    }
    sqlite3_finalize(st);
    sqlite3_finalize(su);
    sqlite3_finalize(us);
    exec("COMMIT");
    // No ANALYZE: the server never runs it, so the benchmark sees the planner it gets in the field.
    exec("PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL");
    sqlite3_close(db);
}

// [SECTION] PostgreSQL

void seed_postgres(const SeedOptions& o, const std::vector<UserRow>& users, const std::string& checks) {
    pqxx::connection c(o.db);
    {
        pqxx::work tx(c);
        tx.exec("SET LOCAL synchronous_commit = off");
        const std::string n = std::to_string(o.pending), base = std::to_string(kBaseTime);
        // Same id_number rule as id_number() above, in SQL (check digit over the 17 digits).
        tx.exec(
            "INSERT INTO students (id, id_number, name, student_no, school, station, grade) "
            "SELECT g + 1, b17 || substr('10X98765432', (SELECT sum(substr(b17, k, 1)::int * "
            "(ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k]) FROM generate_series(1, 17) k)::int % 11 + 1, 1), "
            "'学生' || (g + 1), (20260000000 + g + 1)::text, '示例大学' || (g % " + std::to_string(kSchools) +
            "), '本部', '2026' FROM (SELECT g, '110105' || to_char(date '1998-01-01' + (g / 1000)::int, "
            "'YYYYMMDD') || lpad((g % 1000)::text, 3, '0') AS b17 FROM generate_series(0, " + n +
            " - 1) g) t");
        tx.exec_params(
            "INSERT INTO submissions (id, student_id, attempt, state, school, grade, submitted_at, "
            "sla_deadline, img_original, img_standardized, img_matte, img_thumbnail, checks_json) "
            "SELECT g + 1, g + 1, 1, 'pending', '示例大学' || (g % " + std::to_string(kSchools) + "), '2026', " +
                base + " - " + n + " + g, " + base + " - " + n + " + g + 259200 + (g * 2654435761) % 3600, "
            "$1, $1, $1, $1, $2 FROM generate_series(0, " + n + " - 1) g",
            kFakeHash, checks);
        for (const auto& u : users)
            tx.exec_params("INSERT INTO users (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4)",
                           u.name, u.role, sha256_hex(u.token), kBaseTime);
        // Explicit ids bypassed the BIGSERIAL sequences.
        tx.exec("SELECT setval('students_id_seq', (SELECT max(id) FROM students)), "
                "setval('submissions_id_seq', (SELECT max(id) FROM submissions))");
        tx.commit();
    }
    // What autovacuum would do in the first minutes anyway; done now so it does not run
    // in the middle of the measurement.
    pqxx::nontransaction nt(c);
    nt.exec("VACUUM ANALYZE students");
    nt.exec("VACUUM ANALYZE submissions");
    nt.exec("VACUUM ANALYZE users");
}

}  // namespace

std::string new_token() {
    std::array<unsigned char, 32> raw{};
    if (RAND_bytes(raw.data(), int(raw.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    return "pdt_" + hex(raw.data(), raw.size());
}

std::string sha256_hex(const std::string& s) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_Digest(s.data(), s.size(), md.data(), &len, EVP_sha256(), nullptr);
    return hex(md.data(), len);
}

SeedReport seed(const SeedOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    std::filesystem::create_directories(o.data_dir);
    {  // The real migrations create the schema (and refuse a newer one).
        auto store = o.db.empty() ? storage::open_sqlite_store(o.data_dir)
                                  : storage::open_postgres_store(o.db, o.data_dir);
        if (!store) throw std::runtime_error("opening the store failed: " + store.error().message);
    }
    const auto users = make_users(o.reviewers);
    const std::string checks = fake_checks_json(o.checks_per_report);
    try {
        if (o.db.empty()) seed_sqlite(o, users, checks);
        else seed_postgres(o, users, checks);
    } catch (const pqxx::failure& e) {
        throw std::runtime_error(std::string("postgres: ") + e.what());
    }
    write_tokens(o, users);
    SeedReport r;
    r.submissions = o.pending;
    r.checks_json_bytes = std::int64_t(checks.size());
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace pd::load
