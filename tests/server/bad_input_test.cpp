// Bad input from outside, against a real photodeskd on both backends: each malformed request
// gets its specific 4xx with the documented error code (docs/api.md, "Errors"), a field where
// one is at fault, a message that says what is wrong, and stores nothing.
#include <gtest/gtest.h>

#include <random>
#include <utility>

#include "server/server_checks.h"
#include "server/server_fixture.h"
#include "support/test_support.h"

namespace pd::test {
namespace {

using client::ApiClient;
using nlohmann::json;

struct Case {
    std::string who;            // fixture user
    std::string method;
    std::string path;
    std::string body;
    std::string content_type;   // empty: none
    long status;
    std::string code;
    std::string field;          // empty: not checked
    std::string message_has;    // empty: not checked
};

// A multipart/form-data body built by hand, so that parts can be left out.
std::string multipart(const std::vector<std::pair<std::string, std::string>>& parts) {
    std::string b;
    for (const auto& [name, content] : parts) {
        b += "--pdtestboundary\r\nContent-Disposition: form-data; name=\"" + name + "\"";
        if (name == "photo") b += "; filename=\"p.jpg\"\r\nContent-Type: application/octet-stream";
        else b += "\r\nContent-Type: application/json";
        b += "\r\n\r\n" + content + "\r\n";
    }
    return b + "--pdtestboundary--\r\n";
}
const std::string kMultipart = "multipart/form-data; boundary=pdtestboundary";

json decision(std::int64_t id, const std::string& verdict, std::vector<std::string> reasons = {},
              const std::string& note = "") {
    json d = {{"decision_id", client::new_decision_id()}, {"submission_id", id}, {"verdict", verdict},
              {"reasons", reasons}};
    if (!note.empty()) d["note"] = note;
    return d;
}

std::string decisions_body(const std::vector<json>& list) { return json{{"decisions", list}}.dump(); }

void expect_refused(const client::Response& r, const Case& c) {
    const std::string what = c.who + " " + c.method + " " + c.path + " " + c.body.substr(0, 120);
    EXPECT_EQ(r.status, c.status) << what << "\n-> " << r.body.substr(0, 400);
    EXPECT_EQ(r.error_code(), c.code) << what << "\n-> " << r.body.substr(0, 400);
    EXPECT_FALSE(r.error_message().empty()) << what;
    const json j = r.json();
    EXPECT_EQ(j.value("api_version", 0), 1) << what;
    EXPECT_EQ(r.header("PhotoDesk-API"), "1") << what;
    if (!c.field.empty()) {
        EXPECT_EQ(j["error"].value("field", ""), c.field) << what << "\n-> " << r.body.substr(0, 400);
    }
    if (!c.message_has.empty()) {
        EXPECT_NE(r.error_message().find(c.message_has), std::string::npos)
            << what << ": message '" << r.error_message() << "' lacks '" << c.message_has << "'";
    }
}

TEST_P(ServerTest, BadInputEachGetsItsErrorAndNothingIsStored) {
    const auto ids = seed(3);
    ASSERT_EQ(ids.size(), 3u);
    auto rev = client("rev1");
    auto held = must_respond(rev.claim({.n = 3, .lease_seconds = 600}), "claim");
    ASSERT_EQ(held.json()["items"].size(), 3u);   // so that a valid decision WOULD apply
    const std::int64_t a = ids[0], b = ids[1];
    const std::string sa = std::to_string(a);

    auto store = open_store();
    ASSERT_TRUE(store);
    const Footprint before = footprint(*store, dir_ / "data");

    std::vector<json> too_many;
    for (int i = 0; i < 101; ++i) too_many.push_back(decision(a, "approve"));
    json oversized = json::parse(decisions_body({decision(a, "approve")}));
    oversized["padding"] = std::string(1024 * 1024 + 1, 'x');
    json recrop_with_nothing = decision(a, "approve_recropped");
    json approve_with_crop = decision(a, "approve");
    approve_with_crop["crop"] = {{"x", 1.0}, {"y", 2.0}, {"width", 300.0}};
    json wrong_id_type = decision(b, "approve");
    wrong_id_type["submission_id"] = "b";

    const json good_meta = {{"name", "张三"}, {"id_number", valid_id(50)}, {"student_no", "1"},
                            {"school", "示例大学"}, {"grade", "2026"}};
    const std::string tiny_photo = "\xFF\xD8\xFF\xE0 not really";

    const std::vector<Case> cases = {
        // JSON that is not JSON, or not an object.
        {"rev1", "POST", "/v1/leases/claim", "{", "application/json", 400, "invalid_json"},
        {"rev1", "POST", "/v1/leases/claim", "[1,2]", "application/json", 400, "invalid_json"},
        {"rev1", "POST", "/v1/decisions", "decide everything", "application/json", 400, "invalid_json"},
        {"admin", "POST", "/v1/users", "\"bob\"", "application/json", 400, "invalid_json"},
        // Wrong types and impossible values, naming the field.
        {"rev1", "POST", "/v1/leases/claim", R"({"n":"5"})", "application/json", 400, "invalid_field", "n"},
        {"rev1", "POST", "/v1/leases/claim", R"({"n":0})", "application/json", 400, "invalid_field", "n"},
        {"rev1", "POST", "/v1/leases/claim", R"({"n":101})", "application/json", 400, "invalid_field", "n"},
        {"rev1", "POST", "/v1/leases/claim", R"({"lease_seconds":0})", "application/json", 400, "invalid_field", "lease_seconds"},
        {"rev1", "POST", "/v1/leases/claim", R"({"flagged_only":"yes"})", "application/json", 400, "invalid_field", "flagged_only"},
        {"rev1", "POST", "/v1/leases/renew", R"({"ids":["a"]})", "application/json", 400, "invalid_field", "ids[0]"},
        {"rev1", "POST", "/v1/leases/release", R"({})", "application/json", 400, "invalid_field", "ids"},
        {"rev1", "POST", "/v1/decisions", R"({"decisions":{}})", "application/json", 400, "invalid_field", "decisions"},
        {"rev1", "POST", "/v1/decisions", R"({"decisions":[]})", "application/json", 400, "invalid_field", "decisions"},
        {"rev1", "POST", "/v1/decisions", decisions_body({decision(a, "approve"), wrong_id_type}), "application/json",
         400, "invalid_field", "decisions[1].submission_id"},
        {"rev1", "POST", "/v1/decisions", decisions_body({decision(a, "maybe")}), "application/json", 400,
         "invalid_field", "decisions[0].verdict"},
        {"admin", "POST", "/v1/users", R"({"name":"bob","role":"boss"})", "application/json", 400, "invalid_field", "role"},
        {"admin", "POST", "/v1/users", R"({"name":"b o b","role":"reviewer"})", "application/json", 400, "invalid_field", "name"},
        {"sup", "GET", "/v1/events?limit=abc", "", "", 400, "invalid_field", "limit"},
        {"sup", "GET", "/v1/events?limit=5001", "", "", 400, "invalid_field", "limit"},
        {"sup", "GET", "/v1/audit?submission_id=-1", "", "", 400, "invalid_field", "submission_id"},
        // Decision rules: the whole batch is refused, the valid decision before it included.
        {"rev1", "POST", "/v1/decisions", decisions_body({decision(a, "approve"), decision(b, "reject", {"hat"})}),
         "application/json", 422, "unknown_reason", "decisions[1].reasons[0]", "'hat'"},
        {"rev1", "POST", "/v1/decisions", decisions_body({decision(a, "reject", {"other"})}), "application/json",
         422, "note_required", "decisions[0].note", "other"},
        {"rev1", "POST", "/v1/decisions", decisions_body({decision(a, "reject", {"other"}, "  \n")}),
         "application/json", 422, "note_required", "decisions[0].note"},
        {"rev1", "POST", "/v1/decisions", decisions_body({decision(a, "approve"), decision(b, "reject")}),
         "application/json", 422, "reasons_required", "decisions[1].reasons"},
        {"rev1", "POST", "/v1/decisions", decisions_body({recrop_with_nothing}), "application/json", 400,
         "invalid_field", "decisions[0].crop"},
        {"rev1", "POST", "/v1/decisions", decisions_body({approve_with_crop}), "application/json", 400,
         "invalid_field", "decisions[0].crop"},
        {"rev1", "POST", "/v1/decisions", decisions_body(too_many), "application/json", 400, "invalid_field",
         "decisions", "at most 100"},
        {"sup", "POST", "/v1/submissions/" + sa + "/overturn", R"({"verdict":"approve","reasons":[]})",
         "application/json", 422, "note_required", "note"},
        {"sup", "POST", "/v1/submissions/" + sa + "/overturn", R"({"verdict":"reject","note":"n"})",
         "application/json", 422, "reasons_required", "reasons"},
        {"admin", "POST", "/v1/students/1101051990010100A0/unlock", R"({"note":"n"})",
         "application/json", 422, "invalid_id_number", "id_number"},
        // Over [http] max_json_bytes.
        {"rev1", "POST", "/v1/decisions", oversized.dump(), "application/json", 413, "payload_too_large", "", "1048576"},
        // Path ids and image kinds.
        {"sup", "GET", "/v1/submissions/abc", "", "", 400, "invalid_id", "", "abc"},
        {"sup", "GET", "/v1/submissions/0", "", "", 400, "invalid_id"},
        {"sup", "GET", "/v1/submissions/-5", "", "", 400, "invalid_id"},
        {"sup", "GET", "/v1/submissions/99999999999999999999", "", "", 400, "invalid_id"},
        {"sup", "GET", "/v1/submissions/12abc/images/original", "", "", 400, "invalid_id"},
        {"sup", "GET", "/v1/submissions/" + sa + "/images/bogus", "", "", 400, "invalid_id", "", "bogus"},
        {"sup", "POST", "/v1/submissions/abc/overturn", R"({"verdict":"approve","note":"n"})", "application/json",
         400, "invalid_id"},
        {"sup", "GET", "/v1/exports/..zip", "", "", 400, "invalid_id"},
        // Unknown routes: a JSON 404.
        {"sup", "GET", "/v1/nope", "", "", 404, "not_found", "", "/v1/nope"},
        {"rev1", "POST", "/v2/decisions", "{}", "application/json", 404, "not_found"},
        {"sup", "GET", "/v1/submissions/" + sa + "/images", "", "", 404, "not_found"},
        // Ingest: not multipart, parts missing, meta malformed.
        {"ing", "POST", "/v1/submissions", good_meta.dump(), "application/json", 415, "unsupported_media_type"},
        {"ing", "POST", "/v1/submissions", multipart({{"meta", good_meta.dump()}}), kMultipart, 400, "invalid_field", "photo"},
        {"ing", "POST", "/v1/submissions", multipart({{"photo", tiny_photo}}), kMultipart, 400, "invalid_field", "meta"},
        {"ing", "POST", "/v1/submissions", multipart({{"meta", "{name"}, {"photo", tiny_photo}}), kMultipart, 400, "invalid_json"},
        {"ing", "POST", "/v1/submissions",
         multipart({{"meta", R"({"id_number":"11010519491231002X","student_no":"1","school":"s","grade":"g"})"},
                    {"photo", tiny_photo}}),
         kMultipart, 400, "invalid_field", "meta.name"},
        {"ing", "POST", "/v1/submissions",
         multipart({{"meta", R"({"name":"n","id_number":110105194912310020,"student_no":"1","school":"s","grade":"g"})"},
                    {"photo", tiny_photo}}),
         kMultipart, 400, "invalid_field", "meta.id_number"},
        {"ing", "POST", "/v1/submissions", multipart({{"meta", good_meta.dump()}, {"photo", ""}}), kMultipart, 400,
         "invalid_field", "photo"},
    };

    int n = 0;
    for (const auto& c : cases) {
        auto cl = client(c.who);
        auto r = must_respond(cl.request(c.method, c.path, c.body, c.content_type), c.method + " " + c.path);
        expect_refused(r, c);
        EXPECT_NE(r.content_type.find("application/json"), std::string::npos) << c.path << ": " << r.content_type;
        ++n;
    }

    // Ingest with a bad ID number: 422, the message names the problem, never the full number.
    auto ing = client("ing");
    const std::string good = valid_id(60);
    const char wrong_check = good[17] == '0' ? '1' : '0';
    const std::vector<std::pair<std::string, std::string>> bad_ids = {
        {good.substr(0, 17) + wrong_check, "check character should be"},
        {good.substr(0, 9) + "A" + good.substr(10), "non-digit 'A' at position 10"},
        {good.substr(0, 17), "18 characters"},
        {"110105" + std::string("19991340") + "0013", "birth date"},
        {good.substr(0, 17) + "Y", "position 18"},
    };
    const std::vector<unsigned char> some_bytes(tiny_photo.begin(), tiny_photo.end());
    for (const auto& [id, problem] : bad_ids) {
        json meta = good_meta;
        meta["id_number"] = id;
        auto r = must_respond(ing.ingest(meta, some_bytes, "p.jpg"), "ingest " + id);
        expect_refused(r, {"ing", "INGEST", id, "", "", 422, "invalid_id_number", "meta.id_number", problem});
        EXPECT_EQ(r.body.find(id), std::string::npos) << "the full ID number is echoed: " << r.body;
        ++n;
    }

    // Photos the engine cannot decode.
    std::mt19937 rng(42);
    std::vector<unsigned char> noise(64 * 1024);
    for (auto& byte : noise) byte = static_cast<unsigned char>(rng());
    const auto truncated = read_bytes(truncated_jpeg_path());
    ASSERT_FALSE(truncated.empty());
    int k = 70;
    for (const std::vector<unsigned char>* photo : {&std::as_const(noise), &truncated}) {
        json meta = good_meta;
        meta["id_number"] = valid_id(k++);
        auto r = must_respond(ing.ingest(meta, *photo, "p.jpg"), "ingest corrupt photo");
        expect_refused(r, {"ing", "INGEST", "corrupt photo", "", "", 422, "bad_image", "photo", "photo: "});
        ++n;
    }

    // A photo one byte over [http] max_upload_bytes (60 MiB).
    {
        std::vector<unsigned char> huge(60u * 1024 * 1024 + 1, 0xAB);
        json meta = good_meta;
        meta["id_number"] = valid_id(80);
        auto r = ing.ingest(meta, huge, "huge.jpg");
        ASSERT_TRUE(r.ok()) << "no answer to an oversized upload: " << r.error().message;
        expect_refused(r.value(), {"ing", "INGEST", "60 MiB + 1", "", "", 413, "payload_too_large", "", "62914560"});
        ++n;
    }
    std::cout << "[ bad input ] " << GetParam() << ": " << n << " bad requests\n";

    // Nothing stored: no submission, decision, event, audit record or image file; the three
    // items are still leased to rev1 with no decision, and a valid push still applies.
    EXPECT_EQ(footprint(*store, dir_ / "data"), before);
    for (const std::string& id : {good_meta["id_number"].get<std::string>(), valid_id(70), valid_id(71), valid_id(80)}) {
        auto h = store->student_history(id);
        ASSERT_TRUE(h.ok());
        EXPECT_TRUE(h->empty()) << id;
    }
    for (auto id : ids) {
        auto s = store->get_submission(id);
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(s->state, storage::SubmissionState::leased) << id;
        EXPECT_FALSE(s->decision.has_value()) << id;
    }
    auto ok = must_respond(rev.push_decisions({{.decision_id = client::new_decision_id(), .submission_id = a,
                                                .verdict = "approve"}}),
                           "valid push");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.json()["results"][0]["status"], "applied");
}

}  // namespace
}  // namespace pd::test
