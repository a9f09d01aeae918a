// Token revocation (docs/api.md, "Authentication"): an admin revokes a user through the API or
// `photodeskd user revoke`, and every photodeskd on the database refuses the token within
// [auth] token_cache_s. The CLI is another process writing the database, as another node
// would: the running server learns of it only through the database.
#include <gtest/gtest.h>

#include <thread>

#include "server/server_checks.h"
#include "server/server_fixture.h"

namespace pd::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST_P(ServerTest, RevokedTokensAreRefusedWithinTheCacheTime) {
    restart_with_settings({{"token_cache_s", "1"}});
    auto store = open_store();
    ASSERT_TRUE(store);
    auto admin = client("admin");
    auto rev1 = client("rev1"), rev2 = client("rev2");
    ASSERT_EQ(must_respond(rev1.me(), "me").status, 200);   // now cached
    ASSERT_EQ(must_respond(rev2.me(), "me").status, 200);

    // Through the API: refused at once on this node.
    auto r = must_respond(admin.post_json("/v1/users/rev1/revoke", json::object()), "revoke rev1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["user"]["name"], "rev1");
    EXPECT_TRUE(r.json()["revoked"].get<bool>());
    auto refused = must_respond(rev1.me(), "me after revoke");
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.error_code(), "unauthorized");
    EXPECT_NE(refused.error_message().find("revoked"), std::string::npos) << refused.body;
    // Idempotent; unknown users and non-admins are refused.
    EXPECT_EQ(must_respond(admin.post_json("/v1/users/rev1/revoke", json::object()), "again").status, 200);
    EXPECT_EQ(must_respond(admin.post_json("/v1/users/nobody/revoke", json::object()), "nobody").status, 404);
    EXPECT_EQ(must_respond(client("sup").post_json("/v1/users/rev2/revoke", json::object()), "sup").status, 403);

    // Through another process: refused within token_cache_s (+ the poll's own step).
    int code = -1;
    std::string err;
    run_photodeskd({"user", "revoke", "rev2"}, &code, &err);
    ASSERT_EQ(code, 0) << err;
    const auto t0 = Clock::now();
    long status = 200;
    while (status == 200 && Clock::now() - t0 < std::chrono::seconds(10)) {
        status = must_respond(rev2.me(), "me").status;
        if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double waited = std::chrono::duration<double>(Clock::now() - t0).count();
    EXPECT_EQ(status, 401);
    EXPECT_LT(waited, 2.5) << "the revocation took " << waited << " s to reach the server";
    std::cout << "[ revoke ] " << GetParam() << ": the CLI's revocation reached the server in " << waited << " s\n";

    // Audited under the admins who revoked; the CLI again refuses an unknown name.
    const auto audits = all_audit(*store, "user_revoke");
    ASSERT_EQ(audits.size(), 2u);
    EXPECT_EQ(audits[1].actor, "admin");   // newest first
    EXPECT_EQ(json::parse(audits[1].detail_json).value("user", ""), "rev1");
    run_photodeskd({"user", "revoke", "nobody"}, &code, &err);
    EXPECT_EQ(code, 1);
    EXPECT_NE(err.find("nobody"), std::string::npos) << err;
    // Other users are untouched.
    EXPECT_EQ(must_respond(client("sup").me(), "sup").status, 200);
}

}  // namespace
}  // namespace pd::test
