// AdminService (admin_service.h).
#include "server/admin_service.h"

#include "domain/id_number.h"
#include "server/verdict_rules.h"

namespace pd::server {

Done AdminService::unlock(const Caller& by, const UnlockRequest& r) {
    auto id = domain::validate_id_number(r.id_number);
    if (!id) return refusal(Refusal::rule, "invalid_id_number", "id_number: " + id.error().message, "id_number");
    if (is_blank(r.note)) return refusal(Refusal::rule, "note_required", "note: an unlock needs a note", "note");
    auto store = ctx_.stores().acquire();
    auto out = store->unlock_student(by.name, id.value(), r.note, ctx_.now());
    if (!out) {
        if (out.error().code == ErrorCode::NotFound)
            return refusal(Refusal::not_found, "not_found", "no student " + domain::mask_id_number(id.value()));
        return store_failure(out.error());
    }
    if (!out->applied) {
        auto e = refusal(Refusal::conflict, "conflict", "unlock refused: " + out->message);
        e.extra = {{"state", storage::to_string(out->state)}};
        return e;
    }
    return Ok{};
}

Outcome<NewUserReply> AdminService::add_user(const Caller& by, const NewUserRequest& r) {
    if (r.name.empty() || r.name.size() > 64 || r.name.find_first_of(" \t\r\n/\\:") != std::string::npos)
        return refusal(Refusal::malformed, "invalid_field", "name: 1..64 characters without spaces, slashes or colons",
                       "name");
    NewUserReply reply;
    reply.token = new_token();
    auto store = ctx_.stores().acquire();
    auto u = store->add_user(by.name, r.name, r.role, hash_token(reply.token), ctx_.now());
    if (!u) {
        if (u.error().code == ErrorCode::InvalidArgument)
            return refusal(Refusal::conflict, "conflict", u.error().message, "name");
        return store_failure(u.error());
    }
    reply.user = std::move(u).value();
    return reply;
}

Outcome<storage::User> AdminService::revoke_user(const Caller& by, const std::string& name) {
    auto store = ctx_.stores().acquire();
    auto u = store->revoke_user(by.name, name, ctx_.now());
    if (!u) {
        if (u.error().code == ErrorCode::NotFound)
            return refusal(Refusal::not_found, "not_found", "no user '" + name + "'");
        return store_failure(u.error());
    }
    auth_.forget_user(name);
    return std::move(u).value();
}

}  // namespace pd::server
