#include "db/ingest_writer.h"

#include "app/model/wall_clock.h"
#include "db/copy_text.h"

#include <algorithm>
#include <memory>
#include <pqxx/pqxx>
#include <xxhash.h>

namespace tickscope::db {

namespace {

using copy_text::LevelField;

struct Hash
{
    std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> state{
        XXH64_createState(), &XXH64_freeState};
    Hash() { XXH64_reset(state.get(), 0); }
    void add(std::string_view bytes) { XXH64_update(state.get(), bytes.data(), bytes.size()); }
    template<typename T> void addValue(T value) { XXH64_update(state.get(), &value, sizeof value); }
    std::int64_t digest() const { return static_cast<std::int64_t>(XXH64_digest(state.get())); }
};

// What one table of a batch contributed, for its audit.ingest_batches row.
struct TableSummary
{
    const char *table = nullptr;
    std::size_t rows = 0;
    std::size_t written = 0;
    std::int64_t firstTimeNs = 0;
    std::int64_t lastTimeNs = 0;
    std::int64_t checksum = 0;
};

std::string timestamp(std::int64_t ns)
{
    std::string text;
    copy_text::appendTimestamp(text, ns);
    return text;
}

std::optional<std::string> optionalTimestamp(std::int64_t ns)
{
    if (ns == 0)
        return std::nullopt;
    return timestamp(ns);
}

// Rows, first and last exchange time of one table's rows.
template<typename Rows> TableSummary summarize(const char *table, const Rows &rows)
{
    TableSummary summary{.table = table, .rows = rows.size()};
    for (const auto &row : rows) {
        if (summary.firstTimeNs == 0 || row.exchangeTimeNs < summary.firstTimeNs)
            summary.firstTimeNs = row.exchangeTimeNs;
        summary.lastTimeNs = std::max(summary.lastTimeNs, row.exchangeTimeNs);
    }
    return summary;
}

// Staging copies of the hypertables for idempotent replays; they empty themselves at commit.
// Spelled out rather than LIKE market_data.*, which would need SELECT on the hypertables.
constexpr auto kStagingDdl = R"sql(
CREATE TEMP TABLE IF NOT EXISTS staging_trades (
    time timestamptz, received_at timestamptz, instrument_id integer, trade_id bigint,
    price numeric, size numeric, side "char") ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staging_book_deltas (
    time timestamptz, received_at timestamptz, instrument_id integer, first_sequence bigint,
    sequence bigint, bid_prices numeric[], bid_sizes numeric[], ask_prices numeric[],
    ask_sizes numeric[]) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staging_book_snapshots (
    time timestamptz, received_at timestamptz, instrument_id integer, sequence bigint,
    bid_prices numeric[], bid_sizes numeric[], ask_prices numeric[], ask_sizes numeric[])
    ON COMMIT DELETE ROWS;
)sql";

} // namespace

IngestWriter::IngestWriter(
    pqxx::connection &connection, std::string feed, std::vector<int> instrumentIds)
    : m_connection(connection)
    , m_feed(std::move(feed))
    , m_instrumentIds(std::move(instrumentIds))
{ }

BatchReceipt IngestWriter::write(const IngestBatch &batch)
{
    if (!m_staging) {
        try {
            return writeOnce(batch, false);
        } catch (const pqxx::unique_violation &) {
            // Rows of this batch are stored already: a replay overlaps what was committed.
        }
    }
    return writeOnce(batch, true);
}

BatchReceipt IngestWriter::writeOnce(const IngestBatch &batch, bool staging)
{
    const auto started = std::chrono::steady_clock::now();
    const std::string startedAt = timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
            .count());
    pqxx::work tx{m_connection};
    if (staging)
        tx.exec(kStagingDdl);
    auto idOf = [&](std::uint32_t instrument) {
        return m_instrumentIds.at(instrument);
    };
    // The quoted name of the table a COPY goes to.
    auto target = [&](const std::string &table) {
        return staging ? tx.quote_name("staging_" + table)
                       : tx.quote_name("market_data") + "." + tx.quote_name(table);
    };
    auto cut = [this](std::size_t from, std::size_t to) {
        return std::string_view{m_buffer}.substr(from, to - from);
    };
    std::vector<TableSummary> summaries;

    if (!batch.trades.empty()) {
        TableSummary summary = summarize("trades", batch.trades);
        Hash hash;
        auto stream = pqxx::stream_to::raw_table(
            tx, target("trades"), "time, received_at, instrument_id, trade_id, price, size, side");
        for (const auto &trade : batch.trades) {
            m_buffer.clear();
            copy_text::appendTimestamp(m_buffer, trade.exchangeTimeNs);
            const std::size_t a = m_buffer.size();
            copy_text::appendTimestamp(m_buffer, trade.receivedAtNs);
            const std::size_t b = m_buffer.size();
            trade.price.appendTo(m_buffer);
            const std::size_t c = m_buffer.size();
            trade.size.appendTo(m_buffer);
            const std::size_t d = m_buffer.size();
            m_buffer.push_back(static_cast<char>(trade.side));
            stream.write_values(cut(0, a), cut(a, b), idOf(trade.instrument), trade.tradeId,
                cut(b, c), cut(c, d), cut(d, d + 1));
            hash.add(m_buffer);
            hash.addValue(trade.tradeId);
            hash.addValue(idOf(trade.instrument));
        }
        stream.complete();
        summary.checksum = hash.digest();
        summaries.push_back(summary);
    }

    auto writeBook = [&](const char *table, const auto &rows, std::string_view sequenceColumns) {
        TableSummary summary = summarize(table, rows);
        Hash hash;
        auto stream = pqxx::stream_to::raw_table(tx, target(table),
            std::format("time, received_at, instrument_id, {}, bid_prices, bid_sizes, ask_prices, "
                        "ask_sizes",
                sequenceColumns));
        for (const auto &row : rows) {
            m_buffer.clear();
            copy_text::appendTimestamp(m_buffer, row.exchangeTimeNs);
            const std::size_t a = m_buffer.size();
            copy_text::appendTimestamp(m_buffer, row.receivedAtNs);
            const std::size_t b = m_buffer.size();
            copy_text::appendLevelArray(m_buffer, row.bids, LevelField::Price);
            const std::size_t c = m_buffer.size();
            copy_text::appendLevelArray(m_buffer, row.bids, LevelField::Size);
            const std::size_t d = m_buffer.size();
            copy_text::appendLevelArray(m_buffer, row.asks, LevelField::Price);
            const std::size_t e = m_buffer.size();
            copy_text::appendLevelArray(m_buffer, row.asks, LevelField::Size);
            const std::size_t f = m_buffer.size();
            if constexpr (std::is_same_v<std::decay_t<decltype(row)>, model::BookDelta>)
                stream.write_values(cut(0, a), cut(a, b), idOf(row.instrument), row.firstSequence,
                    row.sequence, cut(b, c), cut(c, d), cut(d, e), cut(e, f));
            else
                stream.write_values(cut(0, a), cut(a, b), idOf(row.instrument), row.sequence,
                    cut(b, c), cut(c, d), cut(d, e), cut(e, f));
            hash.add(m_buffer);
            hash.addValue(row.sequence);
            hash.addValue(idOf(row.instrument));
        }
        stream.complete();
        summary.checksum = hash.digest();
        summaries.push_back(summary);
    };
    if (!batch.deltas.empty())
        writeBook("book_deltas", batch.deltas, "first_sequence, sequence");
    if (!batch.snapshots.empty())
        writeBook("book_snapshots", batch.snapshots, "sequence");

    BatchReceipt receipt;
    receipt.staged = staging;
    for (auto &summary : summaries) {
        summary.written = staging
            ? static_cast<std::size_t>(
                  tx.exec(std::format("INSERT INTO market_data.{0} SELECT * FROM staging_{0} "
                                      "ON CONFLICT DO NOTHING",
                              summary.table))
                      .affected_rows())
            : summary.rows;
        receipt.rowsWritten += summary.written;
        receipt.duplicates += summary.rows - summary.written;
    }
    receipt.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);

    for (const auto &gap : batch.gaps)
        tx.exec("INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, "
                "gap_start, gap_end) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            pqxx::params{idOf(gap.instrument), model::kindName(gap.kind), gap.firstMissing,
                gap.lastMissing, optionalTimestamp(gap.beforeTimeNs),
                optionalTimestamp(gap.afterTimeNs)});
    // After the inserts: a gap found and resolved within one batch is updated in it too.
    for (const auto &resolved : batch.resolvedGaps)
        tx.exec("UPDATE audit.gaps SET status = $5, resolved_at = now(), note = $6 WHERE "
                "instrument_id = $1 AND kind = $2 AND first_missing = $3 AND last_missing = $4",
            pqxx::params{idOf(resolved.gap.instrument), model::kindName(resolved.gap.kind),
                resolved.gap.firstMissing, resolved.gap.lastMissing,
                resolved.backfilled ? "backfilled" : "unrecoverable", resolved.note});
    for (const auto &event : batch.feedEvents)
        tx.exec("INSERT INTO audit.feed_events (time, feed, event, detail) VALUES ($1, $2, $3, $4)",
            pqxx::params{
                timestamp(event.timeNs), m_feed, model::kindName(event.kind), event.detail});
    for (const auto &position : batch.sequencePositions)
        tx.exec("INSERT INTO audit.sequence_positions (instrument_id, kind, last_sequence, "
                "last_time) VALUES ($1, $2, $3, $4) ON CONFLICT (instrument_id, kind) DO UPDATE "
                "SET last_sequence = excluded.last_sequence, last_time = excluded.last_time, "
                "updated_at = now()",
            pqxx::params{idOf(position.instrument), model::kindName(position.kind),
                position.lastSequence, optionalTimestamp(position.lastTimeNs)});
    for (const auto &segment : batch.sealedSegments)
        tx.exec("INSERT INTO audit.journal_segments (feed, segment, path, first_received_at, "
                "last_received_at, frame_count, byte_count, checksum, sealed_at) VALUES "
                "($1, $2, $3, $4, $5, $6, $7, $8, now()) ON CONFLICT DO NOTHING",
            pqxx::params{m_feed, segment.segment, segment.path,
                optionalTimestamp(segment.firstReceivedAtNs),
                optionalTimestamp(segment.lastReceivedAtNs), segment.records,
                static_cast<std::int64_t>(segment.fileBytes),
                std::format("{:016x}", segment.checksum)});
    const double durationMs = static_cast<double>(receipt.duration.count()) / 1000.0;
    for (const auto &summary : summaries)
        tx.exec("INSERT INTO audit.ingest_batches (feed, target_table, row_count, first_time, "
                "last_time, journal_segment, journal_offset, checksum, started_at, duration_ms) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            pqxx::params{m_feed, std::string("market_data.") + summary.table,
                static_cast<std::int64_t>(summary.written), optionalTimestamp(summary.firstTimeNs),
                optionalTimestamp(summary.lastTimeNs), batch.firstJournalSegment,
                batch.firstJournalIndex, summary.checksum, startedAt, durationMs});
    if (batch.checkpoint)
        tx.exec("INSERT INTO audit.ingest_checkpoints (feed, journal_segment, journal_offset) "
                "VALUES ($1, $2, $3) ON CONFLICT (feed) DO UPDATE SET journal_segment = "
                "excluded.journal_segment, journal_offset = excluded.journal_offset, "
                "updated_at = now()",
            pqxx::params{m_feed, batch.checkpoint->segment, batch.checkpoint->index});
    tx.commit();
    return receipt;
}

IngestCheckpoint IngestWriter::loadCheckpoint()
{
    IngestCheckpoint checkpoint;
    pqxx::read_transaction tx{m_connection};
    const auto position = tx.exec("SELECT journal_segment, journal_offset FROM "
                                  "audit.ingest_checkpoints WHERE feed = $1",
        pqxx::params{m_feed});
    if (!position.empty())
        checkpoint.position = model::JournalPosition{
            position[0][0].as<std::int64_t>(), position[0][1].as<std::int64_t>()};
    for (const auto &row :
        tx.exec("SELECT instrument_id, kind, last_sequence, "
                "coalesce((extract(epoch FROM last_time) * 1000000)::bigint * 1000, 0) "
                "FROM audit.sequence_positions WHERE instrument_id = ANY($1)",
            pqxx::params{m_instrumentIds})) {
        const auto it = std::ranges::find(m_instrumentIds, row[0].as<int>());
        checkpoint.sequences.push_back({
            .instrument = static_cast<std::uint32_t>(it - m_instrumentIds.begin()),
            .kind = row[1].as<std::string>() == "trade_id" ? model::Gap::Kind::TradeId
                                                           : model::Gap::Kind::BookSequence,
            .lastSequence = row[2].as<std::int64_t>(),
            .lastTimeNs = row[3].as<std::int64_t>(),
        });
    }
    return checkpoint;
}

} // namespace tickscope::db
