#include "db/gap_queries.h"

#include "db/sql_time.h"

#include <format>
#include <pqxx/pqxx>
#include <string_view>

namespace tickscope::db {

namespace {

// The instruments the filters choose, for the completeness queries: $1 exchange, $2 symbol (NULL:
// any); they take the window as $3 and $4 (µs).
constexpr std::string_view kChosenInstruments
    = "chosen AS (SELECT instrument_id, exchange, symbol FROM market_data.instruments "
      "WHERE ($1::text IS NULL OR exchange = $1) AND ($2::text IS NULL OR symbol = $2))";

std::optional<std::int64_t> optionalNumber(const pqxx::field &field)
{
    return field.is_null() ? std::nullopt : std::optional(field.as<std::int64_t>());
}

} // namespace

std::vector<model::RecordedGap> listGaps(pqxx::connection &connection, const GapFilter &filter)
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
    std::vector<model::RecordedGap> gaps;
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

std::vector<model::Completeness> completeness(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    const std::string from = timestampFromMicroseconds("$3");
    const std::string to = timestampFromMicroseconds("$4");
    // range_agg merges overlapping gaps, so a minute two gaps cover is missing once.
    const auto rows = tx.exec(
        std::format(
            "WITH {2}, "
            "overlapping AS (SELECT instrument_id, count(*) AS gaps, "
            "  count(*) FILTER (WHERE status = 'open') AS open_gaps, "
            "  range_agg(tstzrange(greatest(gap_start, {0}), least(gap_end, {1}))) AS spans "
            "  FROM audit.gaps WHERE instrument_id IN (SELECT instrument_id FROM chosen) "
            "  AND gap_start < {1} AND gap_end > {0} GROUP BY instrument_id) "
            "SELECT c.exchange, c.symbol, coalesce(o.gaps, 0), coalesce(o.open_gaps, 0), "
            "  coalesce((SELECT sum(extract(epoch FROM upper(s) - lower(s))) "
            "            FROM unnest(o.spans) s), 0)::float8 "
            "FROM chosen c LEFT JOIN overlapping o USING (instrument_id) ORDER BY 1, 2",
            from, to, kChosenInstruments),
        pqxx::params{exchange, symbol, fromNs / 1000, toNs / 1000});
    std::vector<model::Completeness> result;
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

std::vector<model::DailyCompleteness> dailyCompleteness(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    const std::string from = timestampFromMicroseconds("$3");
    const std::string to = timestampFromMicroseconds("$4");
    const auto rows = tx.exec(
        std::format(
            "WITH {3}, "
            "days AS (SELECT greatest(d, {0}) AS day_start, least(d + interval '1 day', {1}) AS "
            "  day_end, d AS day FROM generate_series(date_trunc('day', {0}, 'UTC'), {1} - "
            "  interval '1 microsecond', interval '1 day') d), "
            "channels AS (SELECT unnest(ARRAY['trades', 'book']) AS channel), "
            "gaps AS (SELECT instrument_id, kind, status, gap_start, gap_end, "
            "  CASE kind WHEN 'trade_id' THEN 'trades' WHEN 'book_sequence' THEN 'book' "
            "    WHEN 'checksum' THEN 'book' END AS only_channel "
            "  FROM audit.gaps WHERE gap_start < {1} AND gap_end > {0} "
            "  AND instrument_id IN (SELECT instrument_id FROM chosen)), "
            "ledger AS (SELECT c.exchange, c.symbol, ch.channel, d.day, d.day_start, d.day_end, "
            "  count(g.kind) AS gaps, count(g.kind) FILTER (WHERE g.status = 'open') AS open_gaps, "
            "  range_agg(tstzrange(greatest(g.gap_start, d.day_start), "
            "    least(g.gap_end, d.day_end))) FILTER (WHERE g.kind IS NOT NULL) AS spans, "
            "  coalesce(string_agg(DISTINCT g.kind, ','), '') AS causes, "
            "  coalesce(string_agg(DISTINCT g.status, ','), '') AS repairs "
            "  FROM chosen c CROSS JOIN channels ch CROSS JOIN days d "
            "  LEFT JOIN gaps g ON g.instrument_id = c.instrument_id "
            "    AND (g.only_channel IS NULL OR g.only_channel = ch.channel) "
            "    AND g.gap_start < d.day_end AND g.gap_end > d.day_start "
            "  GROUP BY 1, 2, 3, 4, 5, 6) "
            "SELECT exchange, symbol, channel, {2}, "
            "  extract(epoch FROM day_end - day_start)::float8, "
            "  coalesce((SELECT sum(extract(epoch FROM upper(s) - lower(s))) FROM unnest(spans) "
            "s), "
            "    0)::float8, gaps, open_gaps, causes, repairs "
            "FROM ledger ORDER BY exchange, symbol, channel DESC, day",
            from, to, epochNanoseconds("day"), kChosenInstruments),
        pqxx::params{exchange, symbol, fromNs / 1000, toNs / 1000});
    std::vector<model::DailyCompleteness> ledger;
    ledger.reserve(rows.size());
    for (const auto &row : rows)
        ledger.push_back({.exchange = row[0].as<std::string>(),
            .symbol = row[1].as<std::string>(),
            .channel = row[2].as<std::string>(),
            .dayNs = row[3].as<std::int64_t>(),
            .windowSeconds = row[4].as<double>(),
            .gapSeconds = row[5].as<double>(),
            .gaps = row[6].as<std::int64_t>(),
            .openGaps = row[7].as<std::int64_t>(),
            .causes = row[8].as<std::string>(),
            .repairs = row[9].as<std::string>()});
    return ledger;
}

std::vector<model::StreamIntegrity> bookIntegrity(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec(
        std::format("WITH {2} SELECT c.exchange, c.symbol, sum(b.updates_applied), "
                    "sum(b.updates_dropped), sum(b.checksum_checks), sum(b.checksum_failures), "
                    "sum(b.sequence_breaks), sum(b.crossed_books), sum(b.resyncs), "
                    "{3} FROM chosen c JOIN audit.book_integrity b USING (instrument_id) "
                    "WHERE b.minute >= {0} AND b.minute < {1} GROUP BY 1, 2 ORDER BY 1, 2",
            timestampFromMicroseconds("$3"), timestampFromMicroseconds("$4"), kChosenInstruments,
            epochNanoseconds("max(b.minute) FILTER (WHERE b.checksum_failures + b.sequence_breaks "
                             "+ b.crossed_books > 0)")),
        pqxx::params{exchange, symbol, fromNs / 1000, toNs / 1000});
    std::vector<model::StreamIntegrity> result;
    result.reserve(rows.size());
    for (const auto &row : rows)
        result.push_back({.exchange = row[0].as<std::string>(),
            .symbol = row[1].as<std::string>(),
            .totals = {.updatesApplied = row[2].as<std::int64_t>(),
                .updatesDropped = row[3].as<std::int64_t>(),
                .checksumChecks = row[4].as<std::int64_t>(),
                .checksumFailures = row[5].as<std::int64_t>(),
                .sequenceBreaks = row[6].as<std::int64_t>(),
                .crossedBooks = row[7].as<std::int64_t>(),
                .resyncs = row[8].as<std::int64_t>()},
            .lastProblemNs = optionalNumber(row[9])});
    return result;
}

} // namespace tickscope::db
