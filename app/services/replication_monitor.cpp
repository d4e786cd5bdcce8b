#include "app/services/replication_monitor.h"

#include "app/services/replication_sampler.h"
#include "db/connection.h"

#include <QTimer>
#include <pqxx/pqxx>

namespace tickscope::app {

ReplicationMonitor::ReplicationMonitor()
{
    qRegisterMetaType<model::ReplicationStatus>();
}

ReplicationMonitor::~ReplicationMonitor() = default;

void ReplicationMonitor::start(
    const QString &conninfo, bool localServer, const QString &journalDirectory)
{
    m_conninfo = conninfo.toStdString();
    m_sampler = std::make_unique<ReplicationSampler>(localServer, journalDirectory);
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, &ReplicationMonitor::refresh);
        m_timer->start(kPollInterval);
    }
    refresh();
}

void ReplicationMonitor::refresh()
{
    if (!m_sampler)
        return;
    try {
        if (!m_connection || !m_connection->is_open())
            m_connection = std::make_unique<pqxx::connection>(
                db::connect(m_conninfo, "replication monitor"));
        emit statusChanged(m_sampler->sample(*m_connection));
    } catch (const std::exception &error) {
        m_connection.reset();
        model::ReplicationStatus status;
        status.checkedAt = std::chrono::system_clock::now();
        status.error = error.what();
        emit statusChanged(status);
    }
}

void ReplicationMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
    m_connection.reset();
}

} // namespace tickscope::app
