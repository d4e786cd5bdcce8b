#include "db/replication_queries.h"

#include "db/backup_queries.h"

#include <pqxx/pqxx>

namespace tickscope::db {

model::ReplicationStatus readReplicationStatus(pqxx::connection &connection)
{
    model::ReplicationStatus status;
    status.checkedAt = std::chrono::system_clock::now();
    {
        pqxx::read_transaction tx{connection};
        // Positions as the server reckons them; pg_current_wal_lsn() fails on a standby.
        const auto row = tx.exec(R"(
            SELECT pg_is_in_recovery(), position::text,
                   pg_wal_lsn_diff(position, '0/0')::bigint,
                   CASE WHEN pg_has_role('pg_read_all_settings', 'USAGE')
                        THEN current_setting('data_directory') ELSE '' END,
                   (extract(epoch FROM pg_postmaster_start_time()) * 1000)::bigint,
                   (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
                   current_setting('max_connections')::int
            FROM (SELECT CASE WHEN pg_is_in_recovery()
                              THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
                              ELSE pg_current_wal_lsn() END AS position) p)")
                             .one_row();
        status.inRecovery = row[0].as<bool>();
        status.currentLsn = row[1].as<std::string>("");
        status.walPositionBytes = row[2].as<std::int64_t>(0);
        status.dataDirectory = row[3].as<std::string>();
        status.serverStartedAt = std::chrono::system_clock::time_point{
            std::chrono::milliseconds{row[4].as<std::int64_t>()}};
        status.connections = row[5].as<int>();
        status.maxConnections = row[6].as<int>();

        if (!status.inRecovery) {
            for (const auto &standby : tx.exec(R"(
                    SELECT coalesce(application_name, ''),
                           coalesce(host(client_addr) || ':' || client_port, 'local socket'),
                           coalesce(state, ''), coalesce(sync_state, ''),
                           coalesce(sent_lsn::text, ''), coalesce(write_lsn::text, ''),
                           coalesce(flush_lsn::text, ''), coalesce(replay_lsn::text, ''),
                           greatest(coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),
                                             0), 0)::bigint,
                           coalesce(extract(epoch FROM write_lag), 0)::float8,
                           coalesce(extract(epoch FROM flush_lag), 0)::float8,
                           coalesce(extract(epoch FROM replay_lag), 0)::float8
                    FROM pg_stat_replication ORDER BY application_name, client_port)"))
                status.standbys.push_back({.name = standby[0].as<std::string>(),
                    .address = standby[1].as<std::string>(),
                    .state = standby[2].as<std::string>(),
                    .syncState = standby[3].as<std::string>(),
                    .sentLsn = standby[4].as<std::string>(),
                    .writeLsn = standby[5].as<std::string>(),
                    .flushLsn = standby[6].as<std::string>(),
                    .replayLsn = standby[7].as<std::string>(),
                    .lagBytes = standby[8].as<std::int64_t>(),
                    .writeLagSeconds = standby[9].as<double>(),
                    .flushLagSeconds = standby[10].as<double>(),
                    .replayLagSeconds = standby[11].as<double>()});
        }
        for (const auto &slot : tx.exec(R"(
                SELECT slot_name, slot_type, active, coalesce(wal_status, ''),
                       greatest(coalesce(pg_wal_lsn_diff(
                           CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                                ELSE pg_current_wal_lsn() END, restart_lsn), 0), 0)::bigint,
                       safe_wal_size
                FROM pg_replication_slots ORDER BY slot_name)"))
            status.replicationSlots.push_back({.name = slot[0].as<std::string>(),
                .type = slot[1].as<std::string>(),
                .active = slot[2].as<bool>(),
                .walStatus = slot[3].as<std::string>(),
                .retainedBytes = slot[4].as<std::int64_t>(),
                .safeBytes = slot[5].as<std::optional<std::int64_t>>()});

        if (status.inRecovery) {
            const auto receiver = tx.exec(R"(
                SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'not connected'),
                       coalesce((SELECT sender_host || ':' || sender_port
                                 FROM pg_stat_wal_receiver), ''),
                       coalesce((SELECT slot_name FROM pg_stat_wal_receiver), ''),
                       coalesce(pg_last_wal_receive_lsn()::text, ''),
                       coalesce(pg_last_wal_replay_lsn()::text, ''),
                       greatest(coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(),
                                                         pg_last_wal_replay_lsn()), 0), 0)::bigint,
                       CASE WHEN pg_last_wal_receive_lsn() IS NULL
                              OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
                            ELSE greatest(coalesce(extract(epoch FROM
                                     now() - pg_last_xact_replay_timestamp()), 0), 0) END::float8)")
                                      .one_row();
            status.receiver = model::WalReceiver{.status = receiver[0].as<std::string>(),
                .sender = receiver[1].as<std::string>(),
                .slot = receiver[2].as<std::string>(),
                .receivedLsn = receiver[3].as<std::string>(),
                .replayLsn = receiver[4].as<std::string>(),
                .replayLagBytes = receiver[5].as<std::int64_t>(),
                .replayDelaySeconds = receiver[6].as<double>()};
        }
    }
    status.archiver = readArchiverStatus(connection);
    return status;
}

} // namespace tickscope::db
