#include "storage/store_fixture.h"

#include <unistd.h>

#include <atomic>

#include "storage/image_store.h"
#include "storage/pg_cluster.h"

namespace pd::test {

std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// Every TEST_P(StoreTest, ...) in this binary runs on both backends.
INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgres"),
                         backend_name);

void StoreTest::SetUp() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("pd-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    if (is_postgres()) {
        if (postgres_skipped()) GTEST_SKIP() << "PD_SKIP_POSTGRES=1";
        std::string err;
        conninfo_ = PgCluster::instance().create_database(&err);
        ASSERT_FALSE(conninfo_.empty()) << err;
    }
    store_ = open();
    ASSERT_TRUE(store_);
}

void StoreTest::TearDown() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::unique_ptr<storage::Store> StoreTest::open() {
    auto r = is_postgres() ? storage::open_postgres_store(conninfo_, dir_)
                           : storage::open_sqlite_store(dir_);
    if (!r.ok()) {
        ADD_FAILURE() << "open " << GetParam() << ": " << r.error().message;
        return nullptr;
    }
    return std::move(r).value();
}

storage::Student StoreTest::student(int i, const std::string& school, const std::string& grade) {
    // Unique 18-character ids; storage does not validate the check digit (the caller does).
    char id[32];
    std::snprintf(id, sizeof id, "110105199001%06d", i);
    return {"学生" + std::to_string(i), id, "S" + std::to_string(i), school, "main", grade};
}

storage::AddedSubmission StoreTest::add(storage::Store& s, const storage::Student& st,
                                        std::int64_t deadline, int image_seed,
                                        bool store_image) {
    int seed = image_seed >= 0 ? image_seed : image_counter_++;
    std::string bytes = "jpeg-bytes-" + std::to_string(seed);
    std::vector<unsigned char> data(bytes.begin(), bytes.end());
    auto hash = store_image ? MUST(s.put_image(data)) : storage::sha256_hex(data);
    storage::NewSubmission n;
    n.student = st;
    n.images = {hash, hash, hash, hash};
    n.checks_json = R"({"checks":[]})";
    n.submitted_at = deadline - 2 * 86400;
    n.sla_deadline = deadline;
    return MUST(s.add_submission(n));
}

}  // namespace pd::test
