// Where the workstation keeps things on the reviewer's machine (XDG base directories):
//   config  $XDG_CONFIG_HOME/photodesk   credentials.json (tokens by server, file mode 0600)
//   data    $XDG_DATA_HOME/photodesk     demo/ (the embedded demo server's data)
//   state   $XDG_STATE_HOME/photodesk    accounts/HOST_PORT-USER/journal.db (the decisions)
//   cache   $XDG_CACHE_HOME/photodesk    accounts/HOST_PORT-USER/ (cached items and images)
// `--profile DIR` puts all four under DIR (tests, several reviewers on one machine).
//
// Thread-safe: plain functions; the credentials file is replaced atomically (tmp + rename).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace pd::review {

struct Profile {
    std::filesystem::path config, data, state, cache;

    // root empty: the XDG locations (with the usual ~/.config, ~/.local/share, ~/.local/state,
    // ~/.cache fallbacks); else root/config, root/data, root/state, root/cache.
    static Profile locate(const std::string& root = "");

    // "127.0.0.1_8420-alice": a folder name for one account on one server.
    static std::string account_key(const std::string& server, const std::string& user);
    std::filesystem::path journal_path(const std::string& server, const std::string& user) const;
    std::filesystem::path cache_dir(const std::string& server, const std::string& user) const;
};

// The token remembered for `server` (nullopt when none). A credentials file that is not
// private (group or others may read it) is refused with a message saying so.
Result<std::optional<std::string>> load_token(const Profile& p, const std::string& server);
// Remembers the token (and that this server was the last one used), file mode 0600.
Status save_token(const Profile& p, const std::string& server, const std::string& token);
Status forget_token(const Profile& p, const std::string& server);
// The server used last, if any.
std::optional<std::string> last_server(const Profile& p);

// Holds an exclusive lock on a file for the life of the object: one workstation per account,
// so two windows cannot push the same journal. Unavailable naming the holder's pid otherwise.
class InstanceLock {
public:
    static Result<std::unique_ptr<InstanceLock>> acquire(const std::filesystem::path& file);
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

private:
    explicit InstanceLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace pd::review
