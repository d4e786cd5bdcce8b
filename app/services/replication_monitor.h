// The replication monitor, on the monitor thread: samples the replication status (standbys,
// slots, WAL receiver, archiver, disk runway) of the database the console watches every few
// seconds, for the Replication page.
#pragma once

#include "app/model/replication_status.h"

#include <QObject>
#include <QString>
#include <chrono>
#include <memory>

class QTimer;

namespace pqxx {
class connection;
}

namespace tickscope::app {

class ReplicationSampler;

class ReplicationMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kPollInterval{5};

    ReplicationMonitor();
    ~ReplicationMonitor() override;

public slots:
    // Samples the database at `conninfo` (the operator's login); `localServer`: it is the
    // embedded cluster, whose disks can be measured here; the journals are in `journalDirectory`.
    void start(const QString &conninfo, bool localServer, const QString &journalDirectory);
    void refresh();
    void shutdown();

signals:
    void statusChanged(const tickscope::model::ReplicationStatus &status);

private:
    std::string m_conninfo;
    std::unique_ptr<ReplicationSampler> m_sampler;
    std::unique_ptr<pqxx::connection> m_connection;
    QTimer *m_timer = nullptr;
};

} // namespace tickscope::app
