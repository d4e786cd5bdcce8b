// Streaming replication read from one server: pg_stat_replication and pg_replication_slots on a
// primary, pg_stat_wal_receiver and the replay position on a standby, and the archiver. The
// details of other sessions need pg_monitor (the embedded operator has it; a superuser sees
// them anyway). Disk runway is not the server's to say: ReplicationSampler adds it.
#pragma once

#include "app/model/replication_status.h"

#include <pqxx/connection>

namespace tickscope::db {

model::ReplicationStatus readReplicationStatus(pqxx::connection &connection);

} // namespace tickscope::db
