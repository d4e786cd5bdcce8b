// Backups as pgBackRest reports them, the WAL archiver as the server reports it, and the
// instants a restore can reach: what `tickscope backup list` prints and the Backups page shows.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::model {

enum class BackupType { Full, Differential, Incremental };

inline const char *backupTypeName(BackupType type)
{
    switch (type) {
    case BackupType::Full:
        return "full";
    case BackupType::Differential:
        return "diff";
    case BackupType::Incremental:
        return "incr";
    }
    return "?";
}

// The [backup] section of the config file.
// "full", "diff", "incr": pgBackRest's names, which the CLI takes too.
inline std::optional<BackupType> backupTypeFromName(std::string_view name)
{
    for (const BackupType type :
        {BackupType::Full, BackupType::Differential, BackupType::Incremental}) {
        if (name == backupTypeName(type))
            return type;
    }
    return std::nullopt;
}

struct BackupSettings
{
    // How to run pgBackRest for a remote or containerised server ("ssh db1 sudo -u postgres
    // pgbackrest"); empty: the embedded cluster's own, with a repository beside it.
    std::string command;
    std::string stanza = "tickscope";
    int retentionFull = 2; // full backups kept (with what depends on them)
    std::chrono::seconds every{86'400}; // how often a backup is due, for the backup_stale alert
};

struct BackupRecord
{
    std::string label; // 20261130-044906F_20261130-044915I
    BackupType type = BackupType::Full;
    std::int64_t startedAtUnix = 0;
    std::int64_t stoppedAtUnix = 0;
    std::int64_t databaseBytes = 0; // the cluster's size when it was taken
    std::int64_t repositoryBytes = 0; // what it added to the repository, compressed
    std::string walStart; // first and last WAL segment it needs
    std::string walStop;
    bool error = false; // pgBackRest found a page checksum error while copying
};

struct BackupInventory
{
    std::string stanza;
    std::string status; // pgBackRest's own: "ok", "no valid backups", ...
    bool statusOk = false;
    std::vector<BackupRecord> backups; // oldest first
    std::string walMin; // the archive's oldest and newest segments
    std::string walMax;
};

// pg_stat_archiver, and the segments still waiting in pg_wal/archive_status.
struct ArchiverStatus
{
    bool archiving = false; // archive_mode is not off
    std::string archiveCommand;
    std::int64_t archivedCount = 0;
    std::string lastArchivedWal;
    std::optional<std::int64_t> lastArchivedAtUnix;
    std::int64_t failedCount = 0;
    std::string lastFailedWal;
    std::optional<std::int64_t> lastFailedAtUnix;
    std::int64_t readySegments = 0; // .ready files: written, not yet archived

    // Archiving is failing now: the last failure is newer than the last success.
    bool failing() const
    {
        return lastFailedAtUnix && (!lastArchivedAtUnix || *lastFailedAtUnix > *lastArchivedAtUnix);
    }
};

// A stretch of time that a restore reaches but whose data has holes, from audit.gaps.
struct DataGapSpan
{
    std::string exchange;
    std::string symbol;
    std::string kind;
    std::int64_t fromUnixMicros = 0;
    std::int64_t toUnixMicros = 0;
    std::string status; // open, backfilled, unrecoverable
};

// From the end of the oldest backup (the first consistent instant) to the last archived WAL:
// every instant in between can be restored, and whole except where the data has gaps.
struct RecoverabilityWindow
{
    std::optional<std::int64_t> fromUnix;
    std::optional<std::int64_t> toUnix;
    std::vector<DataGapSpan> gaps;
};

// What the Backups page and `backup list` show.
struct BackupOverview
{
    BackupInventory inventory;
    ArchiverStatus archiver;
    RecoverabilityWindow window;
    std::string error; // why the inventory could not be read; the rest may still be there
};

} // namespace tickscope::model
