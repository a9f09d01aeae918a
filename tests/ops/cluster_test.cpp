// Several photodeskd nodes on one PostgreSQL database and one image directory, behind nginx with
// upstream round robin (docs/operations.md, "Several nodes"). The load is bench/load's simulated
// reviewers (16, through nginx, each from its own address), with short leases and abandons;
// exactly-once is checked against the events feed and the audit (bench/load/verify.h).
//
// Size: PD_OPS_ITEMS_PER_REVIEWER items per reviewer. The default keeps each test well under a
// minute in CI (2 cores, release and ASan); scripts/ops-load.sh runs the 16 x 5,000.
// PD_OPS_FIGURES=1 also runs ClusterFigures, the one-node / two-node measurements of
// docs/operations.md.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "load/load.h"
#include "load/seed.h"
#include "load/verify.h"
#include "ops/ops_env.h"
#include "storage/pg_cluster.h"

namespace pd::ops {
namespace {

using nlohmann::json;

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr int kDefaultItemsPerReviewer = 100;   // sanitized nodes run several times slower
#else
constexpr int kDefaultItemsPerReviewer = 300;   // 4,800 items: enough leases expire, abandons and late pushes
#endif
constexpr int kReviewers = 16;

// The postmaster of the test cluster (its command line carries the port), for CPU figures.
pid_t postmaster_of(const std::string& conninfo) {
    const auto at = conninfo.find("port=");
    if (at == std::string::npos) return -1;
    const std::string port = conninfo.substr(at + 5, conninfo.find(' ', at) - at - 5);
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmd = read_file(e.path() / "cmdline");
        for (char& c : cmd)
            if (c == '\0') c = ' ';
        if (cmd.find("postgres") != std::string::npos && cmd.find("-p " + port + " ") != std::string::npos)
            return pid_t(std::stol(name));
    }
    return -1;
}

class ClusterTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (test::postgres_skipped()) GTEST_SKIP() << "PD_SKIP_POSTGRES=1";
        if (nginx_skipped()) GTEST_SKIP() << "PD_SKIP_NGINX=1";
        ASSERT_TRUE(fs::exists(nginx_binary()))
            << nginx_binary() << " not found: install Debian's nginx (scripts/install-deps.sh)";
        reap_orphans();
        dir_ = make_work_dir();
        fs::create_directories(dir_ / "images-share");
    }
    void TearDown() override {
        nginx_.stop();
        for (auto& n : nodes_) {
            if (n.alive()) {
                EXPECT_TRUE(n.stop()) << n.log();
            }
        }
        remove_work_dir(dir_);
    }

    // A fresh database with `items` pending items and the load users; the data directory
    // (images) is the one every node shares, as over NFS in production.
    void seed(std::int64_t items, int reviewers) {
        std::string err;
        db_ = test::PgCluster::instance().create_database(&err);
        ASSERT_FALSE(db_.empty()) << err;
        load::SeedOptions so;
        so.data_dir = data();
        so.db = db_;
        so.pending = items;
        so.reviewers = reviewers;
        so.tokens_out = dir_ / "tokens";
        so.feed_token_out = dir_ / "feed";
        ASSERT_NO_THROW(load::seed(so));
        reviewer_tokens_ = read_lines(so.tokens_out);
        supervisor_ = read_lines(so.feed_token_out).at(0);
        admin_ = add_user(data(), db_, "admin", "admin", &err);
        ASSERT_FALSE(admin_.empty()) << err;
    }
    fs::path data() const { return dir_ / "images-share"; }

    void start(int nodes) {
        std::vector<int> ports;
        for (int i = 0; i < nodes; ++i) {
            std::string err;
            nodes_.emplace_back();
            ASSERT_TRUE(nodes_.back().start(data(), db_, dir_ / ("node" + std::to_string(i) + ".log"), {}, &err))
                << err;
            ports.push_back(nodes_.back().port());
        }
        std::string err;
        ASSERT_TRUE(nginx_.start(dir_ / "nginx", ports, &err)) << err;
    }

    load::LoadOptions reviewers_through_nginx() const {
        load::LoadOptions o;
        o.urls = {nginx_.url()};
        o.ca_file = nginx_.ca_file().string();
        o.tokens = reviewer_tokens_;
        o.feed_token = supervisor_;
        o.reviewers = kReviewers;
        o.batch = 20;
        o.spread_sources = true;   // 16 workstations, 16 client addresses
        o.request_timeout_s = 30;
        return o;
    }

    // Requests the access log shows served by a node (status 200 from it).
    int served_by(const Node& n) const {
        const std::string log = read_file(nginx_.access_log());
        const std::string key = "node=127.0.0.1:" + std::to_string(n.port()) + " node_status=200";
        int count = 0;
        for (size_t at = 0; (at = log.find(key, at)) != std::string::npos; ++at) ++count;
        return count;
    }

    fs::path dir_;
    std::string db_, supervisor_, admin_;
    std::vector<std::string> reviewer_tokens_;
    std::vector<Node> nodes_;
    Nginx nginx_;
};

std::string problems_of(const load::VerifyReport& v) {
    std::string s = v.summary();
    for (const auto& p : v.problems) s += "\n  " + p;
    return s;
}

// 16 reviewers through nginx over two nodes, 3 s leases, 5% of claims walked away from (half
// of them pushed late); node B is killed with SIGKILL when half the items are acknowledged.
// Every item ends decided exactly once, every acknowledged decision is in the audit, node A
// serves the second half alone.
TEST_F(ClusterTest, TwoNodesDecideEveryItemOnceThroughAKill9) {
    const std::int64_t items = std::int64_t(kReviewers) * env_int("PD_OPS_ITEMS_PER_REVIEWER", kDefaultItemsPerReviewer);
    seed(items, kReviewers);
    ASSERT_FALSE(HasFatalFailure());
    start(2);
    ASSERT_FALSE(HasFatalFailure());
    Node& a = nodes_[0];
    Node& b = nodes_[1];

    load::LoadOptions o = reviewers_through_nginx();
    o.lease_seconds = 3;
    o.abandon = 0.05;
    o.drain = true;
    o.retry = true;
    o.record_acks = true;
    o.seconds = 900;   // a time limit only: the run ends when the queue is drained
    std::int64_t acked_at_kill = -1;
    double killed_at_s = -1;
    size_t a_log_at_kill = 0;
    const auto t0 = std::chrono::steady_clock::now();
    o.on_progress = [&](const load::LoadResult& p) {
        if (acked_at_kill >= 0 || p.applied + p.duplicates < items / 2) return;
        acked_at_kill = p.applied + p.duplicates;
        killed_at_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        b.kill9();
        a_log_at_kill = read_file(dir_ / "node0.log").size();
    };
    const load::LoadResult r = load::run_load(o);

    ASSERT_GT(acked_at_kill, 0) << "node B was never killed";
    EXPECT_FALSE(b.alive());
    EXPECT_TRUE(r.drained) << "acknowledged " << r.applied + r.duplicates << " of " << items;
    EXPECT_EQ(r.http_errors, 0) << (r.first_errors.empty() ? "" : r.first_errors[0]);
    EXPECT_EQ(r.transport_errors + r.unanswered_at_end, 0);
    EXPECT_GT(r.abandoned_claims, 0);
    EXPECT_GT(r.late_applied + r.late_conflicts, 0);

    const load::VerifyReport v =
        load::verify_exactly_once(nginx_.url(), supervisor_, nginx_.ca_file().string(), items, r.acks);
    EXPECT_TRUE(v.ok()) << problems_of(v);

    // Both nodes served before the kill (round robin); A alone after it.
    nginx_.stop();   // flushes the access log
    EXPECT_GT(served_by(a), 0);
    EXPECT_GT(served_by(b), 0);
    EXPECT_NE(read_file(dir_ / "node1.log").find("route=/v1/decisions status=200"), std::string::npos);
    const std::string a_after = read_file(dir_ / "node0.log").substr(a_log_at_kill);
    EXPECT_NE(a_after.find("route=/v1/decisions status=200"), std::string::npos);
    EXPECT_EQ(a.log().find("level=error"), std::string::npos) << a.log();

    std::printf("two nodes, %lld items, 16 reviewers: drained in %.1f s (%.0f decisions/s), claim p50 %.1f "
                "p99 %.1f ms; node B killed at %.1f s after %lld acknowledged; %lld requests resent; "
                "abandoned %lld claims (%lld items), late applied %lld, late conflicts %lld; %s\n",
                (long long)items, r.elapsed_s, r.decisions_per_s(), r.claim.pct(50), r.claim.pct(99), killed_at_s,
                (long long)acked_at_kill, (long long)r.retried, (long long)r.abandoned_claims,
                (long long)r.abandoned_items, (long long)r.late_applied, (long long)r.late_conflicts,
                v.summary().c_str());
}

// [auth] token_cache_s of the shipped config/server.toml: how long a node may keep answering
// for a revoked token (10 when the key is not there).
double token_cache_seconds() {
    const std::string toml = read_file(config_dir() + "/server.toml");
    const auto at = toml.find("\ntoken_cache_s");
    if (at == std::string::npos) return 10;
    const auto eq = toml.find('=', at);
    return eq == std::string::npos ? 10 : std::atof(toml.c_str() + eq + 1);
}

// Issue 9 item 10 across nodes: a token revoked on one node (POST /v1/users/{name}/revoke), or by
// `photodeskd user revoke` on the shared database, is refused by every node within
// [auth] token_cache_s, though each had it cached.
TEST_F(ClusterTest, ARevokedTokenIsRefusedByEveryNode) {
    int code = -1;
    seed(100, 3);
    ASSERT_FALSE(HasFatalFailure());
    start(2);
    ASSERT_FALSE(HasFatalFailure());
    const double bound = token_cache_seconds() + 2;   // + the poll's step and a loaded machine
    HttpClient direct;
    const auto& t = reviewer_tokens_;
    for (const auto& n : nodes_)   // both nodes know (and cache) every token
        for (const auto& token : t) ASSERT_EQ(direct.get(n.url() + "/v1/me", token).status, 200);

    // Seconds until every node refuses `token` (-1: some node still accepts it after 30 s).
    auto refused_everywhere_after = [&](const std::string& token, std::vector<double>* per_node) {
        const auto t0 = std::chrono::steady_clock::now();
        per_node->assign(nodes_.size(), -1);
        while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30)) {
            bool all = true;
            for (size_t i = 0; i < nodes_.size(); ++i) {
                if ((*per_node)[i] >= 0) continue;
                if (direct.get(nodes_[i].url() + "/v1/me", token).status == 401)
                    (*per_node)[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                else
                    all = false;
            }
            if (all) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    };

    // Through node A's API: A refuses at once, B within the cache time.
    auto r = direct.post(nodes_[0].url() + "/v1/users/load-r0/revoke", admin_, "{}");
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<double> api;
    refused_everywhere_after(t[0], &api);
    EXPECT_GE(api[0], 0);
    EXPECT_LT(api[0], 0.5) << "node A revoked it itself";
    EXPECT_GE(api[1], 0) << "node B still accepts the token revoked on node A";
    EXPECT_LE(api[1], bound);

    // Through the CLI (another process on the database): every node within the cache time,
    // though both had just looked the token up.
    for (const auto& n : nodes_) ASSERT_EQ(direct.get(n.url() + "/v1/me", t[1]).status, 200);
    const std::string out = photodeskd({"user", "revoke", "load-r1"}, data(), db_, &code);
    ASSERT_EQ(code, 0) << out;
    std::vector<double> cli;
    refused_everywhere_after(t[1], &cli);
    for (size_t i = 0; i < cli.size(); ++i) {
        EXPECT_GE(cli[i], 0) << "node " << i << " still accepts the token revoked by the CLI";
        EXPECT_LE(cli[i], bound) << "node " << i;
    }

    // Through nginx (either node): the revoked are refused, the others served.
    HttpClient c(nginx_.ca_file().string());
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(c.get(nginx_.url() + "/v1/me", t[0]).status, 401);
        EXPECT_EQ(c.get(nginx_.url() + "/v1/me", t[1]).status, 401);
        EXPECT_EQ(c.get(nginx_.url() + "/v1/me", t[2]).status, 200);
    }
    std::printf("revoked on node A: refused by A after %.2f s, by B after %.2f s; by the CLI: A %.2f s, B %.2f s "
                "(token_cache_s %.0f)\n",
                api[0], api[1], cli[0], cli[1], token_cache_seconds());
}

// [SECTION] figures (PD_OPS_FIGURES=1, scripts/ops-load.sh): docs/operations.md, "Sizing"

// What the active PostgreSQL backends wait on, sampled every 100 ms while it runs.
class WaitSampler {
public:
    explicit WaitSampler(const std::string& conninfo) {
        thread_ = std::thread([this, conninfo] {
            try {
                pqxx::connection c(conninfo);
                while (!stop_) {
                    pqxx::nontransaction tx(c);
                    for (const auto& row : tx.exec(
                             "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity "
                             "WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"))
                        ++counts_[row[0].as<std::string>()];
                    // The events feed's commit-order lock (kEventsLock, pg_conn.cpp): the one
                    // bigint advisory lock decision batches take, held until their commit.
                    const auto l = tx.exec(
                        "SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted) "
                        "FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND classid = 0 "
                        "AND objid = 1346633730");   // 0x5044'0002
                    events_lock_held_ += l[0][0].as<int>() > 0 ? 1 : 0;
                    events_lock_waiters_ += l[0][1].as<int>();
                    ++samples_;
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
            } catch (const std::exception& e) {
                error_ = e.what();
            }
        });
    }
    // "name share%, ..." of the most frequent, per sample: the average number of active
    // backends in each state.
    std::string stop() {
        stop_ = true;
        thread_.join();
        std::vector<std::pair<int, std::string>> v;
        for (const auto& [k, n] : counts_) v.emplace_back(n, k);
        std::sort(v.rbegin(), v.rend());
        std::string out;
        char b[96];
        for (size_t i = 0; i < v.size() && i < 5; ++i) {
            std::snprintf(b, sizeof b, "%s%s %.2f", i ? ", " : "", v[i].second.c_str(),
                          samples_ ? double(v[i].first) / samples_ : 0.0);
            out += b;
        }
        std::snprintf(b, sizeof b, "; events lock held in %.0f%% of samples, %.2f waiting for it",
                      samples_ ? 100.0 * events_lock_held_ / samples_ : 0.0,
                      samples_ ? double(events_lock_waiters_) / samples_ : 0.0);
        out += b;
        return error_.empty() ? out : "sampler failed: " + error_;
    }

private:
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::map<std::string, int> counts_;
    int samples_ = 0, events_lock_held_ = 0, events_lock_waiters_ = 0;
    std::string error_;
};

struct Figures {
    std::string setup;
    double paced_rate = 0, paced_claim_p50 = 0, paced_claim_p99 = 0, paced_decide_p99 = 0;
    double dps = 0, claim_p50 = 0, claim_p99 = 0, decide_p50 = 0, decide_p99 = 0;
    double cpu_nodes = 0, cpu_nginx = 0, cpu_pg = 0, cpu_load = 0, seconds = 0;
    std::string waits, verify;
};

class ClusterFigures : public ClusterTest {
protected:
    Figures measure(int nodes, bool through_nginx, std::int64_t items, double paced_rate) {
        Figures f;
        f.setup = std::to_string(nodes) + (nodes == 1 ? " node" : " nodes") + (through_nginx ? ", nginx" : ", direct");
        seed(items, kReviewers);
        start(nodes);
        if (HasFatalFailure()) return f;
        load::LoadOptions o = reviewers_through_nginx();
        if (!through_nginx) {
            o.urls.clear();
            for (const auto& n : nodes_) o.urls.push_back(n.url());
            o.ca_file.clear();
            o.spread_sources = false;
        }
        o.retry = true;
        o.record_acks = true;
        std::vector<load::Ack> acks;
        // Paced: the claim latency under a working load.
        load::LoadOptions p = o;
        p.rate = paced_rate;
        p.seconds = 15;
        const load::LoadResult pr = load::run_load(p);
        f.paced_rate = paced_rate;
        f.paced_claim_p50 = pr.claim.pct(50);
        f.paced_claim_p99 = pr.claim.pct(99);
        f.paced_decide_p99 = pr.decide.pct(99);
        acks = pr.acks;
        // Saturation: every reviewer claims again as soon as its decisions are answered, until
        // the queue is empty.
        o.drain = true;
        o.seconds = 1800;
        auto cpu = [&] {
            std::vector<double> v;
            double n = 0;
            for (const auto& x : nodes_) n += cpu_seconds(x.pid(), false);
            v.push_back(n);
            v.push_back(cpu_seconds(nginx_.master_pid(), true));
            v.push_back(cpu_seconds(postmaster_of(db_), true));
            return v;
        };
        const auto c0 = cpu();
        WaitSampler waits(db_);
        const load::LoadResult r = load::run_load(o);
        f.waits = waits.stop();
        const auto c1 = cpu();
        f.dps = r.decisions_per_s();
        f.claim_p50 = r.claim.pct(50);
        f.claim_p99 = r.claim.pct(99);
        f.decide_p50 = r.decide.pct(50);
        f.decide_p99 = r.decide.pct(99);
        f.seconds = r.elapsed_s;
        f.cpu_nodes = c1[0] - c0[0];
        f.cpu_nginx = through_nginx ? c1[1] - c0[1] : 0;
        f.cpu_pg = c1[2] - c0[2];
        f.cpu_load = r.client_cpu_s;
        acks.insert(acks.end(), r.acks.begin(), r.acks.end());
        EXPECT_TRUE(r.drained);
        EXPECT_EQ(r.http_errors + r.transport_errors, 0) << (r.first_errors.empty() ? "" : r.first_errors[0]);
        const auto v = load::verify_exactly_once(o.urls[0], supervisor_, o.ca_file, items, acks);
        EXPECT_TRUE(v.ok()) << problems_of(v);
        f.verify = v.ok() ? "exactly once" : "FAILED";
        // Tear this setup down for the next one.
        nginx_.stop();
        for (auto& n : nodes_) EXPECT_TRUE(n.stop()) << n.log();
        nodes_.clear();
        std::error_code ec;
        fs::remove_all(dir_ / "nginx", ec);
        return f;
    }
};

TEST_F(ClusterFigures, OneAndTwoNodes) {
    if (env_int("PD_OPS_FIGURES", 0) != 1) GTEST_SKIP() << "figures only with PD_OPS_FIGURES=1 (scripts/ops-load.sh)";
    const std::int64_t items = std::int64_t(kReviewers) * env_int("PD_OPS_ITEMS_PER_REVIEWER", 5000);
    const double rate = env_int("PD_OPS_PACED_RATE", 25);
    std::vector<Figures> all;
    for (const auto& [nodes, nginx] : std::vector<std::pair<int, bool>>{{1, true}, {2, true}, {1, false}, {2, false}}) {
        all.push_back(measure(nodes, nginx, items, rate));
        if (HasFailure()) break;
    }
    std::printf("\nphotodeskd on PostgreSQL, %d reviewers x claim 20 -> decide 20, %lld items per run; load average "
                "now %s",
                kReviewers, (long long)items, read_file("/proc/loadavg").c_str());
    std::printf("%-16s %11s %9s %9s %10s %10s | %12s %10s %10s | %s\n", "setup", "decisions/s", "claim p50",
                "claim p99", "decide p50", "decide p99", "paced claims/s", "claim p50", "claim p99",
                "CPU s during saturation: nodes / nginx / postgres / load tool (of the run's s x 2 cores)");
    for (const auto& f : all)
        std::printf("%-16s %11.0f %9.1f %9.1f %10.1f %10.1f | %12.0f %10.1f %10.1f | %.1f / %.1f / %.1f / %.1f (%.1f s)\n",
                    f.setup.c_str(), f.dps, f.claim_p50, f.claim_p99, f.decide_p50, f.decide_p99, f.paced_rate,
                    f.paced_claim_p50, f.paced_claim_p99, f.cpu_nodes, f.cpu_nginx, f.cpu_pg, f.cpu_load, f.seconds);
    for (const auto& f : all)
        std::printf("%-16s postgres active backends by wait (mean per sample): %s; %s\n", f.setup.c_str(),
                    f.waits.c_str(), f.verify.c_str());
}

}  // namespace
}  // namespace pd::ops
