// The monitor thread's worker for the database connection: brings the database up once through a
// DatabaseSession (the embedded local server when nothing else is configured, pending migrations
// applied), then, as the reader role, probes what the server can do and re-checks on a timer. Emits
// DatabaseStatus snapshots; the console and the headless status line both show them.
#pragma once

#include "app/model/database_status.h"
#include "app/services/database_session.h"
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

class DatabaseMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kPollInterval{5};

    // `policy` is applied to the embedded database (DatabaseSession::Options::embeddedPolicy).
    DatabaseMonitor(
        DatabaseTarget target, std::vector<db::Migration> migrations, model::StoragePolicy policy);
    ~DatabaseMonitor() override;

public slots:
    void start();
    // Tries the database now (the console's Retry) instead of at the next poll.
    void retryNow();
    // Closes the connection and stops the embedded server if this monitor started it.
    void shutdown();

signals:
    void statusChanged(const tickscope::model::DatabaseStatus &status);
    // Once, when the database is up and migrated, the logins of DatabaseSession: the ingest
    // writers', the operator's (storage, alert, backup and replication monitors; schema and
    // policy changes) and the readers' (the other pages and the query API).
    void databaseReady(const QString &ingestConninfo, const QString &operatorConninfo,
        const QString &readerConninfo);

private:
    void poll();
    void connectAndMigrate();
    void publish(model::DatabaseStatus::State state, std::string message);

    DatabaseTarget m_target;
    model::StoragePolicy m_policy;
    std::vector<db::Migration> m_migrations;
    std::unique_ptr<DatabaseSession> m_session; // open from the first success until shutdown
    bool m_startedServer = false; // the embedded server is ours to stop at shutdown
    std::unique_ptr<pqxx::connection> m_connection; // as the session's reader
    QTimer *m_timer = nullptr;
    bool m_announcedReady = false;
    model::DatabaseStatus m_status;
};

} // namespace tickscope::app
