#include "app/console/console_services.h"

#include "app/console/chart_history_reader.h"
#include "app/services/alert_monitor.h"
#include "app/services/backup_monitor.h"
#include "app/services/book_monitor.h"
#include "app/services/database_monitor.h"
#include "app/services/gap_monitor.h"
#include "app/services/http_service.h"
#include "app/services/ingest_service.h"
#include "app/services/replication_monitor.h"
#include "app/services/storage_monitor.h"
#include "ui/alerts_panel.h"
#include "ui/backups_page.h"
#include "ui/book_page.h"
#include "ui/gaps_page.h"
#include "ui/latency_page.h"
#include "ui/live_page.h"
#include "ui/main_window.h"
#include "ui/replication_page.h"

#include <QEventLoop>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

// 30 frames a second, as the charts draw.
constexpr std::chrono::milliseconds kChartFrameInterval{33};

// Made here, moved to `thread`, deleted when it ends.
template<typename Worker, typename... Arguments>
Worker *workerOn(QThread &thread, Arguments &&...arguments)
{
    auto *worker = new Worker(std::forward<Arguments>(arguments)...);
    worker->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    return worker;
}

} // namespace

ConsoleServices::ConsoleServices(
    Config config, DatabaseTarget target, std::vector<db::Migration> migrations)
    : m_config(std::move(config))
    , m_target(std::move(target))
{
    qRegisterMetaType<model::DatabaseStatus>();
    m_config.journalDirectory = journalDirectory(m_config.journalDirectory, m_target);
    m_monitorThread.setObjectName(QStringLiteral("monitor"));
    m_backupThread.setObjectName(QStringLiteral("backup"));
    m_historyThread.setObjectName(QStringLiteral("chart history"));
    m_database = workerOn<DatabaseMonitor>(m_monitorThread, m_target, migrations, m_config.policy);
    connect(&m_monitorThread, &QThread::started, m_database, &DatabaseMonitor::start);
    connect(
        m_database, &DatabaseMonitor::statusChanged, this, &ConsoleServices::databaseStatusChanged);
    m_storage = workerOn<StorageMonitor>(m_monitorThread, m_config.policy, std::move(migrations));
    m_replication = workerOn<ReplicationMonitor>(m_monitorThread);
    // Alerts judge what the monitors see, headless too (log and webhook).
    m_alerts = workerOn<AlertMonitor>(m_monitorThread, m_config.alerts, m_config.backup.every);
    connect(m_replication, &ReplicationMonitor::statusChanged, m_alerts,
        &AlertMonitor::observeReplication);
    connect(
        m_storage, &StorageMonitor::storageStatusChanged, m_alerts, &AlertMonitor::observeStorage);

    // /metrics and the query API, on a thread of their own.
    m_http = std::make_unique<HttpService>(m_config.http);
    connect(m_replication, &ReplicationMonitor::statusChanged, &m_http->metrics(),
        &MetricsExporter::observeReplication);
    connect(m_alerts, &AlertMonitor::alertsChanged, &m_http->metrics(),
        &MetricsExporter::observeAlerts);

    connect(m_database, &DatabaseMonitor::databaseReady, m_replication,
        [replication = m_replication, embedded = m_target.embedded,
            journals = m_config.journalDirectory](
            const QString &, const QString &operatorConninfo) {
            replication->start(operatorConninfo, embedded, journals);
        });
    connect(m_database, &DatabaseMonitor::databaseReady, m_alerts,
        [alerts = m_alerts](
            const QString &, const QString &operatorConninfo) { alerts->start(operatorConninfo); });
    // The database is up and migrated: answer queries from it and start ingesting into it.
    connect(m_database, &DatabaseMonitor::databaseReady, this,
        [this](const QString &conninfo, const QString &, const QString &readerConninfo) {
            emit databaseReady(readerConninfo);
            startIngest(conninfo, readerConninfo);
        });
    m_chartFrames.setInterval(kChartFrameInterval);
}

ConsoleServices::~ConsoleServices()
{
    stop();
}

void ConsoleServices::attachWindow(ui::MainWindow &window)
{
    m_window = &window;
    wireWindow();
}

void ConsoleServices::wireWindow()
{
    ui::MainWindow &window = *m_window;
    connect(
        m_database, &DatabaseMonitor::statusChanged, &window, &ui::MainWindow::showDatabaseStatus);
    connect(
        &window, &ui::MainWindow::retryDatabaseRequested, m_database, &DatabaseMonitor::retryNow);
    connect(m_storage, &StorageMonitor::storageStatusChanged, &window,
        &ui::MainWindow::showStorageStatus);
    connect(m_storage, &StorageMonitor::schemaStatusChanged, &window,
        &ui::MainWindow::showSchemaStatus);
    connect(
        m_storage, &StorageMonitor::actionProgress, &window, &ui::MainWindow::showActionProgress);
    connect(m_storage, &StorageMonitor::actionFinished, &window, &ui::MainWindow::showActionResult);
    connect(&window, &ui::MainWindow::applyMigrationsRequested, m_storage,
        &StorageMonitor::applyMigrations);
    connect(&window, &ui::MainWindow::applyPoliciesRequested, m_storage,
        &StorageMonitor::applyPolicies);
    // The pages it feeds are the console's; headless, nothing reads it.
    connect(m_database, &DatabaseMonitor::databaseReady, m_storage,
        [storage = m_storage](const QString &, const QString &operatorConninfo) {
            storage->start(operatorConninfo);
        });
    connect(m_replication, &ReplicationMonitor::statusChanged, window.replicationPage(),
        &ui::ReplicationPage::showStatus);
    connect(m_replication, &ReplicationMonitor::statusChanged, window.latencyPage(),
        &ui::LatencyPage::showReplicationStatus);

    m_gaps = workerOn<GapMonitor>(m_monitorThread);
    connect(m_gaps, &GapMonitor::ledgerChanged, window.gapsPage(), &ui::GapsPage::showLedger);
    connect(m_gaps, &GapMonitor::dayChanged, window.livePage(), &ui::LivePage::showExchangeDays);
    connect(window.gapsPage(), &ui::GapsPage::filterChanged, m_gaps, &GapMonitor::setFilter);
    window.gapsPage()->emitFilter(); // the filters kept from the last run
    connect(m_database, &DatabaseMonitor::databaseReady, m_gaps,
        [gaps = m_gaps](const QString &, const QString &, const QString &readerConninfo) {
            gaps->start(readerConninfo);
        });

    m_books = workerOn<BookMonitor>(m_monitorThread);
    connect(m_books, &BookMonitor::ladderChanged, window.bookPage(), &ui::BookPage::showLadder);
    connect(window.bookPage(), &ui::BookPage::bookRequested, m_books, &BookMonitor::choose);
    connect(m_database, &DatabaseMonitor::databaseReady, m_books,
        [books = m_books](const QString &, const QString &, const QString &readerConninfo) {
            books->start(readerConninfo);
        });

    connect(
        m_alerts, &AlertMonitor::alertsChanged, window.alertsPanel(), &ui::AlertsPanel::showAlerts);
    connect(window.alertsPanel(), &ui::AlertsPanel::acknowledgeRequested, m_alerts,
        &AlertMonitor::acknowledge);
    connect(m_alerts, &AlertMonitor::acknowledged, window.alertsPanel(),
        &ui::AlertsPanel::showAcknowledgeResult);

    // Backups and restore drills run for minutes: on a thread of their own, for the window.
    m_backups = workerOn<BackupMonitor>(m_backupThread, m_config);
    ui::BackupsPage &page = *window.backupsPage();
    connect(m_backups, &BackupMonitor::overviewChanged, &page, &ui::BackupsPage::showOverview);
    connect(m_backups, &BackupMonitor::progressed, &page, &ui::BackupsPage::showProgress);
    connect(m_backups, &BackupMonitor::actionFinished, &page, &ui::BackupsPage::showActionResult);
    connect(&page, &ui::BackupsPage::setupRequested, m_backups, &BackupMonitor::setup);
    connect(&page, &ui::BackupsPage::backupRequested, m_backups, &BackupMonitor::runBackup);
    connect(&page, &ui::BackupsPage::verifyRequested, m_backups, &BackupMonitor::verify);
    // Straight from the GUI thread: the worker is busy with the backup it cancels.
    connect(&page, &ui::BackupsPage::cancelRequested, &page,
        [backups = m_backups] { backups->cancel(); });
    connect(m_backups, &BackupMonitor::overviewChanged, m_alerts, &AlertMonitor::observeBackups);
    connect(m_database, &DatabaseMonitor::databaseReady, m_backups,
        [backups = m_backups, embedded = m_target.embedded,
            source = QString::fromStdString(m_target.source)](
            const QString &, const QString &operatorConninfo) {
            backups->start(operatorConninfo, embedded, source);
        });

    // The charts' history: many trades at once, on a thread of its own.
    m_history = workerOn<ChartHistoryReader>(m_historyThread);
    connect(window.livePage(), &ui::LivePage::historyWanted, m_history, &ChartHistoryReader::load);
    connect(m_history, &ChartHistoryReader::loaded, window.livePage(), &ui::LivePage::showHistory);
    connect(m_database, &DatabaseMonitor::databaseReady, m_history,
        [history = m_history](const QString &, const QString &, const QString &readerConninfo) {
            history->start(readerConninfo);
        });

    window.setInstruments(feeds::instrumentsOf(m_config.feeds));
}

void ConsoleServices::start()
{
    if (m_backups)
        m_backupThread.start();
    if (m_history)
        m_historyThread.start();
    m_monitorThread.start();
}

void ConsoleServices::startIngest(const QString &conninfo, const QString &readerConninfo)
{
    m_http->queries().setDatabase(readerConninfo.toStdString());
    m_ingest = std::make_unique<IngestService>(m_config, conninfo.toStdString());
    connect(
        m_ingest.get(), &IngestService::feedStatusChanged, m_alerts, &AlertMonitor::observeFeed);
    connect(m_ingest.get(), &IngestService::writerStatusChanged, m_alerts,
        &AlertMonitor::observeWriter);
    connect(m_ingest.get(), &IngestService::feedStatusChanged, &m_http->metrics(),
        &MetricsExporter::observeFeed);
    connect(m_ingest.get(), &IngestService::writerStatusChanged, &m_http->metrics(),
        &MetricsExporter::observeWriter);
    connect(m_ingest.get(), &IngestService::failed, this, [this](const QString &why) {
        spdlog::error("ingest: {}", why.toStdString());
        emit ingestFailed(why);
    });
    if (m_window) {
        connect(m_ingest.get(), &IngestService::feedStatusChanged, m_window,
            &ui::MainWindow::showFeedStatus);
        connect(m_ingest.get(), &IngestService::writerStatusChanged, m_window,
            &ui::MainWindow::showWriterStatus);
        m_ingest->keepLiveTrades();
        connect(&m_chartFrames, &QTimer::timeout, m_window,
            [this, trades = std::vector<IngestService::FeedTrades>()]() mutable {
                m_ingest->drainLiveTrades(trades);
                for (auto &feed : trades) {
                    m_window->livePage()->appendTrades(feed.feed, feed.trades);
                    feed.trades.clear();
                }
            });
        m_chartFrames.start();
    }
    QString error;
    if (auto started = m_ingest->start(); !started) {
        error = QString::fromStdString(started.error());
        spdlog::error("ingest did not start: {}", started.error());
    }
    emit ingestStarted(error);
}

QStringList ConsoleServices::ingestFailures() const
{
    return m_ingest ? m_ingest->failures() : QStringList();
}

void ConsoleServices::stop()
{
    if (m_stopped)
        return;
    m_stopped = true;
    m_chartFrames.stop();
    if (m_ingest) {
        // A service whose feeds never started says stopped() at once, inside stop().
        bool drained = false;
        QEventLoop draining;
        connect(m_ingest.get(), &IngestService::stopped, &draining, [&drained, &draining] {
            drained = true;
            draining.quit();
        });
        m_ingest->stop();
        if (!drained)
            draining.exec();
    }
    if (m_backups) {
        // A running backup stops (the next one resumes it); a running drill is waited for.
        m_backups->cancel();
        if (m_backupThread.isRunning())
            QMetaObject::invokeMethod(
                m_backups, &BackupMonitor::shutdown, Qt::BlockingQueuedConnection);
        m_backupThread.quit();
        m_backupThread.wait();
    }
    if (m_historyThread.isRunning()) {
        QMetaObject::invokeMethod(
            m_history, &ChartHistoryReader::shutdown, Qt::BlockingQueuedConnection);
        m_historyThread.quit();
        m_historyThread.wait();
    }
    if (m_monitorThread.isRunning()) {
        if (m_gaps)
            QMetaObject::invokeMethod(m_gaps, &GapMonitor::shutdown, Qt::BlockingQueuedConnection);
        if (m_books)
            QMetaObject::invokeMethod(
                m_books, &BookMonitor::shutdown, Qt::BlockingQueuedConnection);
        QMetaObject::invokeMethod(
            m_storage, &StorageMonitor::shutdown, Qt::BlockingQueuedConnection);
        QMetaObject::invokeMethod(
            m_replication, &ReplicationMonitor::shutdown, Qt::BlockingQueuedConnection);
        QMetaObject::invokeMethod(m_alerts, &AlertMonitor::shutdown, Qt::BlockingQueuedConnection);
        QMetaObject::invokeMethod(
            m_database, &DatabaseMonitor::shutdown, Qt::BlockingQueuedConnection);
    }
    m_monitorThread.quit();
    m_monitorThread.wait();
}

} // namespace tickscope::app
