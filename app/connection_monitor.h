// The monitor thread's worker for the database connection: brings the database up (the embedded
// local server when nothing else is configured), applies pending migrations, probes what the
// server can do, and re-checks on a timer. Emits DatabaseStatus snapshots; the console and the
// headless status line both show them.
#pragma once

#include "app/database_target.h"
#include "app/model/database_status.h"
#include "db/migration_set.h"

#include <QObject>
#include <chrono>
#include <memory>
#include <vector>

class QTimer;

namespace pqxx {
class connection;
}

namespace tickscope::app {

class ConnectionMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kPollInterval{5};

    ConnectionMonitor(DatabaseTarget target, std::vector<db::Migration> migrations);
    ~ConnectionMonitor() override;

public slots:
    void start();
    // Closes the connection and stops the embedded server if this monitor started it.
    void shutdown();

signals:
    void statusChanged(const tickscope::model::DatabaseStatus &status);
    // Once, when the database is up and migrated: what the ingest writers connect to (for the
    // embedded database, its ingest login role).
    void databaseReady(const QString &conninfo);

private:
    void poll();
    void connectAndMigrate();
    void publish(model::DatabaseStatus::State state, std::string message);

    DatabaseTarget m_target;
    std::vector<db::Migration> m_migrations;
    std::unique_ptr<pqxx::connection> m_connection;
    QTimer *m_timer = nullptr;
    bool m_startedEmbeddedServer = false;
    bool m_announcedReady = false;
    std::string m_conninfo;
    model::DatabaseStatus m_status;
};

} // namespace tickscope::app
