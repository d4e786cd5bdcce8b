#include "app/cli.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/database_setup.h"
#include "app/database_target.h"
#include "app/ingest_service.h"
#include "app/unix_signals.h"
#include "db/connection.h"

#include <QCoreApplication>
#include <QTimer>
#include <map>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("ingest");

// Records between the writer's checkpoint and the end of the journal (within one segment).
QString journalLag(const model::JournalPosition &end, const model::JournalPosition &committed)
{
    if (end.segment == committed.segment)
        return QString::number(std::max<std::int64_t>(0, end.index - committed.index));
    return QStringLiteral("%1 segments").arg(end.segment - committed.segment);
}

// One line per feed and second: what arrived, what was committed, and what is behind.
class StatusLine
{
public:
    void onFeed(const model::FeedStatus &status) { m_feeds[status.feed] = status; }
    void onWriter(const model::WriterStatus &status) { m_writers[status.feed] = status; }

    void print()
    {
        for (const auto &[name, feed] : m_feeds) {
            const auto writer = m_writers[name];
            auto &last = m_last[name];
            const std::int64_t frames = feed.framesReceived - last.framesReceived;
            const std::int64_t rows = writer.rowsCommitted - last.rowsCommitted;
            last = {feed.framesReceived, writer.rowsCommitted};
            QString gap = QStringLiteral("none");
            if (writer.lastGap)
                gap = QStringLiteral("%1 %2 %3..%4")
                          .arg(QString::fromStdString(writer.lastGapSymbol),
                              QString::fromLatin1(model::kindName(writer.lastGap->kind)))
                          .arg(writer.lastGap->firstMissing)
                          .arg(writer.lastGap->lastMissing);
            QString line = QStringLiteral(
                "%1 %2 | %3 msg/s | %4 rows/s | writer %5 | pending %6 | journal lag %7 | "
                "p50 %8 ms p99 %9 ms | gaps %10, last %11 | malformed %12")
                               .arg(QString::fromStdString(name),
                                   QString::fromLatin1(model::stateName(feed.state)))
                               .arg(frames)
                               .arg(rows)
                               .arg(QString::fromLatin1(model::stateName(writer.state)))
                               .arg(writer.pendingRows)
                               .arg(journalLag(feed.journalEnd, writer.committed))
                               .arg(writer.latencyP50Ms, 0, 'f', 1)
                               .arg(writer.latencyP99Ms, 0, 'f', 1)
                               .arg(writer.gapsFound)
                               .arg(gap)
                               .arg(writer.malformedFrames);
            if (!feed.lastError.empty())
                line += QStringLiteral(" | feed: ") + QString::fromStdString(feed.lastError);
            if (!writer.lastError.empty())
                line += QStringLiteral(" | database: ") + QString::fromStdString(writer.lastError);
            cli::print(line);
        }
    }

    void printTotals()
    {
        for (const auto &[name, writer] : m_writers)
            cli::print(QStringLiteral(
                "%1: %2 rows committed (%3 trades) in %4 batches, %5 duplicates skipped, %6 gaps")
                    .arg(QString::fromStdString(name))
                    .arg(writer.rowsCommitted)
                    .arg(writer.tradesCommitted)
                    .arg(writer.batchesCommitted)
                    .arg(writer.duplicatesSkipped)
                    .arg(writer.gapsFound));
    }

private:
    struct Counters
    {
        std::int64_t framesReceived = 0;
        std::int64_t rowsCommitted = 0;
    };
    std::map<std::string, model::FeedStatus> m_feeds;
    std::map<std::string, model::WriterStatus> m_writers;
    std::map<std::string, Counters> m_last;
};

} // namespace

int runIngestCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral("Runs the ingest pipeline headless: every configured exchange's feed is "
                       "journaled and written to the database, with a status line a second. "
                       "Ctrl-C (or SIGTERM) stops it cleanly: the connections close, the journals "
                       "are sealed and everything received is committed first.\n\n"
                       "Exchanges come from the config file's [exchanges.*] sections."));
    parser.addOptions({
        {QStringLiteral("db"), QStringLiteral("libpq conninfo string or postgresql:// URI."),
            QStringLiteral("conninfo")},
        {QStringLiteral("config"),
            QStringLiteral("Config file (default %1).").arg(defaultConfigPath()),
            QStringLiteral("file")},
        {QStringLiteral("duration"),
            QStringLiteral("Stop after this many seconds (default: run until stopped)."),
            QStringLiteral("seconds")},
    });
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    if (parser.positionalArguments().size() > 1)
        return cli::usageError(kCommand,
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().at(1)));
    std::optional<int> duration;
    if (parser.isSet(QStringLiteral("duration"))) {
        duration = cli::intOption(parser, QStringLiteral("duration"), 1, 31'536'000, kCommand);
        if (!duration)
            return cli::kUsage;
    }
    const bool explicitConfig = parser.isSet(QStringLiteral("config"));
    const auto config
        = loadConfig(explicitConfig ? parser.value(QStringLiteral("config")) : defaultConfigPath(),
            explicitConfig);
    if (!config)
        return cli::failure(kCommand, QString::fromStdString(config.error()));
    if (!config->binance)
        return cli::failure(kCommand,
            QStringLiteral(
                "no exchange is configured; add an [exchanges.binance] section with "
                "symbols to %1 (run `tickscope` without a command for the simulated exchange)")
                .arg(config->path.isEmpty() ? defaultConfigPath() : config->path));
    const auto migrations = db::loadMigrations(db::kEmbeddedMigrations);
    if (!migrations)
        return cli::failure(kCommand, QString::fromStdString(migrations.error()));

    DatabaseTarget target = resolveDatabaseTarget(parser.isSet(QStringLiteral("db"))
            ? std::optional{parser.value(QStringLiteral("db")).toStdString()}
            : std::nullopt,
        *config);
    const Progress progress = [](const std::string &line) {
        cli::print(QString::fromStdString(line));
    };
    bool stopServerAtExit = false;
    try {
        if (target.embedded) {
            auto server = startEmbeddedServer(progress);
            if (!server)
                return cli::failure(kCommand, QString::fromStdString(server.error()));
            target.conninfo = server->conninfo;
            stopServerAtExit = server->startedHere;
        }
        auto connection = db::connect(target.conninfo, "ingest setup");
        if (auto migrated = applyPendingMigrations(connection, *migrations, progress); !migrated)
            return cli::failure(kCommand, QString::fromStdString(migrated.error()));
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }

    quitOnTerminationSignals();
    IngestService service{*config, target.conninfo};
    StatusLine status;
    QObject::connect(&service, &IngestService::feedStatusChanged, &service,
        [&status](const model::FeedStatus &feed) { status.onFeed(feed); });
    QObject::connect(&service, &IngestService::writerStatusChanged, &service,
        [&status](const model::WriterStatus &writer) { status.onWriter(writer); });
    QTimer ticker;
    ticker.setInterval(std::chrono::seconds(1));
    QObject::connect(&ticker, &QTimer::timeout, &service, [&status] { status.print(); });
    // Ctrl-C (or the duration) quits the event loop; the service then stops in a loop of its own.
    if (duration)
        QTimer::singleShot(std::chrono::seconds(*duration), qApp, &QCoreApplication::quit);
    cli::print(QStringLiteral("ingest: %1 into %2; Ctrl-C stops")
            .arg(QString::number(service.instruments().size()) + QStringLiteral(" instruments"),
                QString::fromStdString(target.embedded ? "the embedded database" : target.source)));
    service.start();
    ticker.start();
    QCoreApplication::exec();

    cli::print(QStringLiteral("ingest: stopping; committing what was received"));
    QEventLoop draining;
    QObject::connect(&service, &IngestService::stopped, &draining, &QEventLoop::quit);
    service.stop();
    draining.exec();
    ticker.stop();
    status.print();
    status.printTotals();
    if (stopServerAtExit)
        stopEmbeddedServer();
    return cli::kSuccess;
}

} // namespace tickscope::app
