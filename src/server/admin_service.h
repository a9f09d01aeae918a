// AdminService: what only admins do, over the API and as `photodeskd user …`: unlock a student
// for a new photo, add a user (the token is shown once), revoke a user's token. Every change
// is audited under the admin who made it.
//
// Thread-safe: one Store call per method.
#pragma once

#include <string>

#include "server/auth.h"
#include "server/requests.h"
#include "server/service_context.h"
#include "server/service_error.h"

namespace pd::server {

struct NewUserReply {
    storage::User user;
    std::string token;   // shown once; only its hash is stored
};

class AdminService {
public:
    AdminService(ServiceContext& ctx, Authenticator& auth) : ctx_(ctx), auth_(auth) {}

    // rule invalid_id_number, rule note_required, not_found, conflict (with the latest
    // attempt's state) unless the student's photo is approved or locked.
    Done unlock(const Caller& by, const UnlockRequest& r);
    // malformed for a bad name, conflict when it is taken.
    Outcome<NewUserReply> add_user(const Caller& by, const NewUserRequest& r);
    // Revokes the user's token (idempotent); this process refuses it at once, every other
    // process on the database within [auth] token_cache_s. not_found for an unknown name.
    Outcome<storage::User> revoke_user(const Caller& by, const std::string& name);

private:
    ServiceContext& ctx_;
    Authenticator& auth_;
};

}  // namespace pd::server
