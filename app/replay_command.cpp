#include "app/capture_replay.h"
#include "app/cli.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/database_setup.h"
#include "app/database_target.h"
#include "app/ingest/journal_reader.h"
#include "app/model/wall_clock.h"
#include "db/connection.h"
#include "db/instrument_registry.h"

#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <pqxx/connection>
#include <ranges>
#include <set>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("replay");

// The symbols a capture's events name ("s":"BTCUSDT"), in order of first appearance.
std::vector<std::string> discoverSymbols(const QByteArray &capture)
{
    static const QRegularExpression symbolField{QStringLiteral(R"re("s"\s*:\s*"([A-Z0-9]+)")re")};
    std::vector<std::string> symbols;
    std::set<std::string> seen;
    auto matches = symbolField.globalMatch(QString::fromUtf8(capture));
    while (matches.hasNext()) {
        const std::string symbol = matches.next().captured(1).toStdString();
        if (seen.insert(symbol).second)
            symbols.push_back(symbol);
    }
    return symbols;
}

} // namespace

int runReplayCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral("Replays raw exchange messages through the same normalizer, book "
                       "synchronisation and gap detection as live ingestion: a capture with one "
                       "WebSocket text frame per line (--input), or a feed's journal directory "
                       "(--journal). Reports per symbol: trades, trade-id gaps, book updates "
                       "applied and dropped, sequence breaks and the final best bid and ask, with "
                       "line numbers; and each line that could not be parsed. Without --dry-run "
                       "the data is written to the database as live ingestion writes it."));
    parser.addOptions({
        {QStringLiteral("exchange"), QStringLiteral("The exchange's protocol: binance."),
            QStringLiteral("name"), QStringLiteral("binance")},
        {QStringLiteral("input"), QStringLiteral("Capture file: one raw text frame per line."),
            QStringLiteral("file")},
        {QStringLiteral("journal"), QStringLiteral("A feed's journal directory."),
            QStringLiteral("dir")},
        {QStringLiteral("symbols"),
            QStringLiteral("Symbols to take (default: all the input names)."),
            QStringLiteral("list")},
        {QStringLiteral("book-snapshot"),
            QStringLiteral(
                "REST depth snapshot to start a book from: FILE, or SYMBOL=FILE when the "
                "input holds several symbols. May be repeated."),
            QStringLiteral("file")},
        {QStringLiteral("time-unit"), QStringLiteral("Unit of the input's times: ms or us."),
            QStringLiteral("unit"), QStringLiteral("ms")},
        {QStringLiteral("dry-run"), QStringLiteral("Report only; write nothing.")},
        {QStringLiteral("report"), QStringLiteral("Report format: text or json."),
            QStringLiteral("format"), QStringLiteral("text")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    if (parser.value(QStringLiteral("exchange")) != QLatin1String("binance"))
        return cli::usageError(kCommand,
            QStringLiteral("--exchange %1 is not supported; binance is")
                .arg(parser.value(QStringLiteral("exchange"))));
    const bool fromCapture = parser.isSet(QStringLiteral("input"));
    if (fromCapture == parser.isSet(QStringLiteral("journal")))
        return cli::usageError(
            kCommand, QStringLiteral("give exactly one of --input and --journal"));
    const QString format = parser.value(QStringLiteral("report"));
    if (format != QLatin1String("text") && format != QLatin1String("json"))
        return cli::usageError(
            kCommand, QStringLiteral("--report must be text or json, not '%1'").arg(format));
    const QString unit = parser.value(QStringLiteral("time-unit"));
    if (unit != QLatin1String("ms") && unit != QLatin1String("us"))
        return cli::usageError(
            kCommand, QStringLiteral("--time-unit must be ms or us, not '%1'").arg(unit));

    // Read the raw messages first: symbols may have to be discovered from them.
    std::vector<std::pair<feeds::RawKind, std::string>> messages;
    std::vector<std::int64_t> lineNumbers;
    if (fromCapture) {
        QFile input{parser.value(QStringLiteral("input"))};
        if (!input.open(QIODevice::ReadOnly))
            return cli::failure(kCommand,
                QStringLiteral("cannot read %1: %2").arg(input.fileName(), input.errorString()));
        std::int64_t line = 0;
        while (!input.atEnd()) {
            ++line;
            const QByteArray text = input.readLine().trimmed();
            if (text.isEmpty())
                continue;
            messages.emplace_back(feeds::RawKind::WebSocketText, text.toStdString());
            lineNumbers.push_back(line);
        }
    } else {
        ingest::journal::JournalReader reader{
            parser.value(QStringLiteral("journal")).toStdString()};
        if (auto sought = reader.seek({}); !sought)
            return cli::failure(kCommand, QString::fromStdString(sought.error()));
        for (std::int64_t record = 1;; ++record) {
            auto next = reader.next();
            if (!next)
                return cli::failure(kCommand, QString::fromStdString(next.error()));
            if (!*next)
                break;
            messages.emplace_back((*next)->kind, std::move((*next)->payload));
            lineNumbers.push_back(record);
        }
    }

    std::vector<std::string> symbols;
    if (parser.isSet(QStringLiteral("symbols"))) {
        for (const QString &symbol :
            parser.value(QStringLiteral("symbols")).split(u',', Qt::SkipEmptyParts))
            symbols.push_back(symbol.trimmed().toUpper().toStdString());
    } else {
        QByteArray all;
        for (const auto &[kind, payload] : messages)
            all.append(payload.data(), static_cast<qsizetype>(payload.size())).append('\n');
        symbols = discoverSymbols(all);
    }
    if (symbols.empty())
        return cli::failure(kCommand, QStringLiteral("the input names no symbol; give --symbols"));
    std::vector<model::Instrument> instruments;
    for (const auto &symbol : symbols) {
        auto instrument = parseSymbol("binance", symbol);
        if (!instrument)
            return cli::usageError(kCommand, QString::fromStdString(instrument.error()));
        instrument->timePrecision = unit.toStdString();
        instruments.push_back(std::move(*instrument));
    }
    const feeds::InstrumentList list{instruments};

    // Snapshots go first, as REST responses for their instrument.
    std::vector<std::pair<std::uint32_t, std::string>> snapshots;
    for (const QString &value : parser.values(QStringLiteral("book-snapshot"))) {
        const auto equals = value.indexOf(u'=');
        QString symbol = equals > 0 ? value.left(equals).toUpper() : QString();
        const QString path = equals > 0 ? value.mid(equals + 1) : value;
        if (symbol.isEmpty()) {
            if (list.size() != 1)
                return cli::usageError(kCommand,
                    QStringLiteral("the input holds %1 symbols; write --book-snapshot SYMBOL=FILE")
                        .arg(list.size()));
            symbol = QString::fromStdString(list.at(0).symbol);
        }
        const auto instrument = list.find(symbol.toStdString());
        if (!instrument)
            return cli::usageError(kCommand,
                QStringLiteral("--book-snapshot names %1, which the input does not hold")
                    .arg(symbol));
        QFile file{path};
        if (!file.open(QIODevice::ReadOnly))
            return cli::failure(
                kCommand, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        snapshots.emplace_back(*instrument,
            feeds::encodeRestPayload(list.at(*instrument).symbol, file.readAll().toStdString()));
    }

    std::optional<pqxx::connection> connection;
    std::unique_ptr<db::IngestWriter> writer;
    bool stopServerAtExit = false;
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    try {
        if (!dryRun) {
            auto chosen = chooseDatabase(parser);
            if (!chosen)
                return cli::failure(kCommand, QString::fromStdString(chosen.error()));
            DatabaseTarget target = chosen->second;
            const Progress quiet = [](const std::string &) {
            };
            if (target.embedded) {
                auto server = startEmbeddedServer(quiet);
                if (!server)
                    return cli::failure(kCommand, QString::fromStdString(server.error()));
                target.conninfo = server->conninfo;
                stopServerAtExit = server->startedHere;
            }
            connection.emplace(db::connect(target.conninfo, "replay"));
            if (auto migrated = applyPendingMigrations(
                    *connection, db::loadMigrations(db::kEmbeddedMigrations).value(), quiet);
                !migrated)
                return cli::failure(kCommand, QString::fromStdString(migrated.error()));
            writer = std::make_unique<db::IngestWriter>(
                *connection, "binance", db::registerInstruments(*connection, instruments));
        }
        CaptureReplay replay{list,
            unit == QLatin1String("us") ? feeds::binance::TimeUnit::Microseconds
                                        : feeds::binance::TimeUnit::Milliseconds,
            writer.get(), 20'000};
        const std::int64_t receivedAt = model::wallClockNs();
        for (const auto &body : snapshots | std::views::values)
            replay.feed(
                {feeds::RawKind::RestResponse,
                    static_cast<std::uint32_t>(feeds::RestTopic::BookSnapshot), receivedAt, body},
                0);
        for (std::size_t i = 0; i < messages.size(); ++i)
            replay.feed({messages[i].first, 0, receivedAt, messages[i].second}, lineNumbers[i]);
        replay.finish();
        cli::print(format == QLatin1String("json")
                ? QString::fromUtf8(QJsonDocument(replay.report()).toJson(QJsonDocument::Indented))
                : replay.textReport());
    } catch (const std::exception &error) {
        if (stopServerAtExit)
            stopEmbeddedServer();
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    if (stopServerAtExit)
        stopEmbeddedServer();
    return cli::kSuccess;
}

} // namespace tickscope::app
