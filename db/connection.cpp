#include "db/connection.h"

#include <arpa/inet.h>
#include <cstdlib>
#include <expected>
#include <format>
#include <libpq-fe.h>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <ranges>
#include <stdexcept>

namespace tickscope::db {

namespace {

// libpq's messages name hosts, users and databases, never a password; our own must not either.
std::string withoutSecret(std::string message, const std::string &conninfo)
{
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), nullptr);
    if (!options)
        return message;
    for (PQconninfoOption *option = options; option->keyword; ++option) {
        if (std::string_view{option->keyword} != "password" || !option->val || !*option->val)
            continue;
        const std::string secret = option->val;
        for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret))
            message.replace(at, secret.size(), "********");
    }
    PQconninfoFree(options);
    return message;
}

// The keywords a conninfo string or URI sets, with their values; nullopt when it is invalid.
std::optional<std::map<std::string, std::string, std::less<>>> parsedKeys(
    const std::string &conninfo)
{
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), nullptr);
    if (!options)
        return std::nullopt;
    std::map<std::string, std::string, std::less<>> set;
    for (PQconninfoOption *option = options; option->keyword; ++option) {
        if (option->val && *option->val)
            set[option->keyword] = option->val;
    }
    PQconninfoFree(options);
    return set;
}

// key='value' pairs, which libpq reads as it read the string or URI they came from.
std::string joinKeys(const std::map<std::string, std::string, std::less<>> &keys)
{
    std::string joined;
    for (const auto &[key, value] : keys) {
        std::string quoted;
        for (const char c : value) {
            if (c == '\\' || c == '\'')
                quoted += '\\';
            quoted += c;
        }
        joined += std::format("{}{}='{}'", joined.empty() ? "" : " ", key, quoted);
    }
    return joined;
}

std::string environment(const char *variable)
{
    const char *value = std::getenv(variable);
    return value ? value : "";
}

// The host list a conninfo's keys name (host, else hostaddr, else PGHOST): comma-separated.
std::string hostsOf(const std::map<std::string, std::string, std::less<>> &keys)
{
    if (const auto host = keys.find("host"); host != keys.end())
        return host->second;
    if (const auto address = keys.find("hostaddr"); address != keys.end())
        return address->second;
    return environment("PGHOST");
}

// A Unix socket, localhost, or an address literal of the loopback network (127.0.0.0/8, ::1);
// a name such as 127.example.com is someone else's machine.
bool isLocalHost(std::string_view host)
{
    if (host.empty() || host.starts_with('/') || host.starts_with('@') || host == "localhost"
        || host == "::1")
        return true;
    in_addr address{};
    return inet_pton(AF_INET, std::string(host).c_str(), &address) == 1
        && (ntohl(address.s_addr) >> 24) == 127;
}

} // namespace

bool setsPassword(const std::string &conninfo)
{
    const auto keys = parsedKeys(conninfo);
    return keys && keys->contains("password");
}

std::string withSecureDefaults(const std::string &conninfo)
{
    const auto keys = parsedKeys(conninfo);
    if (!keys || keys->contains("sslmode") || keys->contains("service")
        || !environment("PGSSLMODE").empty() || !environment("PGSERVICE").empty())
        return conninfo;
    const std::string hosts = hostsOf(*keys);
    bool remote = false;
    for (const auto part : std::views::split(hosts, ','))
        remote = remote || !isLocalHost(std::string_view{part.begin(), part.end()});
    if (!remote)
        return conninfo;
    auto secured = *keys;
    secured["sslmode"] = "verify-full";
    return joinKeys(secured);
}

std::string withSessionTarget(const std::string &conninfo, std::string_view attributes)
{
    auto keys = parsedKeys(conninfo);
    if (!keys || keys->contains("target_session_attrs") || keys->contains("service")
        || !environment("PGTARGETSESSIONATTRS").empty())
        return conninfo;
    const std::string hosts = hostsOf(*keys);
    if (hosts.find(',') == std::string::npos)
        return conninfo;
    (*keys)["target_session_attrs"] = std::string(attributes);
    return joinKeys(*keys);
}

std::expected<std::string, std::string> withSessionSettings(
    const std::string &conninfo, std::string_view settings)
{
    auto keys = parsedKeys(conninfo);
    if (!keys)
        return std::unexpected(describeConninfo(conninfo));
    std::string &options = (*keys)["options"];
    options = options.empty() ? std::string(settings) : options + ' ' + std::string(settings);
    return joinKeys(*keys);
}

std::string describeConninfo(const std::string &conninfo)
{
    if (conninfo.empty())
        return "the server named by PG* variables";
    char *parseError = nullptr;
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), &parseError);
    if (!options) {
        // libpq quotes at most the keyword it stumbled on, not values that follow it.
        const std::string why = parseError ? parseError : "not a connection string";
        PQfreemem(parseError);
        return std::format("an invalid connection string ({})", why.substr(0, why.find('\n')));
    }
    std::map<std::string, std::string, std::less<>> set;
    for (PQconninfoOption *option = options; option->keyword; ++option) {
        if (option->val && *option->val)
            set[option->keyword] = option->val;
    }
    PQconninfoFree(options);
    auto value = [&](std::string_view key, std::string_view fallback) {
        const auto it = set.find(key);
        return it == set.end() ? std::string(fallback) : it->second;
    };
    if (set.contains("service"))
        return std::format("service {}", set["service"]);
    return std::format("{}@{}:{}/{}", value("user", "default"),
        value("host", value("hostaddr", "default")), value("port", "default"),
        value("dbname", "default"));
}

pqxx::connection connect(const std::string &conninfo, std::string_view purpose)
{
    try {
        pqxx::connection connection{withSecureDefaults(withSessionTarget(conninfo, "read-write"))};
        pqxx::nontransaction tx{connection};
        tx.exec("SELECT set_config('application_name', $1, false)",
            pqxx::params{std::format("tickscope {}", purpose)});
        return connection;
    } catch (const std::exception &error) {
        throw std::runtime_error(std::format("cannot connect to {}: {}", describeConninfo(conninfo),
            withoutSecret(error.what(), conninfo)));
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
