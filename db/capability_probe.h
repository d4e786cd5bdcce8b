// Asks the server what it is and what it can do: PostgreSQL and TimescaleDB versions, the
// TimescaleDB edition (the Apache build lacks compression, continuous aggregates and policies),
// and the privileges of the connected role.
#pragma once

#include "app/model/server_capabilities.h"

#include <optional>
#include <pqxx/connection>
#include <string>

namespace tickscope::db {

model::ServerCapabilities probeCapabilities(pqxx::connection &connection);

// Why the login of this session (its session_user, whatever role it set) could change
// Tickscope's data: "a superuser", "a member of tickscope_ingest", "may write audit.gaps, ...";
// nothing when it can only read.
std::optional<std::string> writeAccess(pqxx::connection &connection);

} // namespace tickscope::db

namespace tickscope::db {

// "PostgreSQL 17.5, TimescaleDB 2.19.3 (apache edition: no compression, ...)" for status lines.
std::string describeCapabilities(const model::ServerCapabilities &capabilities);

} // namespace tickscope::db

namespace tickscope::db {

// "alice (tickscope_reader)", "tickscope (superuser)", "postgres as tickscope_reader
// (tickscope_reader)": who we are and what we may do.
std::string describeRole(const model::ServerCapabilities &capabilities);

} // namespace tickscope::db
