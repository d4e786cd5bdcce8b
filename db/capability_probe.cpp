#include "db/capability_probe.h"

#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

constexpr auto kProbeQuery = R"sql(
SELECT current_setting('server_version'),
       current_setting('server_version_num')::int,
       coalesce((SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'), ''),
       coalesce((SELECT default_version FROM pg_available_extensions
                 WHERE name = 'timescaledb'), ''),
       coalesce(current_setting('timescaledb.license', true), ''),
       current_user,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
       has_database_privilege(current_database(), 'CREATE'),
       EXISTS (SELECT FROM pg_roles WHERE rolname = 'tickscope_admin'
               AND pg_has_role(current_user, oid, 'MEMBER')),
       EXISTS (SELECT FROM pg_roles WHERE rolname = 'tickscope_ingest'
               AND pg_has_role(current_user, oid, 'MEMBER')),
       EXISTS (SELECT FROM pg_roles WHERE rolname = 'tickscope_reader'
               AND pg_has_role(current_user, oid, 'MEMBER')),
       session_user
)sql";

constexpr auto kWriteAccessQuery = R"sql(
SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user),
       (SELECT string_agg(rolname, ', ' ORDER BY rolname) FROM pg_roles
        WHERE rolname IN ('tickscope_ingest', 'tickscope_admin')
          AND pg_has_role(session_user, oid, 'MEMBER')),
       (SELECT string_agg(format('%I.%I', n.nspname, c.relname), ', '
                          ORDER BY n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('market_data', 'aggregates', 'audit') AND c.relkind IN ('r', 'p')
          AND has_table_privilege(session_user, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
)sql";

} // namespace

std::optional<std::string> writeAccess(pqxx::connection &connection)
{
    pqxx::nontransaction tx{connection};
    const auto [superuser, writerRoles, writableTables]
        = tx.query1<bool, std::optional<std::string>, std::optional<std::string>>(
            kWriteAccessQuery);
    if (superuser)
        return "a superuser";
    if (writerRoles)
        return "a member of " + *writerRoles;
    if (writableTables)
        return "may write " + *writableTables;
    return std::nullopt;
}

model::ServerCapabilities probeCapabilities(pqxx::connection &connection)
{
    pqxx::nontransaction tx{connection};
    const pqxx::row row = tx.exec(kProbeQuery).one_row();

    model::ServerCapabilities caps;
    caps.serverVersion = row[0].as<std::string>();
    caps.serverVersionNumber = row[1].as<int>();
    caps.timescaleVersion = row[2].as<std::string>();
    caps.timescaleAvailableVersion = row[3].as<std::string>();
    const auto license = row[4].as<std::string>();
    if (!caps.timescaleVersion.empty()) {
        // Only the Timescale License build ships compression, continuous aggregates and the
        // policy jobs; the Apache build reports "apache" and rejects them.
        caps.edition = license == "timescale" ? model::TimescaleEdition::Timescale
                                              : model::TimescaleEdition::Apache;
    }
    const bool tsl = caps.edition == model::TimescaleEdition::Timescale;
    caps.compression = tsl;
    caps.continuousAggregates = tsl;
    caps.policies = tsl;
    caps.currentUser = row[5].as<std::string>();
    caps.superuser = row[6].as<bool>();
    caps.canCreateSchemas = row[7].as<bool>();
    caps.memberOfAdmin = row[8].as<bool>();
    caps.memberOfIngest = row[9].as<bool>();
    caps.memberOfReader = row[10].as<bool>();
    if (const auto login = row[11].as<std::string>(); login != caps.currentUser)
        caps.sessionUser = login;
    return caps;
}

} // namespace tickscope::db

namespace tickscope::db {

std::string describeCapabilities(const model::ServerCapabilities &caps)
{
    std::string text = "PostgreSQL " + caps.serverVersion;
    if (caps.edition == model::TimescaleEdition::NotInstalled) {
        text += caps.timescaleAvailableVersion.empty()
            ? ", TimescaleDB not available"
            : ", TimescaleDB " + caps.timescaleAvailableVersion + " available but not installed";
        return text;
    }
    auto feature = [](bool available, const char *name) {
        return std::string(available ? "" : "no ") + name;
    };
    return text + ", TimescaleDB " + caps.timescaleVersion + " (" + editionName(caps.edition)
        + " edition: " + feature(caps.compression, "compression") + ", "
        + feature(caps.continuousAggregates, "continuous aggregates") + ", "
        + feature(caps.policies, "policies") + ")";
}

} // namespace tickscope::db

namespace tickscope::db {

std::string describeRole(const model::ServerCapabilities &caps)
{
    const std::string who = caps.sessionUser.empty() ? caps.currentUser
                                                     : caps.sessionUser + " as " + caps.currentUser;
    if (caps.superuser)
        return who + " (superuser)";
    std::string roles;
    for (const auto &[member, name] : {std::pair{caps.memberOfAdmin, "tickscope_admin"},
             std::pair{caps.memberOfIngest, "tickscope_ingest"},
             std::pair{caps.memberOfReader, "tickscope_reader"}}) {
        if (member)
            roles += (roles.empty() ? "" : ", ") + std::string(name);
    }
    if (caps.canCreateSchemas)
        roles += (roles.empty() ? "" : "; ") + std::string("may create schemas");
    return who + " (" + (roles.empty() ? "no Tickscope role" : roles) + ")";
}

} // namespace tickscope::db
