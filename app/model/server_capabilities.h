// What the connected PostgreSQL server and its TimescaleDB can do, and what our role may do there.
// Filled by db::probeCapabilities; shown by the console, `migrate --status` and the logs.
#pragma once

#include <string>

namespace tickscope::model {

enum class TimescaleEdition { NotInstalled, Apache, Timescale };

struct ServerCapabilities
{
    std::string serverVersion; // e.g. "17.5"
    int serverVersionNumber = 0; // e.g. 170005
    std::string timescaleVersion; // installed in this database; empty when not
    std::string timescaleAvailableVersion; // offered by the server; empty when not
    TimescaleEdition edition = TimescaleEdition::NotInstalled;
    bool compression = false;
    bool continuousAggregates = false;
    bool policies = false;

    std::string currentUser; // the role it acts as
    std::string sessionUser; // the login, when it set another role
    bool superuser = false;
    bool canCreateSchemas = false; // CREATE on the database
    bool memberOfAdmin = false;
    bool memberOfIngest = false;
    bool memberOfReader = false;
};

inline const char *editionName(TimescaleEdition edition)
{
    switch (edition) {
    case TimescaleEdition::Apache:
        return "apache";
    case TimescaleEdition::Timescale:
        return "timescale";
    case TimescaleEdition::NotInstalled:
        break;
    }
    return "not installed";
}

} // namespace tickscope::model
