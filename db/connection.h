// The one place that opens database connections. Settings follow libpq: a conninfo string or
// URI, the PG* environment variables and service files all work as they do for psql. No message
// from here names a password: connection strings are shown only through describeConninfo().
#pragma once

#include <expected>
#include <pqxx/connection>
#include <string>
#include <string_view>

namespace tickscope::db {

// Opens a connection and names it in pg_stat_activity as "tickscope <purpose>". A conninfo that
// names several hosts (a Patroni cluster's nodes) reaches the one that accepts writes unless it
// or PGTARGETSESSIONATTRS says otherwise: libpq's own default would take the first that answers.
// Throws std::runtime_error with a message naming the server (never its password) when it
// cannot connect.
pqxx::connection connect(const std::string &conninfo, std::string_view purpose);

// `conninfo` with target_session_attrs = `attributes` when it names several hosts and neither it
// nor PGTARGETSESSIONATTRS chose a target: readers use "prefer-standby" (a replica while one is
// up, else the leader). An unreadable conninfo is returned as it is (connect() says why).
std::string withSessionTarget(const std::string &conninfo, std::string_view attributes);

// "user@host:port/dbname" of a conninfo string or URI, from the keys it sets (others: libpq's
// defaults, shown as "default"); never its password or any other option.
std::string describeConninfo(const std::string &conninfo);

// Whether a conninfo string or URI carries a password (which belongs in a passfile instead).
bool setsPassword(const std::string &conninfo);

// The conninfo that connect() uses: as given, except that a server on another machine gets
// sslmode=verify-full when nothing (the string, PGSSLMODE, a service) chose a mode - the server's
// certificate checked against its name. Loopback hosts and Unix sockets keep libpq's default.
std::string withSecureDefaults(const std::string &conninfo);

// The same server and login with server settings for every session it opens, added to libpq's
// `options` ("-c role=tickscope_reader -c default_transaction_read_only=on"); an unreadable
// conninfo gives what describeConninfo() says of it.
std::expected<std::string, std::string> withSessionSettings(
    const std::string &conninfo, std::string_view settings);

// "user@host:port/dbname" of an open connection, for logs and status lines.
std::string describeEndpoint(const pqxx::connection &connection);

} // namespace tickscope::db
