// The schema of the review queue, written once for both backends (docs/storage.md, "Schema").
// Each migration is one SQL text with a few dialect placeholders that schema_migrations()
// fills in for SQLite or PostgreSQL: the key columns ({serial}, {serial_ordered}), 64-bit
// integers ({int64}) and the append-only guard of the audit table ({audit_append_only}).
// Internal to src/storage.
#pragma once

#include <string>
#include <vector>

namespace pd::storage::sql {

enum class Dialect { sqlite, postgres };

// Element i brings the schema from version i to i + 1. Never edit a released migration:
// append a new one.
const std::vector<std::string>& schema_migrations(Dialect d);

// `text` with every placeholder replaced for `d` (exposed for tests).
std::string expand_schema(const std::string& text, Dialect d);

}  // namespace pd::storage::sql
