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
               AND pg_has_role(current_user, oid, 'MEMBER'))
)sql";

} // namespace

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
    if (caps.superuser)
        return caps.currentUser + " (superuser)";
    std::string roles;
    for (const auto &[member, name] : {std::pair{caps.memberOfAdmin, "tickscope_admin"},
             std::pair{caps.memberOfIngest, "tickscope_ingest"},
             std::pair{caps.memberOfReader, "tickscope_reader"}}) {
        if (member)
            roles += (roles.empty() ? "" : ", ") + std::string(name);
    }
    if (caps.canCreateSchemas)
        roles += (roles.empty() ? "" : "; ") + std::string("may create schemas");
    return caps.currentUser + " (" + (roles.empty() ? "no Tickscope role" : roles) + ")";
}

} // namespace tickscope::db
