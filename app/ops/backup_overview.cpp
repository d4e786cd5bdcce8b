#include "app/ops/backup_overview.h"

#include "app/ops/pgbackrest.h"
#include "db/backup_queries.h"

#include <algorithm>

namespace tickscope::ops {

model::BackupOverview readBackupOverview(const PgBackRest &pgbackrest, pqxx::connection &connection)
{
    model::BackupOverview overview;
    overview.archiver = db::readArchiverStatus(connection);
    auto inventory = pgbackrest.info();
    if (!inventory) {
        overview.error = inventory.error().toStdString();
        return overview;
    }
    overview.inventory = std::move(*inventory);
    const auto &backups = overview.inventory.backups;
    const auto oldest = std::ranges::find_if(
        backups, [](const model::BackupRecord &backup) { return !backup.error; });
    if (oldest == backups.end())
        return overview;
    model::RecoverabilityWindow &window = overview.window;
    window.fromUnix = oldest->stoppedAtUnix;
    window.toUnix = backups.back().stoppedAtUnix;
    if (overview.archiver.archiving && overview.archiver.lastArchivedAtUnix)
        window.toUnix = std::max(*window.toUnix, *overview.archiver.lastArchivedAtUnix);
    window.gaps = db::gapsBetween(connection, *window.fromUnix, *window.toUnix);
    return overview;
}

} // namespace tickscope::ops
