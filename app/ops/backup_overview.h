// Backups, the archiver and the recoverability window in one read, for `tickscope backup list`
// and the Backups page: pgBackRest's inventory, pg_stat_archiver from the server, and the data
// gaps inside the window. Blocking (it runs pgBackRest).
#pragma once

#include "app/model/backup_status.h"

#include <pqxx/connection>

namespace tickscope::ops {

class PgBackRest;

// The window runs from the end of the oldest sound backup to the last archived WAL (or, with
// archiving off, to the end of the newest backup). An unreadable inventory is reported in
// `error`; the archiver is read all the same. Throws what libpqxx throws.
model::BackupOverview readBackupOverview(
    const PgBackRest &pgbackrest, pqxx::connection &connection);

} // namespace tickscope::ops
