#include "app/config/config.h"

#include "app/feeds/adapter_registry.h"
#include "app/model/wall_clock.h"
#include "app/ops/local_server.h"
#include "db/connection.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QStandardPaths>
#include <QUrl>
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <format>
#include <toml++/toml.hpp>

namespace tickscope::app {

namespace {

std::string where(const toml::node &node)
{
    return std::format("line {}, column {}", node.source().begin.line, node.source().begin.column);
}

// Reads the keys of one table, each with its own reader; any other key is an error.
class TableReader
{
public:
    TableReader(const std::string &file, std::string name, const toml::table &table)
        : m_file(file)
        , m_name(std::move(name))
        , m_table(table)
    { }

    std::string error(const toml::node &node, const std::string &key, std::string_view what) const
    {
        return std::format("{}: {}.{} {} ({})", m_file, m_name, key, what, where(node));
    }

    std::expected<void, std::string> unknownKeys(
        std::initializer_list<std::string_view> known) const
    {
        for (const auto &[key, node] : m_table) {
            if (std::ranges::find(known, key.str()) == known.end())
                return std::unexpected(std::format(
                    "{}: unknown key {}.{} ({})", m_file, m_name, key.str(), where(node)));
        }
        return {};
    }

    std::expected<void, std::string> text(const std::string &key, auto &&store) const
    {
        const toml::node *node = m_table.get(key);
        if (!node)
            return {};
        const auto value = node->value<std::string>();
        if (!value || value->empty())
            return std::unexpected(error(*node, key, "must be a non-empty string"));
        return store(*value, *node);
    }

    std::expected<void, std::string> integer(
        const std::string &key, std::int64_t min, std::int64_t max, auto &&store) const
    {
        const toml::node *node = m_table.get(key);
        if (!node)
            return {};
        const auto value = node->value<std::int64_t>();
        if (!value || !node->is_integer() || *value < min || *value > max)
            return std::unexpected(
                error(*node, key, std::format("must be a whole number from {} to {}", min, max)));
        store(*value);
        return {};
    }

    const toml::table &table() const { return m_table; }

private:
    const std::string &m_file;
    std::string m_name;
    const toml::table &m_table;
};

// One [exchanges.NAME] section: a feed called NAME that speaks the protocol of `adapter` (NAME
// itself when not given), its symbols, and the adapter's own settings as its registry entry
// declares them.
std::expected<feeds::FeedSettings, std::string> readExchange(
    const std::string &file, const std::string &feed, const toml::node &node)
{
    const std::string section = "exchanges." + feed;
    const toml::table *table = node.as_table();
    if (!table)
        return std::unexpected(
            std::format("{}: {} must be a table ({})", file, section, where(node)));
    const TableReader reader{file, section, *table};
    const bool validName = !feed.empty() && feed.front() >= 'a' && feed.front() <= 'z'
        && std::ranges::all_of(feed,
            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
    if (!validName)
        return std::unexpected(std::format("{}: [{}]: a feed's name is lower case letters, digits "
                                           "and _, starting with a letter ({})",
            file, section, where(node)));
    feeds::FeedSettings settings{.feed = feed, .adapter = feed};
    if (auto read = reader.text("adapter",
            [&](const std::string &text, const toml::node &) -> std::expected<void, std::string> {
                settings.adapter = text;
                return {};
            });
        !read)
        return std::unexpected(read.error());
    const feeds::AdapterDescription *adapter = feeds::findAdapter(settings.adapter);
    if (!adapter) {
        const toml::node *named = table->get("adapter");
        return std::unexpected(std::format("{}: [{}]: \"{}\" is no exchange Tickscope speaks; "
                                           "it speaks {} (name one with adapter = \"...\") ({})",
            file, section, settings.adapter, feeds::adapterNames(), where(named ? *named : node)));
    }
    for (const auto &[key, value] : *table) {
        const std::string name{key.str()};
        if (name == "symbols" || name == "adapter")
            continue;
        // A setting is a string or a whole number; the adapter's check says what it must be.
        const auto text = value.is_integer()
            ? std::optional(std::to_string(*value.value<std::int64_t>()))
            : value.value<std::string>();
        const auto problem = adapter->checkOption(name, text.value_or(""));
        if (problem && problem->unknownKey)
            return std::unexpected(std::format("{}: unknown key {}.{} ({}); {} takes symbols, "
                                               "adapter, {}",
                file, section, name, where(value), adapter->name, adapter->optionKeys()));
        if (!text)
            return std::unexpected(reader.error(value, name, "must be a string or a whole number"));
        if (problem)
            return std::unexpected(reader.error(value, name, problem->message));
        settings.options.emplace(name, *text);
    }
    const toml::node *symbols = table->get("symbols");
    const toml::array *list = symbols ? symbols->as_array() : nullptr;
    if (!list || list->empty())
        return std::unexpected(symbols
                ? reader.error(*symbols, "symbols", "must be a non-empty list of strings")
                : reader.error(*table, "symbols", "is missing"));
    for (const auto &entry : *list) {
        const auto text = entry.value<std::string>();
        if (!text)
            return std::unexpected(reader.error(entry, "symbols", "must hold strings only"));
        auto instrument = parseSymbol(feed, *text, adapter->symbolSeparator);
        if (!instrument)
            return std::unexpected(reader.error(entry, "symbols", instrument.error()));
        const auto twin = std::ranges::find(
            settings.instruments, instrument->symbol, &model::Instrument::symbol);
        if (twin != settings.instruments.end())
            return std::unexpected(reader.error(entry, "symbols",
                std::format("names {} twice (\"{}\" repeats an earlier entry)", instrument->symbol,
                    *text)));
        settings.instruments.push_back(std::move(*instrument));
    }
    return settings;
}

// The bearer token in `path`: its first line, 16 characters or more. Like libpq's key files, a
// token file others may read is refused - unless root owns it (Docker and systemd secrets).
std::expected<QByteArray, std::string> readToken(const QString &path)
{
    QFile file{path};
    if (!file.open(QIODevice::ReadOnly))
        return std::unexpected(std::format(
            "cannot read {}: {}", path.toStdString(), file.errorString().toStdString()));
    const QFileInfo info{file};
    if (info.permissions().testFlag(QFileDevice::ReadOther) && info.ownerId() != 0)
        return std::unexpected(std::format(
            "{} is readable by every user of this machine; chmod 600 it", path.toStdString()));
    const QByteArray token = file.readLine(4096).trimmed();
    if (token.size() < 16)
        return std::unexpected(std::format("{} must hold a token of 16 characters or more on its "
                                           "first line (e.g. from `openssl rand -hex 32`)",
            path.toStdString()));
    return token;
}

// [http]: where /metrics and the query API listen, and the token they ask for.
std::expected<void, std::string> readHttp(
    const std::string &file, const toml::table &table, HttpSettings &http)
{
    const TableReader reader{file, "http", table};
    auto read = reader.unknownKeys({"listen", "token_file"});
    if (read)
        read = reader.text("listen",
            [&](const std::string &text,
                const toml::node &node) -> std::expected<void, std::string> {
                if (text == "off") {
                    http.listen.reset();
                    return {};
                }
                http.listen = parseListenAddress(QString::fromStdString(text));
                if (!http.listen)
                    return std::unexpected(reader.error(
                        node, "listen", "must be an address like \"127.0.0.1:9464\" or \"off\""));
                return {};
            });
    if (read)
        read = reader.text("token_file",
            [&](const std::string &text,
                const toml::node &node) -> std::expected<void, std::string> {
                auto token = readToken(QString::fromStdString(text));
                if (!token)
                    return std::unexpected(reader.error(node, "token_file", token.error()));
                http.token = *token;
                return {};
            });
    if (!read)
        return read;
    // Off this machine, anyone on the network could read the desk's data without one.
    if (http.listen && !QHostAddress(http.listen->first).isLoopback() && http.token.isEmpty())
        return std::unexpected(std::format("{}: http.listen {} is not a loopback address, so "
                                           "clients must send a bearer token: set "
                                           "http.token_file to a file that holds one",
            file, http.listen->first.toStdString()));
    return {};
}

// [[alerts.maintenance]]: feed = "binance", from = "2026-12-03T02:00:00Z", to = "...", note = "".
std::expected<void, std::string> readMaintenance(
    const std::string &file, const toml::node &node, std::vector<model::MaintenanceWindow> &windows)
{
    const toml::array *entries = node.as_array();
    if (!entries || !entries->is_array_of_tables())
        return std::unexpected(
            std::format("{}: alerts.maintenance must be [[alerts.maintenance]] tables ({})", file,
                where(node)));
    for (const toml::node &entry : *entries) {
        const toml::table &table = *entry.as_table();
        const TableReader reader{file, "alerts.maintenance", table};
        model::MaintenanceWindow window;
        auto read = reader.unknownKeys({"feed", "from", "to", "note"});
        for (const char *key : {"feed", "from", "to"}) {
            if (read && !table.get(key))
                read = std::unexpected(
                    std::format("{}: alerts.maintenance needs {} ({})", file, key, where(entry)));
        }
        const auto time = [&](const char *key, model::MaintenanceWindow::Time &out) {
            return reader.text(key,
                [&](const std::string &text,
                    const toml::node &at) -> std::expected<void, std::string> {
                    const QDateTime parsed
                        = QDateTime::fromString(QString::fromStdString(text), Qt::ISODate);
                    if (!parsed.isValid() || parsed.timeSpec() == Qt::LocalTime)
                        return std::unexpected(reader.error(at, key,
                            std::format("\"{}\" is not a time with its zone, like "
                                        "\"2026-12-03T02:00:00Z\"",
                                text)));
                    if (!model::isRepresentableTime(parsed.toMSecsSinceEpoch()))
                        return std::unexpected(reader.error(at, key,
                            std::format("\"{}\" is outside 1970-01-01 .. 2262-03-31", text)));
                    out = model::MaintenanceWindow::Time{
                        std::chrono::milliseconds(parsed.toMSecsSinceEpoch())};
                    return {};
                });
        };
        if (read)
            read = reader.text("feed",
                [&](const std::string &text,
                    const toml::node &) -> std::expected<void, std::string> {
                    window.feed = text;
                    return {};
                });
        if (read)
            read = time("from", window.from);
        if (read)
            read = time("to", window.to);
        if (read)
            read = reader.text("note",
                [&](const std::string &text,
                    const toml::node &) -> std::expected<void, std::string> {
                    window.note = text;
                    return {};
                });
        if (read && window.to <= window.from)
            read = std::unexpected(reader.error(*table.get("to"), "to", "must come after from"));
        if (!read)
            return read;
        windows.push_back(std::move(window));
    }
    return {};
}

// [alerts] and its [alerts.RULE] sections, over the default rules in `alerts`.
std::expected<void, std::string> readAlerts(
    const std::string &file, const toml::table &table, model::AlertSettings &alerts)
{
    const TableReader reader{file, "alerts", table};
    for (const auto &[key, node] : table) {
        const std::string name{key.str()};
        if (name == "webhook") {
            auto read = reader.text("webhook",
                [&](const std::string &text,
                    const toml::node &where) -> std::expected<void, std::string> {
                    // The alerts leave the machine with the desk's state in them: encrypted,
                    // except to a receiver on this machine.
                    const QUrl url{QString::fromStdString(text), QUrl::StrictMode};
                    const bool loopback = url.host() == QLatin1String("localhost")
                        || QHostAddress(url.host()).isLoopback();
                    if (!url.isValid() || url.host().isEmpty()
                        || (url.scheme() != QLatin1String("https")
                            && !(url.scheme() == QLatin1String("http") && loopback)))
                        return std::unexpected(reader.error(where, "webhook",
                            "must be an https:// URL (http:// only to this machine)"));
                    alerts.webhook = text;
                    return {};
                });
            if (!read)
                return read;
            continue;
        }
        if (name == "maintenance") {
            auto read = readMaintenance(file, node, alerts.maintenance);
            if (!read)
                return read;
            continue;
        }
        const auto rule = std::ranges::find(alerts.rules, name, &model::AlertRule::name);
        if (rule == alerts.rules.end()) {
            std::string known;
            for (const auto &each : alerts.rules)
                known += (known.empty() ? "" : ", ") + each.name;
            return std::unexpected(
                std::format("{}: [alerts.{}] is no alert rule ({}); the rules: {}", file, name,
                    where(node), known));
        }
        const toml::table *section = node.as_table();
        if (!section)
            return std::unexpected(
                std::format("{}: alerts.{} must be a table ({})", file, name, where(node)));
        const TableReader ruleReader{file, "alerts." + name, *section};
        auto read = ruleReader.unknownKeys({"threshold", "duration", "enabled"});
        if (read && section->get("threshold")) {
            const auto value = section->get("threshold")->value<double>();
            if (!value || *value < 0)
                return std::unexpected(ruleReader.error(
                    *section->get("threshold"), "threshold", "must be a number, 0 or more"));
            rule->threshold = *value;
        }
        if (read)
            read = ruleReader.text("duration",
                [&](const std::string &text,
                    const toml::node &where) -> std::expected<void, std::string> {
                    const auto duration = parsePolicyInterval(text);
                    if (!duration)
                        return std::unexpected(
                            ruleReader.error(where, "duration", duration.error()));
                    rule->duration
                        = std::chrono::seconds(static_cast<std::int64_t>(duration->seconds()));
                    return {};
                });
        if (read && section->get("enabled")) {
            const auto value = section->get("enabled")->value<bool>();
            if (!value || !section->get("enabled")->is_boolean())
                return std::unexpected(
                    ruleReader.error(*section->get("enabled"), "enabled", "must be true or false"));
            rule->enabled = *value;
        }
        if (!read)
            return read;
    }
    return {};
}

// [policies] and its [policies.TABLE] sections, over the defaults already in `policy`.
std::expected<void, std::string> readPolicies(
    const std::string &file, const toml::table &table, model::StoragePolicy &policy)
{
    const TableReader reader{file, "policies", table};
    auto interval
        = [&](const TableReader &section, const std::string &key, bool neverAllowed, auto &&store) {
              return section.text(key,
                  [&](const std::string &text,
                      const toml::node &node) -> std::expected<void, std::string> {
                      if (neverAllowed && text == "never") {
                          store(std::optional<model::PolicyInterval>{});
                          return {};
                      }
                      auto parsed = parsePolicyInterval(text);
                      if (!parsed)
                          return std::unexpected(section.error(
                              node, key, parsed.error() + (neverAllowed ? ", or \"never\"" : "")));
                      store(std::optional(*parsed));
                      return {};
                  });
          };
    std::vector<std::string_view> known{"hold", "hold_for", "refresh_every", "refresh_window",
        "retention_every", "sample_every", "aggregates_compress_after"};
    for (const auto &hypertable : policy.hypertables)
        known.push_back(hypertable.hypertable);
    for (const auto &[key, node] : table) {
        if (std::ranges::find(known, key.str()) == known.end())
            return std::unexpected(std::format("{}: unknown key policies.{} ({}); it takes {}",
                file, key.str(), where(node),
                "hold, hold_for, refresh_every, refresh_window, "
                "retention_every, sample_every and the tables trades, book_snapshots, "
                "book_deltas"));
    }
    std::expected<void, std::string> read;
    for (auto [key, target] :
        {std::pair{"hold_for", &policy.holdFor}, std::pair{"refresh_every", &policy.refreshEvery},
            std::pair{"refresh_window", &policy.refreshWindow},
            std::pair{"retention_every", &policy.retentionEvery},
            std::pair{"sample_every", &policy.sampleEvery}}) {
        if (read)
            read = interval(reader, key, false, [target](auto value) { *target = *value; });
    }
    if (read)
        read = interval(reader, "aggregates_compress_after", true,
            [&](auto value) { policy.aggregateCompressAfter = value; });
    if (!read)
        return read;
    if (const toml::node *hold = table.get("hold")) {
        const toml::array *list = hold->as_array();
        if (!list)
            return std::unexpected(reader.error(*hold, "hold", "must be a list of strings"));
        for (const auto &entry : *list) {
            const auto text = entry.value<std::string>();
            const auto colon = text ? text->find(':') : std::string::npos;
            const std::string exchange = text ? text->substr(0, colon) : std::string();
            const bool validExchange = !exchange.empty() && exchange.front() >= 'a'
                && exchange.front() <= 'z' && std::ranges::all_of(exchange, [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                   });
            if (!validExchange || (colon != std::string::npos && colon + 1 == text->size()))
                return std::unexpected(reader.error(entry, "hold",
                    "holds \"exchange\" or \"exchange:SYMBOL\" entries (the exchange as "
                    "named in [exchanges.NAME], the symbol as the exchange spells it)"));
            model::ComplianceHold entryHold{exchange,
                colon == std::string::npos ? std::nullopt : std::optional(text->substr(colon + 1))};
            if (std::ranges::find(policy.holds, entryHold) != policy.holds.end())
                return std::unexpected(
                    reader.error(entry, "hold", std::format("names {} twice", *text)));
            policy.holds.push_back(std::move(entryHold));
        }
    }
    for (auto &hypertable : policy.hypertables) {
        const toml::node *node = table.get(hypertable.hypertable);
        if (!node)
            continue;
        const std::string name = "policies." + hypertable.hypertable;
        const toml::table *section = node->as_table();
        if (!section)
            return std::unexpected(
                std::format("{}: {} must be a table ({})", file, name, where(*node)));
        const TableReader sectionReader{file, name, *section};
        read = sectionReader.unknownKeys({"chunk_interval", "compress_after", "drop_after"});
        if (read)
            read = interval(sectionReader, "chunk_interval", false,
                [&](auto value) { hypertable.chunkInterval = *value; });
        if (read)
            read = interval(sectionReader, "compress_after", true,
                [&](auto value) { hypertable.compressAfter = value; });
        if (read)
            read = interval(sectionReader, "drop_after", true,
                [&](auto value) { hypertable.dropAfter = value; });
        if (!read)
            return read;
    }
    return {};
}

} // namespace

std::optional<std::pair<QString, quint16>> parseListenAddress(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    bool ok = false;
    const uint port = colon > 0 ? text.mid(colon + 1).toUInt(&ok) : 0;
    QString host = colon > 0 ? text.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    if (!ok || port > 65535 || QHostAddress(host).isNull())
        return std::nullopt;
    return std::pair{host, static_cast<quint16>(port)};
}

std::expected<model::PolicyInterval, std::string> parsePolicyInterval(std::string_view text)
{
    using Unit = model::PolicyInterval::Unit;
    static constexpr std::pair<std::string_view, Unit> kUnits[] = {{"second", Unit::Seconds},
        {"minute", Unit::Minutes}, {"hour", Unit::Hours}, {"day", Unit::Days},
        {"week", Unit::Weeks}, {"month", Unit::Months}, {"year", Unit::Years}};
    const auto fail = [&] {
        return std::unexpected(std::format("\"{}\" is not an interval like \"7 days\" (a whole "
                                           "number from 1 to 100000 and one of seconds, minutes, "
                                           "hours, days, weeks, months, years)",
            text));
    };
    const auto space = text.find(' ');
    if (space == std::string_view::npos)
        return fail();
    std::int64_t count = 0;
    const auto number = text.substr(0, space);
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), count);
    if (error != std::errc{} || end != number.data() + number.size() || count < 1
        || count > 100'000)
        return fail();
    std::string_view unit = text.substr(space + 1);
    if (unit.ends_with('s'))
        unit.remove_suffix(1);
    const auto known = std::ranges::find(kUnits, unit, &std::pair<std::string_view, Unit>::first);
    if (known == std::end(kUnits))
        return fail();
    return model::PolicyInterval{count, known->second};
}

QString defaultConfigPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/tickscope/tickscope.toml");
}

QString defaultJournalDirectory()
{
    return ops::dataRoot() + QStringLiteral("/journal");
}

std::expected<model::Instrument, std::string> parseSymbol(
    const std::string &exchange, std::string_view text, std::string_view separator)
{
    auto valid = [](std::string_view part) {
        return !part.empty() && std::ranges::all_of(part, [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        });
    };
    auto instrument = [&](std::string_view base, std::string_view quote) {
        return model::Instrument{exchange, std::format("{}{}{}", base, separator, quote),
            std::string(base), std::string(quote)};
    };
    if (const auto split = text.find_first_of("/-"); split != std::string_view::npos) {
        const auto base = text.substr(0, split);
        const auto quote = text.substr(split + 1);
        if (!valid(base) || !valid(quote))
            return std::unexpected(std::format("\"{}\" is not BASE/QUOTE in capitals", text));
        return instrument(base, quote);
    }
    // Longest first, so that "FDUSD" wins over "USD".
    static constexpr std::array kQuotes{"FDUSD", "USDT", "USDC", "TUSD", "BUSD", "USD", "EUR",
        "TRY", "BRL", "JPY", "GBP", "BTC", "ETH", "BNB"};
    if (valid(text)) {
        for (const std::string_view quote : kQuotes) {
            if (text.size() > quote.size() && text.ends_with(quote))
                return instrument(text.substr(0, text.size() - quote.size()), quote);
        }
    }
    return std::unexpected(std::format(
        "cannot tell the base and quote assets of \"{}\"; write it as BASE/QUOTE", text));
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
        return std::unexpected(
            std::format("{}: {} (line {}, column {})", file, std::string_view{error.description()},
                error.source().begin.line, error.source().begin.column));
    }

    for (const auto &[key, node] : root) {
        const std::string name{key.str()};
        const toml::table *table = node.as_table();
        if (name != "database" && name != "journal" && name != "ingest" && name != "exchanges"
            && name != "policies" && name != "backup" && name != "alerts" && name != "http")
            return std::unexpected(
                std::format("{}: unknown section [{}] ({})", file, name, where(node)));
        if (!table)
            return std::unexpected(
                std::format("{}: '{}' must be a table ({})", file, name, where(node)));
        const TableReader reader{file, name, *table};
        std::expected<void, std::string> read;
        if (name == "database") {
            read = reader.unknownKeys({"conninfo", "reader_conninfo"});
            const auto conninfo = [&](const std::string &key, std::optional<std::string> &into) {
                return reader.text(key,
                    [&](const std::string &text,
                        const toml::node &node) -> std::expected<void, std::string> {
                        if (db::setsPassword(text))
                            return std::unexpected(reader.error(node, key,
                                "holds a password, which a config file must not: put it in "
                                "~/.pgpass or a file that passfile= names (mode 0600), or a "
                                "service file"));
                        into = text;
                        return {};
                    });
            };
            if (read)
                read = conninfo("conninfo", config.databaseConninfo);
            if (read)
                read = conninfo("reader_conninfo", config.readerConninfo);
            if (read && config.readerConninfo && !config.databaseConninfo)
                read = std::unexpected(
                    reader.error(*table->get("reader_conninfo"), "reader_conninfo",
                        "needs conninfo beside it: the readers' login is for the server that "
                        "conninfo names"));
        } else if (name == "journal") {
            read = reader.unknownKeys(
                {"directory", "segment_mb", "sync_interval_ms", "min_free_mb", "retain_hours"});
            if (read)
                read = reader.text("directory",
                    [&](const std::string &text,
                        const toml::node &) -> std::expected<void, std::string> {
                        config.journalDirectory = QString::fromStdString(text);
                        return {};
                    });
            if (read)
                read = reader.integer("segment_mb", 1, 4096, [&](std::int64_t v) {
                    config.journalSegmentBytes = static_cast<std::uint64_t>(v) << 20;
                });
            if (read)
                read = reader.integer("sync_interval_ms", 1, 60'000, [&](std::int64_t v) {
                    config.journalSyncInterval = std::chrono::milliseconds(v);
                });
            if (read)
                read = reader.integer("min_free_mb", 1, 1'048'576, [&](std::int64_t v) {
                    config.journalMinFreeBytes = static_cast<std::uint64_t>(v) << 20;
                });
            if (read)
                read = reader.integer("retain_hours", 0, 24 * 365 * 10,
                    [&](std::int64_t v) { config.journalRetention = std::chrono::hours(v); });
        } else if (name == "ingest") {
            read = reader.unknownKeys({"batch_rows", "flush_interval_ms"});
            if (read)
                read = reader.integer("batch_rows", 1, 1'000'000,
                    [&](std::int64_t v) { config.batchRows = static_cast<std::size_t>(v); });
            if (read)
                read = reader.integer("flush_interval_ms", 1, 60'000,
                    [&](std::int64_t v) { config.flushInterval = std::chrono::milliseconds(v); });
        } else if (name == "policies") {
            read = readPolicies(file, *table, config.policy);
        } else if (name == "http") {
            read = readHttp(file, *table, config.http);
        } else if (name == "alerts") {
            read = readAlerts(file, *table, config.alerts);
        } else if (name == "backup") {
            read = reader.unknownKeys({"command", "stanza", "retention_full", "every"});
            if (read)
                read = reader.text("every",
                    [&](const std::string &text,
                        const toml::node &node) -> std::expected<void, std::string> {
                        const auto every = parsePolicyInterval(text);
                        if (!every)
                            return std::unexpected(reader.error(node, "every", every.error()));
                        config.backup.every
                            = std::chrono::seconds(static_cast<std::int64_t>(every->seconds()));
                        return {};
                    });
            if (read)
                read = reader.text("command",
                    [&](const std::string &text,
                        const toml::node &) -> std::expected<void, std::string> {
                        config.backup.command = text;
                        return {};
                    });
            if (read)
                read = reader.text("stanza",
                    [&](const std::string &text,
                        const toml::node &node) -> std::expected<void, std::string> {
                        // pgBackRest's own rule for a stanza name.
                        if (!std::ranges::all_of(text, [](char c) {
                                return std::isalnum(static_cast<unsigned char>(c)) || c == '-'
                                    || c == '_' || c == '.';
                            }))
                            return std::unexpected(reader.error(
                                node, "stanza", "may hold only letters, digits, '-', '_' and '.'"));
                        config.backup.stanza = text;
                        return {};
                    });
            if (read)
                read = reader.integer("retention_full", 1, 9999,
                    [&](std::int64_t v) { config.backup.retentionFull = static_cast<int>(v); });
        } else {
            for (const auto &[feed, section] : *table) {
                auto settings = readExchange(file, std::string(feed.str()), section);
                if (!settings)
                    return std::unexpected(settings.error());
                config.feeds.push_back(std::move(*settings));
            }
        }
        if (!read)
            return std::unexpected(read.error());
    }
    // A misspelt feed would quiet nothing, silently.
    for (const auto &window : config.alerts.maintenance) {
        if (std::ranges::find(config.feeds, window.feed, &feeds::FeedSettings::feed)
            == config.feeds.end())
            return std::unexpected(std::format("{}: alerts.maintenance names feed \"{}\", which "
                                               "no [exchanges.NAME] section configures",
                file, window.feed));
    }
    return config;
}

} // namespace tickscope::app
