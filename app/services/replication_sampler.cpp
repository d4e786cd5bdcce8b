#include "app/services/replication_sampler.h"

#include "db/replication_queries.h"

#include <QStorageInfo>

namespace tickscope::app {

ReplicationSampler::ReplicationSampler(bool localServer, QString journalDirectory)
    : m_localServer(localServer)
    , m_journalDirectory(std::move(journalDirectory))
{ }

model::ReplicationStatus ReplicationSampler::sample(pqxx::connection &connection)
{
    model::ReplicationStatus status = db::readReplicationStatus(connection);
    const auto now = Clock::now();
    if (m_localServer && !status.dataDirectory.empty())
        addDisk(status, "data and WAL", QString::fromStdString(status.dataDirectory), now);
    if (!m_journalDirectory.isEmpty())
        addDisk(status, "journal", m_journalDirectory, now);
    return status;
}

void ReplicationSampler::addDisk(model::ReplicationStatus &status, const std::string &what,
    const QString &path, Clock::time_point now)
{
    const QStorageInfo storage{path};
    if (!storage.isValid())
        return;
    const QString disk = storage.rootPath();
    // Two folders on one disk are one runway.
    for (auto &known : status.disks) {
        if (QStorageInfo(QString::fromStdString(known.path)).rootPath() == disk) {
            known.what += " and " + what;
            return;
        }
    }
    model::DiskRunway runway{.what = what,
        .path = path.toStdString(),
        .freeBytes = storage.bytesAvailable(),
        .totalBytes = storage.bytesTotal()};
    auto &samples = m_freeBytes[disk];
    samples.emplace_back(now, runway.freeBytes);
    while (samples.size() > 2 && now - samples.front().first > kRateWindow)
        samples.pop_front();
    const double seconds
        = std::chrono::duration<double>(samples.back().first - samples.front().first).count();
    if (seconds > 0) {
        runway.fillBytesPerSecond
            = static_cast<double>(samples.front().second - samples.back().second) / seconds;
        if (runway.fillBytesPerSecond > 0)
            runway.hoursLeft
                = static_cast<double>(runway.freeBytes) / runway.fillBytesPerSecond / 3600.0;
    }
    status.disks.push_back(std::move(runway));
}

} // namespace tickscope::app
