// A snapshot of the database connection as the console and the headless status line show it.
// Produced by the app's status monitor on its own thread, delivered by queued signal.
#pragma once

#include "app/model/server_capabilities.h"

#include <chrono>
#include <string>

namespace tickscope::model {

struct DatabaseStatus
{
    enum class State { Connecting, Migrating, Ready, Failed };

    State state = State::Connecting;
    std::string endpoint; // "user@host:port/dbname"
    std::string message; // progress or the error a person can act on
    bool embedded = false; // the local cluster that Tickscope runs itself
    ServerCapabilities capabilities;
    std::string roleDescription; // "alice (tickscope_reader)", from the capabilities
    int schemaVersion = 0; // highest applied migration
    int latestSchemaVersion = 0; // highest migration this build knows
    std::chrono::system_clock::time_point checkedAt;
};

} // namespace tickscope::model
