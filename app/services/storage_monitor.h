// The storage monitor, on the monitor thread: reads what the Storage and Schema & policies pages
// show (db::readStorageStatus, the migrations and the policies against the config) on a timer
// and on request, and carries out the pages' two actions, applying pending migrations and the
// configured policies. It connects as the database's operator (the embedded superuser, or the
// configured login): pg_cron shows a role only the jobs it owns, and applying takes the admin.
#pragma once

#include "app/model/storage_status.h"
#include "db/migration_set.h"

#include <QObject>
#include <QString>
#include <chrono>
#include <memory>
#include <vector>

class QTimer;

namespace pqxx {
class connection;
}

namespace tickscope::app {

class StorageMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kPollInterval{15};

    StorageMonitor(model::StoragePolicy policy, std::vector<db::Migration> migrations);
    ~StorageMonitor() override;

public slots:
    // Starts polling the database at `conninfo`.
    void start(const QString &conninfo);
    void refresh();
    void applyMigrations();
    void applyPolicies();
    void shutdown();

signals:
    void storageStatusChanged(const tickscope::model::StorageStatus &status);
    void schemaStatusChanged(const tickscope::model::SchemaStatus &status);
    // A line of an action's progress (a migration that moves data prints one a chunk).
    void actionProgress(const QString &line);
    // An action ended: what it did, or why it failed.
    void actionFinished(bool succeeded, const QString &message);

private:
    pqxx::connection &connection();

    model::StoragePolicy m_policy;
    std::vector<db::Migration> m_migrations;
    std::string m_conninfo;
    std::unique_ptr<pqxx::connection> m_connection;
    QTimer *m_timer = nullptr;
};

} // namespace tickscope::app
