// What the Storage page shows, read from the database: hypertable sizes and compression with the
// backlog of chunks waiting to be compressed, the jobs (TimescaleDB's job stats on the TSL
// edition, pg_cron's run details on the Apache edition) with what is overdue or stuck, each
// aggregate's freshness against its refresh policy, and the sampled compression ratio over time.
// Read only; pg_cron shows a role only its own jobs, so the role that scheduled them (the admin)
// sees them all.
#pragma once

#include "app/model/storage_status.h"

#include <pqxx/connection>

namespace tickscope::db {

model::StorageStatus readStorageStatus(
    pqxx::connection &connection, const model::StoragePolicy &policy);

} // namespace tickscope::db
