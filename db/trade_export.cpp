#include "db/trade_export.h"

#include "db/raw_connection.h"
#include "db/sql_time.h"

#include <algorithm>
#include <format>
#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

constexpr std::int64_t kDayNs = 86'400'000'000'000;

} // namespace

double RangeSummary::completeness() const
{
    const double whole = rangeSeconds * static_cast<double>(instruments);
    return whole <= 0 ? 1.0 : std::clamp(1.0 - gapSeconds / whole, 0.0, 1.0);
}

TradeExport::TradeExport(pqxx::connection &connection, ExportRange range)
    : m_range(std::move(range))
{
    // Quoted while libpqxx still holds the connection.
    std::string chosen = "true";
    if (m_range.exchange)
        chosen += " AND exchange = " + connection.quote(*m_range.exchange);
    if (m_range.symbol)
        chosen += " AND symbol = " + connection.quote(*m_range.symbol);
    if (m_range.asOfNs)
        m_asOf = timestampLiteral(*m_range.asOfNs);
    m_raw = std::make_unique<RawConnection>(connection);
    m_raw->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    m_raw->exec("SET LOCAL TIME ZONE 'UTC'");

    const std::string from = timestampLiteral(m_range.fromNs);
    const std::string to = timestampLiteral(m_range.toNs);
    const auto row = m_raw->queryRow(std::format(
        "WITH chosen AS (SELECT instrument_id FROM market_data.instruments WHERE {0}), "
        "gaps AS (SELECT g.instrument_id, g.gap_start, g.gap_end, g.status, g.resolved_at "
        "  FROM audit.gaps g JOIN chosen USING (instrument_id) "
        "  WHERE g.gap_start < {2} AND g.gap_end > {1} {3}), "
        // Per instrument, overlapping gaps cover a minute once (as db::completeness counts).
        "covered AS (SELECT range_agg(tstzrange(greatest(gap_start, {1}), least(gap_end, {2}))) "
        "  AS spans FROM gaps GROUP BY instrument_id) "
        "SELECT (SELECT count(*) FROM chosen), "
        "  (SELECT coalesce(array_agg(instrument_id ORDER BY instrument_id), '{{}}') FROM chosen), "
        "  count(*), count(*) FILTER (WHERE status = 'open' {4}), "
        "  (SELECT coalesce(sum(extract(epoch FROM upper(s) - lower(s))), 0) "
        "   FROM covered, unnest(spans) s), "
        "  extract(epoch FROM {2} - {1}) "
        "FROM gaps",
        chosen, from, to, m_asOf.empty() ? "" : "AND g.detected_at <= " + m_asOf,
        m_asOf.empty() ? "" : "OR resolved_at > " + m_asOf));
    m_summary.instruments = std::stoll(row.at(0).value());
    m_instrumentIds = row.at(1).value();
    m_summary.gaps = std::stoll(row.at(2).value());
    m_summary.openGaps = std::stoll(row.at(3).value());
    m_summary.gapSeconds = std::stod(row.at(4).value());
    m_summary.rangeSeconds = std::stod(row.at(5).value());
}

TradeExport::~TradeExport()
{
    try {
        m_raw->exec("COMMIT");
    } catch (const std::exception &) {
        // A connection lost mid-export: nothing was written, so nothing is lost with it.
    }
}

std::string TradeExport::chosenInstruments(const char *alias) const
{
    return std::format("{}.instrument_id = ANY ('{}'::integer[])", alias, m_instrumentIds);
}

std::int64_t TradeExport::writeGaps(const std::function<void(std::string_view)> &sink)
{
    // As of a receive time: the gaps known then, in the state they were in then.
    const std::string status = m_asOf.empty()
        ? "g.status"
        : std::format("CASE WHEN g.resolved_at <= {} THEN g.status ELSE 'open' END", m_asOf);
    return m_raw->copyOut(
               std::format("COPY (SELECT i.exchange, i.symbol, g.kind, g.first_missing, "
                           "g.last_missing, g.gap_start, g.gap_end, {} AS status, g.detected_at, "
                           "g.note FROM audit.gaps g JOIN market_data.instruments i "
                           "USING (instrument_id) WHERE {} AND g.gap_start < {} AND "
                           "g.gap_end > {} {} ORDER BY g.gap_start, i.exchange, i.symbol) TO "
                           "STDOUT (FORMAT csv, HEADER)",
                   status, chosenInstruments("g"), timestampLiteral(m_range.toNs),
                   timestampLiteral(m_range.fromNs),
                   m_asOf.empty() ? "" : "AND g.detected_at <= " + m_asOf),
               sink)
        - 1; // the header
}

std::int64_t TradeExport::writeTrades(
    const std::function<void(std::string_view)> &sink, const std::function<void(double)> &progress)
{
    std::int64_t rows = 0;
    for (std::int64_t dayStart = m_range.fromNs; dayStart < m_range.toNs;) {
        const std::int64_t dayEnd = std::min(m_range.toNs, (dayStart / kDayNs + 1) * kDayNs);
        rows += m_raw->copyOut(
            std::format(
                "COPY (SELECT t.time, market_data.received_at(t.time, t.received_after_us), "
                "i.exchange, i.symbol, coalesce(t.trade_id::text, t.trade_uuid::text, "
                "t.trade_ref), market_data.to_numeric(t.price_units, t.price_scale, "
                "t.price_exact), "
                "market_data.to_numeric(t.size_units, t.size_scale, t.size_exact), "
                "CASE t.side WHEN 'B' THEN 'buy' WHEN 'S' THEN 'sell' ELSE 'unknown' END "
                "FROM market_data.trades t JOIN market_data.instruments i USING (instrument_id) "
                "WHERE {} AND t.time >= {} AND t.time < {} {} "
                "ORDER BY t.time, i.exchange, i.symbol, t.trade_id, t.trade_uuid, t.trade_ref) "
                "TO STDOUT (FORMAT csv)",
                chosenInstruments("t"), timestampLiteral(dayStart), timestampLiteral(dayEnd),
                m_asOf.empty()
                    ? ""
                    : "AND market_data.received_at(t.time, t.received_after_us) <= " + m_asOf),
            sink);
        dayStart = dayEnd;
        if (progress)
            progress(static_cast<double>(dayStart - m_range.fromNs)
                / static_cast<double>(m_range.toNs - m_range.fromNs));
    }
    return rows;
}

} // namespace tickscope::db
