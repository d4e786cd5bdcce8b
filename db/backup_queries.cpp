#include "db/backup_queries.h"

#include <pqxx/pqxx>

namespace tickscope::db {

model::ArchiverStatus readArchiverStatus(pqxx::connection &connection)
{
    pqxx::read_transaction tx{connection};
    const auto row = tx.exec(R"(
        SELECT current_setting('archive_mode') <> 'off', current_setting('archive_command'),
               archived_count, coalesce(last_archived_wal, ''),
               extract(epoch FROM last_archived_time)::bigint,
               failed_count, coalesce(last_failed_wal, ''),
               extract(epoch FROM last_failed_time)::bigint,
               pg_has_role('pg_monitor', 'USAGE')
        FROM pg_stat_archiver)")
                         .one_row();
    model::ArchiverStatus status{.archiving = row[0].as<bool>(),
        .archiveCommand = row[1].as<std::string>(),
        .archivedCount = row[2].as<std::int64_t>(),
        .lastArchivedWal = row[3].as<std::string>(),
        .lastArchivedAtUnix = row[4].as<std::optional<std::int64_t>>(),
        .failedCount = row[5].as<std::int64_t>(),
        .lastFailedWal = row[6].as<std::string>(),
        .lastFailedAtUnix = row[7].as<std::optional<std::int64_t>>()};
    if (row[8].as<bool>())
        status.readySegments = tx.exec("SELECT count(*) FROM pg_ls_archive_statusdir() "
                                       "WHERE name LIKE '%.ready'")
                                   .one_field()
                                   .as<std::int64_t>();
    return status;
}

std::vector<model::DataGapSpan> gapsBetween(
    pqxx::connection &connection, std::int64_t fromUnix, std::int64_t toUnix)
{
    pqxx::read_transaction tx{connection};
    std::vector<model::DataGapSpan> gaps;
    for (const auto &row : tx.exec(R"(
            SELECT i.exchange, i.symbol, g.kind,
                   (extract(epoch FROM coalesce(g.gap_start, g.detected_at)) * 1e6)::bigint,
                   (extract(epoch FROM coalesce(g.gap_end, g.detected_at)) * 1e6)::bigint,
                   g.status
            FROM audit.gaps g JOIN market_data.instruments i USING (instrument_id)
            WHERE coalesce(g.gap_end, g.detected_at) >= to_timestamp($1)
              AND coalesce(g.gap_start, g.detected_at) <= to_timestamp($2)
            ORDER BY 4, 1, 2)",
             pqxx::params{fromUnix, toUnix}))
        gaps.push_back({.exchange = row[0].as<std::string>(),
            .symbol = row[1].as<std::string>(),
            .kind = row[2].as<std::string>(),
            .fromUnixMicros = row[3].as<std::int64_t>(),
            .toUnixMicros = row[4].as<std::int64_t>(),
            .status = row[5].as<std::string>()});
    return gaps;
}

std::map<std::int64_t, TransactionRows> tradesByTransaction(pqxx::connection &connection)
{
    pqxx::read_transaction tx{connection};
    std::map<std::int64_t, TransactionRows> byTransaction;
    for (const auto &[xid, rows, checksum] : tx.query<std::int64_t, std::int64_t, std::string>(
             "SELECT t.xmin::text::bigint, count(*), "
             "sum(hashtextextended(t::text, 0)::numeric)::text "
             "FROM market_data.trades t GROUP BY 1"))
        byTransaction.emplace(xid, TransactionRows{rows, checksum});
    return byTransaction;
}

} // namespace tickscope::db
