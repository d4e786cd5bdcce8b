#include "db/connection.h"

#include <format>
#include <pqxx/pqxx>
#include <stdexcept>

namespace tickscope::db {

pqxx::connection connect(const std::string &conninfo, std::string_view purpose)
{
    try {
        pqxx::connection connection{conninfo};
        pqxx::nontransaction tx{connection};
        tx.exec("SELECT set_config('application_name', $1, false)",
            pqxx::params{std::format("tickscope {}", purpose)});
        return connection;
    } catch (const pqxx::broken_connection &error) {
        const std::string target
            = conninfo.empty() ? "the server named by PG* variables" : conninfo;
        throw std::runtime_error(
            std::format("cannot connect to {}: {}", target, std::string_view{error.what()}));
    }
}

std::string describeEndpoint(const pqxx::connection &connection)
{
    const char *host = connection.hostname();
    const char *port = connection.port();
    return std::format("{}@{}:{}/{}", connection.username(), host && *host ? host : "local",
        port ? port : "", connection.dbname());
}

} // namespace tickscope::db
