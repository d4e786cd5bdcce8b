#include "app/cli/cli.h"
#include "app/cli/status_line.h"
#include "app/cli/unix_signals.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/config/config.h"
#include "app/feeds/adapter_registry.h"
#include "app/services/database_session.h"
#include "app/services/http_service.h"
#include "app/services/ingest_service.h"

#include <QCoreApplication>
#include <QTimer>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("ingest");

} // namespace

int runIngestCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral("Runs the ingest pipeline headless: every configured exchange's feed is "
                       "journaled and written to the database, with a status line a second. "
                       "Prometheus' /metrics and the read-only query API (/api/v1/...) answer on "
                       "the config file's [http] listen address (default 127.0.0.1:9464; a token "
                       "from token_file is required off loopback). "
                       "Ctrl-C (or SIGTERM) stops it cleanly: the connections close, the journals "
                       "are sealed and everything received is committed first.\n\n"
                       "Exchanges come from the config file's [exchanges.NAME] sections: symbols, "
                       "adapter (default NAME) and the adapter's settings:\n")
            + QString::fromStdString(feeds::describeAdapters()));
    parser.addOptions({
        {QStringLiteral("duration"),
            QStringLiteral("Stop after this many seconds (default: run until stopped)."),
            QStringLiteral("seconds")},
        {QStringLiteral("from-journal-start"),
            QStringLiteral("A database without a checkpoint of a feed takes what the feed's "
                           "journal holds from runs that fed another database (default: it "
                           "starts at the journal's end, and says so).")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    std::optional<int> duration;
    if (parser.isSet(QStringLiteral("duration"))) {
        duration = cli::intOption(parser, QStringLiteral("duration"), 1, 31'536'000, kCommand);
        if (!duration)
            return cli::kUsage;
    }
    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    const Config *config = &chosen->first;
    const DatabaseTarget &target = chosen->second;
    if (config->feeds.empty())
        return cli::failure(kCommand,
            QStringLiteral("no exchange is configured; add an [exchanges.NAME] section with "
                           "symbols to %1 (NAME one of %2; run `tickscope` without a command for "
                           "the simulated exchange)")
                .arg(config->path.isEmpty() ? defaultConfigPath() : config->path,
                    QString::fromStdString(feeds::adapterNames())));
    auto session = DatabaseSession::open(target,
        {.purpose = "ingest setup",
            .progress = [](const std::string &line) { cli::print(QString::fromStdString(line)); },
            .embeddedPolicy = config->policy});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    (*session)->closeConnection();

    quitOnTerminationSignals();
    Config ingestConfig = *config;
    ingestConfig.journalDirectory = journalDirectory(config->journalDirectory, target);
    IngestService service{ingestConfig, (*session)->ingestConninfo()};
    if (parser.isSet(QStringLiteral("from-journal-start")))
        service.takeJournalHistory();
    HttpService http{config->http};
    QObject::connect(&service, &IngestService::feedStatusChanged, &http.metrics(),
        &MetricsExporter::observeFeed);
    QObject::connect(&service, &IngestService::writerStatusChanged, &http.metrics(),
        &MetricsExporter::observeWriter);
    http.queries().setDatabase((*session)->readerConninfo());
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
            .arg(QString::number(feeds::instrumentsOf(ingestConfig.feeds).size())
                    + QStringLiteral(" instruments"),
                QString::fromStdString(target.embedded ? "the embedded database" : target.source)));
    // A feed that cannot go on ends the command, which then says so and fails.
    QObject::connect(&service, &IngestService::failed, qApp, &QCoreApplication::quit);
    if (auto started = service.start(); !started)
        return cli::failure(kCommand, QString::fromStdString(started.error()));
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
    if (!service.failures().isEmpty())
        return cli::failure(kCommand, service.failures().join(u'\n'));
    return cli::kSuccess;
}

} // namespace tickscope::app
