#include "db/gap_queries.h"

#include "db/sql_time.h"

#include <format>
#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

std::optional<std::int64_t> optionalNumber(const pqxx::field &field)
{
    return field.is_null() ? std::nullopt : std::optional(field.as<std::int64_t>());
}

} // namespace

std::vector<GapRecord> listGaps(pqxx::connection &connection, const GapFilter &filter)
{
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec(
        std::format("SELECT g.gap_id, i.exchange, i.symbol, g.kind, g.first_missing, "
                    "  g.last_missing, {}, {}, {}, g.status, {}, coalesce(g.note, '') "
                    "FROM audit.gaps g JOIN market_data.instruments i USING (instrument_id) "
                    "WHERE ($1::text IS NULL OR i.exchange = $1) "
                    "  AND ($2::text IS NULL OR i.symbol = $2) "
                    "  AND ($3::text IS NULL OR g.status = $3) "
                    "  AND ($4::bigint IS NULL OR coalesce(g.gap_end, g.detected_at) >= {}) "
                    "ORDER BY coalesce(g.gap_start, g.detected_at) DESC, g.gap_id DESC LIMIT $5",
            epochNanoseconds("g.gap_start"), epochNanoseconds("g.gap_end"),
            epochNanoseconds("g.detected_at"), epochNanoseconds("g.resolved_at"),
            timestampFromMicroseconds("$4")),
        pqxx::params{filter.exchange, filter.symbol, filter.status,
            filter.sinceNs ? std::optional(*filter.sinceNs / 1000) : std::nullopt, filter.limit});
    std::vector<GapRecord> gaps;
    gaps.reserve(rows.size());
    for (const auto &row : rows)
        gaps.push_back({.id = row[0].as<std::int64_t>(),
            .exchange = row[1].as<std::string>(),
            .symbol = row[2].as<std::string>(),
            .kind = row[3].as<std::string>(),
            .firstMissing = optionalNumber(row[4]),
            .lastMissing = optionalNumber(row[5]),
            .startNs = optionalNumber(row[6]),
            .endNs = optionalNumber(row[7]),
            .detectedNs = row[8].as<std::int64_t>(),
            .status = row[9].as<std::string>(),
            .resolvedNs = optionalNumber(row[10]),
            .note = row[11].as<std::string>()});
    return gaps;
}

std::vector<Completeness> completeness(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    const std::string from = timestampFromMicroseconds("$3");
    const std::string to = timestampFromMicroseconds("$4");
    // range_agg merges overlapping gaps, so a minute two gaps cover is missing once.
    const auto rows = tx.exec(
        std::format(
            "WITH chosen AS (SELECT instrument_id, exchange, symbol "
            "  FROM market_data.instruments WHERE ($1::text IS NULL OR exchange = $1) "
            "  AND ($2::text IS NULL OR symbol = $2)), "
            "overlapping AS (SELECT instrument_id, count(*) AS gaps, "
            "  count(*) FILTER (WHERE status = 'open') AS open_gaps, "
            "  range_agg(tstzrange(greatest(gap_start, {0}), least(gap_end, {1}))) AS spans "
            "  FROM audit.gaps WHERE instrument_id IN (SELECT instrument_id FROM chosen) "
            "  AND gap_start < {1} AND gap_end > {0} GROUP BY instrument_id) "
            "SELECT c.exchange, c.symbol, coalesce(o.gaps, 0), coalesce(o.open_gaps, 0), "
            "  coalesce((SELECT sum(extract(epoch FROM upper(s) - lower(s))) "
            "            FROM unnest(o.spans) s), 0)::float8 "
            "FROM chosen c LEFT JOIN overlapping o USING (instrument_id) ORDER BY 1, 2",
            from, to),
        pqxx::params{exchange, symbol, fromNs / 1000, toNs / 1000});
    std::vector<Completeness> result;
    result.reserve(rows.size());
    for (const auto &row : rows)
        result.push_back({.exchange = row[0].as<std::string>(),
            .symbol = row[1].as<std::string>(),
            .gaps = row[2].as<std::int64_t>(),
            .openGaps = row[3].as<std::int64_t>(),
            .gapSeconds = row[4].as<double>(),
            .windowSeconds = static_cast<double>(toNs - fromNs) / 1e9});
    return result;
}

} // namespace tickscope::db
