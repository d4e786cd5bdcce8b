// Reads the replication status of one server and adds the disk runway of the disks that hold
// the embedded cluster's data and WAL and the journals: free space now, and how fast it fell
// over the last five minutes of samples. Kept between calls for those samples; the replication
// monitor calls it on a timer, `tickscope status --replication` twice, a few seconds apart.
#pragma once

#include "app/model/replication_status.h"

#include <QString>
#include <chrono>
#include <deque>
#include <map>
#include <pqxx/connection>

namespace tickscope::app {

class ReplicationSampler
{
public:
    static constexpr std::chrono::minutes kRateWindow{5};

    // `localServer`: the server runs on this machine (the embedded one), so its data directory
    // is a local path; `journalDirectory` is where the journals are (empty: not known).
    ReplicationSampler(bool localServer, QString journalDirectory);

    // Throws what libpqxx throws.
    model::ReplicationStatus sample(pqxx::connection &connection);

private:
    using Clock = std::chrono::steady_clock;
    void addDisk(model::ReplicationStatus &status, const std::string &what, const QString &path,
        Clock::time_point now);

    bool m_localServer;
    QString m_journalDirectory;
    std::map<QString, std::deque<std::pair<Clock::time_point, std::int64_t>>> m_freeBytes;
};

} // namespace tickscope::app
