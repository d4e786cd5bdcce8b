// Streaming replication as the server in question sees it: on a primary its standbys
// (pg_stat_replication) and replication slots with the WAL each one holds back; on a standby
// its WAL receiver and how far replay trails; on both the WAL archiver, and the disk runway -
// hours until a disk fills at the present write rate. What `tickscope status --replication`
// prints and the Replication page shows.
#pragma once

#include "app/model/backup_status.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::model {

struct StandbyConnection
{
    std::string name; // application_name: the standby's cluster name or "walreceiver"
    std::string address; // client_addr:port
    std::string state; // startup, catchup, streaming, backup, stopping
    std::string syncState; // async, potential, sync, quorum
    std::string sentLsn, writeLsn, flushLsn, replayLsn;
    std::int64_t lagBytes = 0; // the primary's current WAL position minus the replayed one
    // The server's measured lags (NULL once a standby has caught up and nothing is written:
    // reported as zero, since nothing is waiting).
    double writeLagSeconds = 0;
    double flushLagSeconds = 0;
    double replayLagSeconds = 0;
};

struct ReplicationSlot
{
    std::string name;
    std::string type; // physical, logical
    bool active = false;
    std::string walStatus; // reserved, extended, unreserved, lost
    std::int64_t retainedBytes = 0; // WAL kept on the primary for it
    std::optional<std::int64_t> safeBytes; // left before max_slot_wal_keep_size drops it
};

struct WalReceiver
{
    std::string status; // streaming, starting, ...
    std::string sender; // host:port of the primary
    std::string slot;
    std::string receivedLsn;
    std::string replayLsn;
    std::int64_t replayLagBytes = 0; // received but not replayed yet
    // Since the last replayed commit, while replay is behind what was received; zero when it
    // has replayed all it has (an idle primary makes no commits to compare with).
    double replayDelaySeconds = 0;
};

// One disk that Tickscope's data lives on, and how soon it fills: from how fast its free space
// fell over the last minutes, which counts everything written there - tables, WAL, WAL held for
// slots or waiting to be archived, journals.
struct DiskRunway
{
    std::string what; // "data and WAL", "journal", or both when they share a disk
    std::string path;
    std::int64_t freeBytes = 0;
    std::int64_t totalBytes = 0;
    double fillBytesPerSecond = 0; // how fast free space falls; <= 0: it is not falling
    std::optional<double> hoursLeft; // none: not filling, or not measured yet
};

struct ReplicationStatus
{
    std::chrono::system_clock::time_point checkedAt;
    bool inRecovery = false; // the server is a standby
    std::string currentLsn; // write position (primary) or last received (standby)
    std::int64_t walPositionBytes = 0; // the same as a byte count, for the write rate
    std::string dataDirectory; // the server's, as it reports it
    std::chrono::system_clock::time_point serverStartedAt; // pg_postmaster_start_time()
    int connections = 0; // client backends now
    int maxConnections = 0;
    std::vector<StandbyConnection> standbys;
    std::vector<ReplicationSlot> replicationSlots;
    std::optional<WalReceiver> receiver;
    ArchiverStatus archiver;
    std::vector<DiskRunway> disks;
    std::string error; // why it could not be read
};

} // namespace tickscope::model
