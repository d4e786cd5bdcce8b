#include "app/cli/cli.h"
#include "app/cli/status_line.h"
#include "app/cli/unix_signals.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/config/config.h"
#include "app/services/alert_monitor.h"
#include "app/services/backup_monitor.h"
#include "app/services/database_monitor.h"
#include "app/services/database_session.h"
#include "app/services/gap_monitor.h"
#include "app/services/http_service.h"
#include "app/services/ingest_service.h"
#include "app/services/replication_monitor.h"
#include "app/services/simulated_feed.h"
#include "app/services/storage_monitor.h"
#include "app/sim/binance_simulator.h"
#include "db/capability_probe.h"
#include "db/migration_set.h"
#include "ui/alerts_panel.h"
#include "ui/backups_page.h"
#include "ui/gaps_page.h"
#include "ui/live_page.h"
#include "ui/main_window.h"
#include "ui/replication_page.h"

#include <QApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QThread>
#include <QTimer>
#include <memory>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

struct DemoExchange
{
    std::unique_ptr<sim::ExchangeSimulator> simulator;
    feeds::FeedSettings feed;
};

// The simulated exchange the main job ingests from when none is configured: Binance's protocol
// on loopback, a few hundred trades a second, under the exchange name "simulated" so that its
// rows are never mistaken for a real venue's.
std::expected<DemoExchange, QString> startDemoExchange()
{
    sim::BinanceSimulator::Options options;
    options.symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"};
    options.tradesPerSecond = 400;
    options.seed = static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch());
    // Ids above any earlier run's (400 trades/s stay far below 1000 per ms), so that the
    // embedded database's sequences continue instead of seeing old ids again.
    options.idBase = QDateTime::currentMSecsSinceEpoch() * 1000;
    DemoExchange demo{std::make_unique<sim::BinanceSimulator>(options), {}};
    if (auto started = demo.simulator->start(); !started)
        return std::unexpected(
            QStringLiteral("the simulated exchange did not start: ") + started.error());
    demo.feed = simulatedFeed(*demo.simulator, "simulated");
    return demo;
}

bool displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

QString statusLine(const model::DatabaseStatus &status)
{
    using State = model::DatabaseStatus::State;
    const QString endpoint = QString::fromStdString(status.endpoint)
        + (status.embedded ? QStringLiteral(" (embedded)") : QString());
    switch (status.state) {
    case State::Connecting:
        return QStringLiteral("connecting | %1 | %2")
            .arg(endpoint, QString::fromStdString(status.message));
    case State::Migrating:
        return QStringLiteral("migrating | %1").arg(endpoint);
    case State::Ready:
        return QStringLiteral("ready | %1 | %2 | schema %3/%4")
            .arg(endpoint, QString::fromStdString(db::describeCapabilities(status.capabilities)))
            .arg(status.schemaVersion)
            .arg(status.latestSchemaVersion);
    case State::Failed:
        return QStringLiteral("failed | %1 | %2")
            .arg(endpoint, QString::fromStdString(status.message));
    }
    return {};
}

// The Backups page's requests go to the backup worker, its results come back.
void connectBackupsPage(ui::BackupsPage &page, BackupMonitor &backups)
{
    QObject::connect(
        &backups, &BackupMonitor::overviewChanged, &page, &ui::BackupsPage::showOverview);
    QObject::connect(&backups, &BackupMonitor::progressed, &page, &ui::BackupsPage::showProgress);
    QObject::connect(
        &backups, &BackupMonitor::actionFinished, &page, &ui::BackupsPage::showActionResult);
    QObject::connect(&page, &ui::BackupsPage::setupRequested, &backups, &BackupMonitor::setup);
    QObject::connect(&page, &ui::BackupsPage::backupRequested, &backups, &BackupMonitor::runBackup);
    QObject::connect(&page, &ui::BackupsPage::verifyRequested, &backups, &BackupMonitor::verify);
    // Straight from the GUI thread: the worker is busy with the backup it cancels.
    QObject::connect(
        &page, &ui::BackupsPage::cancelRequested, &page, [&backups] { backups.cancel(); });
}

} // namespace

int runConsoleCommand(int &argc, char **argv, const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Tickscope keeps exchange market data in TimescaleDB and watches over it.\n\n"
            "Without a command it opens the console (or, without a display or with --headless, "
            "prints a status line until Ctrl-C). With nothing configured it runs the embedded "
            "local database and migrates it. Either way /metrics and the read-only query API "
            "(/api/v1/...) answer on the config file's [http] listen address (default "
            "127.0.0.1:9464).\n\n"
            "Commands:\n")
            + commandSummaries()
            + QStringLiteral("\nRun 'tickscope COMMAND --help' for a command's options."));
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("headless"), QStringLiteral("Run without the console window.")},
        {QStringLiteral("verbose"), QStringLiteral("Log debug details.")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, QString()))
        return *exit;
    if (parser.isSet(QStringLiteral("version"))) {
        cli::print(QStringLiteral("tickscope %1").arg(QStringLiteral(TICKSCOPE_VERSION)));
        return cli::kSuccess;
    }
    if (parser.isSet(QStringLiteral("verbose")))
        spdlog::set_level(spdlog::level::debug);

    const auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(QString(), QString::fromStdString(chosen.error()));
    const auto &[config, target] = *chosen;
    auto migrations = db::loadMigrations(db::kEmbeddedMigrations);
    if (!migrations)
        return cli::failure(QString(), QString::fromStdString(migrations.error()));

    const bool headless = parser.isSet(QStringLiteral("headless")) || !displayAvailable();
    std::unique_ptr<QCoreApplication> application = headless
        ? std::make_unique<QCoreApplication>(argc, argv)
        : std::make_unique<QApplication>(argc, argv);
    quitOnTerminationSignals();
    qRegisterMetaType<model::DatabaseStatus>();

    QThread monitorThread;
    monitorThread.setObjectName(QStringLiteral("monitor"));
    auto *monitor = new DatabaseMonitor(target, *migrations, config.policy);
    monitor->moveToThread(&monitorThread);
    QObject::connect(&monitorThread, &QThread::started, monitor, &DatabaseMonitor::start);
    QObject::connect(&monitorThread, &QThread::finished, monitor, &QObject::deleteLater);
    auto *storage = new StorageMonitor(config.policy, std::move(*migrations));
    storage->moveToThread(&monitorThread);
    QObject::connect(&monitorThread, &QThread::finished, storage, &QObject::deleteLater);
    auto *replication = new ReplicationMonitor;
    replication->moveToThread(&monitorThread);
    QObject::connect(&monitorThread, &QThread::finished, replication, &QObject::deleteLater);
    // Alerts judge what the monitors see, headless too (log and webhook).
    auto *alerts = new AlertMonitor(config.alerts, config.backup.every);
    alerts->moveToThread(&monitorThread);
    QObject::connect(&monitorThread, &QThread::finished, alerts, &QObject::deleteLater);
    QObject::connect(
        replication, &ReplicationMonitor::statusChanged, alerts, &AlertMonitor::observeReplication);
    QObject::connect(
        storage, &StorageMonitor::storageStatusChanged, alerts, &AlertMonitor::observeStorage);

    // /metrics and the query API, on a thread of their own.
    HttpService http{config.http};
    QObject::connect(replication, &ReplicationMonitor::statusChanged, &http.metrics(),
        &MetricsExporter::observeReplication);
    QObject::connect(
        alerts, &AlertMonitor::alertsChanged, &http.metrics(), &MetricsExporter::observeAlerts);

    // Backups and restore drills run for minutes: on a thread of their own, for the window.
    QThread backupThread;
    backupThread.setObjectName(QStringLiteral("backup"));
    BackupMonitor *backups = nullptr;

    // With no exchange configured, the built-in simulator stands in for one.
    Config ingestConfig = config;
    ingestConfig.journalDirectory = journalDirectory(config.journalDirectory, target);
    std::unique_ptr<sim::ExchangeSimulator> simulator;
    if (ingestConfig.feeds.empty()) {
        auto demo = startDemoExchange();
        if (!demo)
            return cli::failure(QString(), demo.error());
        simulator = std::move(demo->simulator);
        ingestConfig.feeds.push_back(std::move(demo->feed));
    }
    QStringList feedNames;
    std::vector<model::Instrument> instruments;
    for (const auto &feed : ingestConfig.feeds) {
        feedNames << QString::fromStdString(feed.feed);
        instruments.insert(instruments.end(), feed.instruments.begin(), feed.instruments.end());
    }

    std::unique_ptr<ui::MainWindow> window;
    GapMonitor *gapMonitor = nullptr; // the console's, on the monitor thread
    std::unique_ptr<IngestService> ingest;
    StatusLine ingestLine;
    QTimer ingestTicker;
    // The charts take the committed trades at their own frame rate.
    QTimer chartFrames;
    chartFrames.setInterval(std::chrono::milliseconds(33));
    std::vector<IngestService::FeedTrades> liveTrades;
    QString lastLine;
    if (headless) {
        cli::print(QStringLiteral(
            "tickscope %1 headless; database: %2; exchange: %3. Press Ctrl-C to stop.")
                .arg(QStringLiteral(TICKSCOPE_VERSION), QString::fromStdString(target.source),
                    simulator ? QStringLiteral("the simulator on ws://127.0.0.1:%1")
                                    .arg(simulator->port())
                              : feedNames.join(QStringLiteral(", "))));
        QObject::connect(monitor, &DatabaseMonitor::statusChanged, application.get(),
            [&lastLine](const model::DatabaseStatus &status) {
                const QString line = statusLine(status);
                if (line != lastLine)
                    cli::print(QStringLiteral("tickscope: ") + line);
                lastLine = line;
            });
        ingestTicker.setInterval(std::chrono::seconds(1));
        QObject::connect(&ingestTicker, &QTimer::timeout, application.get(),
            [&ingestLine] { ingestLine.print(); });
    } else {
        window = std::make_unique<ui::MainWindow>();
        QObject::connect(monitor, &DatabaseMonitor::statusChanged, window.get(),
            &ui::MainWindow::showDatabaseStatus);
        QObject::connect(window.get(), &ui::MainWindow::retryDatabaseRequested, monitor,
            &DatabaseMonitor::retryNow);
        QObject::connect(storage, &StorageMonitor::storageStatusChanged, window.get(),
            &ui::MainWindow::showStorageStatus);
        QObject::connect(storage, &StorageMonitor::schemaStatusChanged, window.get(),
            &ui::MainWindow::showSchemaStatus);
        QObject::connect(storage, &StorageMonitor::actionFinished, window.get(),
            &ui::MainWindow::showActionResult);
        QObject::connect(window.get(), &ui::MainWindow::applyMigrationsRequested, storage,
            &StorageMonitor::applyMigrations);
        QObject::connect(window.get(), &ui::MainWindow::applyPoliciesRequested, storage,
            &StorageMonitor::applyPolicies);
        // The pages it feeds are the console's; headless, nothing reads it.
        QObject::connect(monitor, &DatabaseMonitor::databaseReady, storage,
            [storage](const QString &, const QString &operatorConninfo) {
                storage->start(operatorConninfo);
            });
        QObject::connect(replication, &ReplicationMonitor::statusChanged, window->replicationPage(),
            &ui::ReplicationPage::showStatus);
        auto *gaps = new GapMonitor;
        gaps->moveToThread(&monitorThread);
        QObject::connect(&monitorThread, &QThread::finished, gaps, &QObject::deleteLater);
        QObject::connect(
            gaps, &GapMonitor::ledgerChanged, window->gapsPage(), &ui::GapsPage::showLedger);
        QObject::connect(
            gaps, &GapMonitor::dayChanged, window->livePage(), &ui::LivePage::showExchangeDays);
        QObject::connect(
            window->gapsPage(), &ui::GapsPage::filterChanged, gaps, &GapMonitor::setFilter);
        QObject::connect(monitor, &DatabaseMonitor::databaseReady, gaps,
            [gaps](const QString &, const QString &, const QString &readerConninfo) {
                gaps->start(readerConninfo);
            });
        gapMonitor = gaps;
        QObject::connect(alerts, &AlertMonitor::alertsChanged, window->alertsPanel(),
            &ui::AlertsPanel::showAlerts);
        QObject::connect(window->alertsPanel(), &ui::AlertsPanel::acknowledgeRequested, alerts,
            &AlertMonitor::acknowledge);
        QObject::connect(alerts, &AlertMonitor::acknowledged, window->alertsPanel(),
            &ui::AlertsPanel::showAcknowledgeResult);
        backups = new BackupMonitor(config);
        backups->moveToThread(&backupThread);
        QObject::connect(&backupThread, &QThread::finished, backups, &QObject::deleteLater);
        connectBackupsPage(*window->backupsPage(), *backups);
        QObject::connect(
            backups, &BackupMonitor::overviewChanged, alerts, &AlertMonitor::observeBackups);
        QObject::connect(monitor, &DatabaseMonitor::databaseReady, backups,
            [backups, embedded = target.embedded, source = QString::fromStdString(target.source)](
                const QString &, const QString &operatorConninfo) {
                backups->start(operatorConninfo, embedded, source);
            });
        backupThread.start();
        window->setInstruments(instruments);
        window->show();
    }
    QObject::connect(monitor, &DatabaseMonitor::databaseReady, replication,
        [replication, embedded = target.embedded, journals = ingestConfig.journalDirectory](
            const QString &, const QString &operatorConninfo) {
            replication->start(operatorConninfo, embedded, journals);
        });
    QObject::connect(monitor, &DatabaseMonitor::databaseReady, alerts,
        [alerts](
            const QString &, const QString &operatorConninfo) { alerts->start(operatorConninfo); });
    // The database is up and migrated: answer queries from it and start ingesting into it.
    QObject::connect(monitor, &DatabaseMonitor::databaseReady, application.get(),
        [&](const QString &conninfo, const QString &, const QString &readerConninfo) {
            http.queries().setDatabase(readerConninfo.toStdString());
            ingest = std::make_unique<IngestService>(ingestConfig, conninfo.toStdString());
            if (window) {
                ingest->keepLiveTrades();
                QObject::connect(
                    &chartFrames, &QTimer::timeout, window.get(), [&ingest, &window, &liveTrades] {
                        ingest->drainLiveTrades(liveTrades);
                        for (auto &feed : liveTrades) {
                            window->livePage()->appendTrades(feed.feed, feed.trades);
                            feed.trades.clear();
                        }
                    });
                chartFrames.start();
            }
            QObject::connect(ingest.get(), &IngestService::feedStatusChanged, alerts,
                &AlertMonitor::observeFeed);
            QObject::connect(ingest.get(), &IngestService::writerStatusChanged, alerts,
                &AlertMonitor::observeWriter);
            QObject::connect(ingest.get(), &IngestService::feedStatusChanged, &http.metrics(),
                &MetricsExporter::observeFeed);
            QObject::connect(ingest.get(), &IngestService::writerStatusChanged, &http.metrics(),
                &MetricsExporter::observeWriter);
            if (window) {
                QObject::connect(ingest.get(), &IngestService::feedStatusChanged, window.get(),
                    &ui::MainWindow::showFeedStatus);
                QObject::connect(ingest.get(), &IngestService::writerStatusChanged, window.get(),
                    &ui::MainWindow::showWriterStatus);
            } else {
                QObject::connect(ingest.get(), &IngestService::feedStatusChanged, application.get(),
                    [&ingestLine](const model::FeedStatus &status) { ingestLine.onFeed(status); });
                QObject::connect(ingest.get(), &IngestService::writerStatusChanged,
                    application.get(), [&ingestLine](const model::WriterStatus &status) {
                        ingestLine.onWriter(status);
                    });
                ingestTicker.start();
            }
            // Headless, a feed that cannot go on ends the job, which then fails; the console
            // shows it on the Live page and goes on.
            QObject::connect(ingest.get(), &IngestService::failed, application.get(),
                [headless](const QString &why) {
                    spdlog::error("ingest: {}", why.toStdString());
                    if (headless)
                        QCoreApplication::quit();
                });
            if (auto started = ingest->start(); !started) {
                spdlog::error("ingest did not start: {}", started.error());
                if (headless)
                    QCoreApplication::exit(cli::kFailure);
            }
        });
    monitorThread.start();
    const int exitCode = application->exec();

    // Stop in order: the feeds (everything received gets committed), the simulator, then the
    // monitor on its own thread, which stops the embedded database if it started it.
    ingestTicker.stop();
    chartFrames.stop();
    if (ingest) {
        if (headless)
            cli::print(QStringLiteral("tickscope: stopping; committing what was received"));
        QEventLoop draining;
        QObject::connect(ingest.get(), &IngestService::stopped, &draining, &QEventLoop::quit);
        ingest->stop();
        draining.exec();
        if (headless)
            ingestLine.printTotals();
    }
    if (simulator)
        simulator->stop();
    if (backups) {
        // A running backup stops (the next one resumes it); a running drill is waited for.
        backups->cancel();
        QMetaObject::invokeMethod(backups, &BackupMonitor::shutdown, Qt::BlockingQueuedConnection);
        backupThread.quit();
        backupThread.wait();
    }
    if (gapMonitor)
        QMetaObject::invokeMethod(gapMonitor, &GapMonitor::shutdown, Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(storage, &StorageMonitor::shutdown, Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(
        replication, &ReplicationMonitor::shutdown, Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(alerts, &AlertMonitor::shutdown, Qt::BlockingQueuedConnection);
    QMetaObject::invokeMethod(monitor, &DatabaseMonitor::shutdown, Qt::BlockingQueuedConnection);
    monitorThread.quit();
    monitorThread.wait();
    if (headless)
        cli::print(QStringLiteral("tickscope: stopped"));
    if (ingest && !ingest->failures().isEmpty())
        return cli::failure(QString(), ingest->failures().join(u'\n'));
    return exitCode;
}

} // namespace tickscope::app
