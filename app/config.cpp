#include "app/config.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <format>
#include <sstream>
#include <toml++/toml.hpp>

namespace tickscope::app {

namespace {

std::string where(const toml::source_region &source)
{
    return std::format("line {}, column {}", source.begin.line, source.begin.column);
}

} // namespace

QString defaultConfigPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/tickscope/tickscope.toml");
}

std::expected<Config, std::string> loadConfig(const QString &path, bool explicitPath)
{
    Config config;
    if (!QFileInfo::exists(path)) {
        if (explicitPath)
            return std::unexpected(
                std::format("config file {} does not exist", path.toStdString()));
        return config;
    }
    config.path = path;
    const std::string file = path.toStdString();
    toml::table root;
    try {
        root = toml::parse_file(file);
    } catch (const toml::parse_error &error) {
        return std::unexpected(std::format(
            "{}: {} ({})", file, std::string_view{error.description()}, where(error.source())));
    }

    for (const auto &[key, node] : root) {
        if (key.str() != "database")
            return std::unexpected(std::format(
                "{}: unknown section [{}] ({})", file, key.str(), where(node.source())));
    }
    if (const toml::node *database = root.get("database")) {
        const toml::table *table = database->as_table();
        if (!table)
            return std::unexpected(std::format(
                "{}: 'database' must be a table ({})", file, where(database->source())));
        for (const auto &[key, node] : *table) {
            if (key.str() != "conninfo")
                return std::unexpected(std::format(
                    "{}: unknown key database.{} ({})", file, key.str(), where(node.source())));
            const auto value = node.value<std::string>();
            if (!value || value->empty())
                return std::unexpected(
                    std::format("{}: database.conninfo must be a non-empty string ({})", file,
                        where(node.source())));
            config.databaseConninfo = *value;
        }
    }
    return config;
}

} // namespace tickscope::app
