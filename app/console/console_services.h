// Everything the console runs, started and stopped in one place: the database monitor (which
// brings the database up and migrates it), the storage, replication and alert monitors on the
// monitor thread, /metrics and the query API, and, once the database is ready, the ingest of the
// configured feeds. With a window attached it also runs what only the window reads (the gap
// monitor, the backup worker and the charts' history reader on threads of their own, the
// committed trades for the charts) and connects every page to its service. `tickscope` (window
// or headless), `tickscope --screenshot` and the GUI tests run the same object.
#pragma once

#include "app/config/config.h"
#include "app/model/database_status.h"
#include "app/services/database_session.h"
#include "db/migration_set.h"

#include <QObject>
#include <QStringList>
#include <QThread>
#include <QTimer>
#include <memory>
#include <vector>

namespace tickscope::ui {
class MainWindow;
}

namespace tickscope::app {

class AlertMonitor;
class BackupMonitor;
class BookMonitor;
class ChartHistoryReader;
class DatabaseMonitor;
class GapMonitor;
class HttpService;
class IngestService;
class ReplicationMonitor;
class StorageMonitor;

class ConsoleServices : public QObject
{
    Q_OBJECT
public:
    // Ingests `config.feeds` (the caller adds the simulator's when none is configured).
    ConsoleServices(Config config, DatabaseTarget target, std::vector<db::Migration> migrations);
    ~ConsoleServices() override;

    // Before start(): the window whose pages the services feed.
    void attachWindow(ui::MainWindow &window);
    void start();
    // In order: the feeds stop and everything received is committed, then the backup worker,
    // the monitors, and the embedded database if the monitor started it. Blocks until done.
    void stop();

    // Null until the database is ready.
    IngestService *ingest() const { return m_ingest.get(); }
    GapMonitor *gapMonitor() const { return m_gaps; }
    BookMonitor *bookMonitor() const { return m_books; }
    // What could not go on, one line per feed.
    QStringList ingestFailures() const;

signals:
    void databaseStatusChanged(const tickscope::model::DatabaseStatus &status);
    // The database is up and migrated; emitted just before the ingest starts, so that a slot
    // may still prepare what the feeds connect to.
    void databaseReady(const QString &readerConninfo);
    // The database is ready and the ingest started (or failed to: `error` says why).
    void ingestStarted(const QString &error);
    // A feed cannot go on.
    void ingestFailed(const QString &why);

private:
    void startIngest(const QString &conninfo, const QString &readerConninfo);
    void wireWindow();

    Config m_config;
    DatabaseTarget m_target;
    QThread m_monitorThread;
    QThread m_backupThread;
    QThread m_historyThread;
    DatabaseMonitor *m_database;
    StorageMonitor *m_storage;
    ReplicationMonitor *m_replication;
    AlertMonitor *m_alerts;
    GapMonitor *m_gaps = nullptr; // with a window
    BookMonitor *m_books = nullptr; // with a window
    BackupMonitor *m_backups = nullptr; // with a window
    ChartHistoryReader *m_history = nullptr; // with a window
    std::unique_ptr<HttpService> m_http;
    std::unique_ptr<IngestService> m_ingest;
    ui::MainWindow *m_window = nullptr;
    QTimer m_chartFrames; // hands the committed trades to the charts
    bool m_stopped = false;
};

} // namespace tickscope::app
