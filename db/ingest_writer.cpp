#include "db/ingest_writer.h"

#include "app/model/wall_clock.h"
#include "db/copy_binary.h"
#include "db/copy_text.h"
#include "db/minute_bars.h"
#include "db/raw_connection.h"
#include "db/sql_time.h"

#include <algorithm>
#include <array>
#include <format>
#include <limits>
#include <memory>
#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

using copy_binary::LevelField;

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

// The (instrument, minute) pairs that `trades` fall into, for aggregates.refresh_queue: two
// parallel arrays, database instrument ids and minutes in seconds since the epoch.
template<typename IdOf>
std::pair<std::vector<std::int32_t>, std::vector<std::int64_t>> touchedMinutes(
    const std::vector<model::Trade> &trades, IdOf idOf)
{
    constexpr std::int64_t kMinuteNs = 60'000'000'000;
    std::vector<std::uint64_t> keys;
    for (const auto &trade : trades) {
        const auto minute = static_cast<std::uint64_t>(trade.exchangeTimeNs / kMinuteNs);
        const auto key = (static_cast<std::uint64_t>(trade.instrument) << 32) | minute;
        // A feed's trades come in time order per instrument: most repeats are neighbours.
        if (keys.empty() || keys.back() != key)
            keys.push_back(key);
    }
    std::ranges::sort(keys);
    const auto [last, end] = std::ranges::unique(keys);
    keys.erase(last, end);
    std::pair<std::vector<std::int32_t>, std::vector<std::int64_t>> result;
    for (const auto key : keys) {
        result.first.push_back(idOf(static_cast<std::uint32_t>(key >> 32)));
        result.second.push_back(static_cast<std::int64_t>(key & 0xffffffffu) * 60);
    }
    return result;
}

// The latest of `trades` per instrument, in aggregates.trade_order's order.
std::vector<const model::Trade *> latestPerInstrument(const std::vector<model::Trade> &trades)
{
    std::vector<const model::Trade *> latest;
    for (const auto &trade : trades) {
        if (trade.instrument >= latest.size())
            latest.resize(trade.instrument + 1, nullptr);
        const model::Trade *&slot = latest[trade.instrument];
        if (!slot || tradeOrder(*slot) < tradeOrder(trade))
            slot = &trade;
    }
    std::erase(latest, nullptr);
    return latest;
}

// Staging copies of the hypertables for idempotent replays; they empty themselves at commit.
// Spelled out rather than LIKE market_data.*, which would need SELECT on the hypertables; in
// the hypertables' column order, which finishBatch's INSERT ... SELECT * relies on.
constexpr auto kStagingDdl = R"sql(
CREATE TEMP TABLE IF NOT EXISTS staging_trades (
    time timestamptz, received_after_us bigint, instrument_id integer, trade_id bigint,
    trade_uuid uuid, trade_ref text, price_units bigint, price_scale smallint, size_units bigint,
    size_scale smallint, side "char", price_exact numeric, size_exact numeric)
    ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staging_book_deltas (
    time timestamptz, received_after_us bigint, instrument_id integer, first_sequence bigint,
    sequence bigint, price_scale smallint, size_scale smallint, bid_price_units bigint[],
    bid_size_units bigint[], ask_price_units bigint[], ask_size_units bigint[],
    bid_prices_exact numeric[], bid_sizes_exact numeric[], ask_prices_exact numeric[],
    ask_sizes_exact numeric[]) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS staging_book_snapshots (
    time timestamptz, received_after_us bigint, instrument_id integer, sequence bigint,
    price_scale smallint, size_scale smallint, bid_price_units bigint[], bid_size_units bigint[],
    ask_price_units bigint[], ask_size_units bigint[], bid_prices_exact numeric[],
    bid_sizes_exact numeric[], ask_prices_exact numeric[], ask_sizes_exact numeric[])
    ON COMMIT DELETE ROWS;
)sql";

// A trade id that is a UUID in its canonical lower-case text, as its 16 bytes: stored as uuid,
// it reads back as the same text. Any other text id is stored verbatim.
std::optional<std::array<std::uint8_t, 16>> lowerCaseUuid(std::string_view text)
{
    if (text.size() != 36)
        return std::nullopt;
    const auto nibble = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    std::array<std::uint8_t, 16> bytes{};
    std::size_t filled = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i++] != '-')
                return std::nullopt;
            continue;
        }
        const int high = nibble(text[i]);
        const int low = nibble(text[i + 1]);
        if (high < 0 || low < 0)
            return std::nullopt;
        bytes[filled++] = static_cast<std::uint8_t>(high << 4 | low);
        i += 2;
    }
    return bytes;
}

struct Units
{
    std::optional<std::int64_t> units; // empty: beyond a bigint at any scale, stored as numeric
    std::int16_t scale;
};

// `value` in units of 10^-finest, after raising `finest` to the value's own scale: one
// instrument's units then move by whole ticks, which TimescaleDB's delta encodings store in a few
// bits. At its own scale when those units would not fit a bigint, and as numeric (price_exact,
// size_exact) when its own mantissa does not either: more than 18 or 19 significant digits.
Units unitsAtFinest(const model::Decimal &value, std::int8_t &finest)
{
    const auto mantissa = value.mantissa64();
    if (!mantissa)
        return {std::nullopt, value.scale};
    finest = std::max(finest, value.scale);
    if (const auto units = value.unitsAt(finest))
        return {*units, finest};
    return {*mantissa, value.scale};
}

// The scale of a book row's prices or sizes, as unitsAtFinest chooses a trade's: the
// instrument's finest (raised to the row's own), else the row's own; empty when a value has no
// bigint units there, and the row keeps its levels as numeric[] (the *_exact columns).
template<typename Row>
std::optional<std::int8_t> levelScale(const Row &row, LevelField field, std::int8_t &finest)
{
    std::int8_t own = 0;
    for (const auto *side : {&row.bids, &row.asks})
        for (const auto &level : *side)
            own = std::max(own, copy_binary::levelValue(level, field).scale);
    finest = std::max(finest, own);
    auto fitsAt = [&](std::int8_t scale) {
        for (const auto *side : {&row.bids, &row.asks})
            for (const auto &level : *side)
                if (!copy_binary::levelValue(level, field).unitsAt(scale))
                    return false;
        return true;
    };
    if (fitsAt(finest))
        return finest;
    if (fitsAt(own))
        return own;
    return std::nullopt;
}

// A units column and its scale, the exact numeric written after the row's other columns.
void appendUnits(std::string &out, const Units &value)
{
    if (value.units)
        copy_binary::appendInt64(out, *value.units);
    else
        copy_binary::appendNull(out);
    copy_binary::appendInt16(out, value.scale);
}

void appendExact(std::string &out, const Units &value, const model::Decimal &exact)
{
    if (value.units)
        copy_binary::appendNull(out);
    else
        copy_binary::appendNumeric(out, exact);
}

} // namespace

void mergeSequencePositions(
    std::vector<SequencePosition> &positions, const std::vector<SequencePosition> &later)
{
    for (const auto &position : later) {
        const auto same = std::ranges::find_if(positions, [&](const SequencePosition &known) {
            return known.instrument == position.instrument && known.kind == position.kind;
        });
        if (same == positions.end())
            positions.push_back(position);
        else
            *same = position;
    }
}

void IngestBatch::append(IngestBatch &&later)
{
    RecordSpan offset{.tradesEnd = trades.size(),
        .deltasEnd = deltas.size(),
        .snapshotsEnd = snapshots.size(),
        .feedEventsEnd = feedEvents.size(),
        .gapsEnd = gaps.size()};
    for (auto span : later.records) {
        span.tradesEnd += offset.tradesEnd;
        span.deltasEnd += offset.deltasEnd;
        span.snapshotsEnd += offset.snapshotsEnd;
        span.feedEventsEnd += offset.feedEventsEnd;
        span.gapsEnd += offset.gapsEnd;
        records.push_back(span);
    }
    auto take = [](auto &into, auto &from) {
        std::ranges::move(from, std::back_inserter(into));
    };
    take(trades, later.trades);
    take(deltas, later.deltas);
    take(snapshots, later.snapshots);
    take(gaps, later.gaps);
    take(feedEvents, later.feedEvents);
    take(resolvedGaps, later.resolvedGaps);
    take(bookIntegrity, later.bookIntegrity); // rows of one minute may repeat: the upsert adds
    take(sealedSegments, later.sealedSegments);
    take(quarantined, later.quarantined);
    mergeSequencePositions(sequencePositions, later.sequencePositions);
    if (later.checkpoint)
        checkpoint = later.checkpoint;
    if (!epoch)
        epoch = std::move(later.epoch);
}

IngestBatch IngestBatch::slice(std::size_t first, std::size_t last) const
{
    // Spans count rows from the start of their batch: the part's are shifted by where it begins.
    constexpr std::array kRowEnds{&RecordSpan::tradesEnd, &RecordSpan::deltasEnd,
        &RecordSpan::snapshotsEnd, &RecordSpan::feedEventsEnd, &RecordSpan::gapsEnd};
    const RecordSpan begin = first == 0 ? RecordSpan{} : records[first - 1];
    const RecordSpan end = last == 0 ? RecordSpan{} : records[last - 1];
    auto take = [&](const auto &all, std::size_t RecordSpan::*rowEnd) {
        using Rows = std::decay_t<decltype(all)>;
        return Rows(all.begin() + static_cast<std::ptrdiff_t>(begin.*rowEnd),
            all.begin() + static_cast<std::ptrdiff_t>(end.*rowEnd));
    };
    IngestBatch part;
    part.trades = take(trades, &RecordSpan::tradesEnd);
    part.deltas = take(deltas, &RecordSpan::deltasEnd);
    part.snapshots = take(snapshots, &RecordSpan::snapshotsEnd);
    part.feedEvents = take(feedEvents, &RecordSpan::feedEventsEnd);
    part.gaps = take(gaps, &RecordSpan::gapsEnd);
    if (last > first) {
        part.records.assign(records.begin() + static_cast<std::ptrdiff_t>(first),
            records.begin() + static_cast<std::ptrdiff_t>(last));
        for (auto &span : part.records) {
            for (const auto rowEnd : kRowEnds)
                span.*rowEnd -= begin.*rowEnd;
        }
        part.checkpoint = model::JournalPosition{end.position.segment, end.position.index + 1};
    }
    if (last == records.size()) {
        part.resolvedGaps = resolvedGaps;
        part.bookIntegrity = bookIntegrity;
        part.sequencePositions = sequencePositions;
        part.sealedSegments = sealedSegments;
        part.epoch = epoch;
        part.quarantined = quarantined;
        part.checkpoint = checkpoint;
    }
    return part;
}

std::string sqlstateOf(const std::exception &error)
{
    const auto *sql = dynamic_cast<const pqxx::sql_error *>(&error);
    return sql ? sql->sqlstate() : std::string();
}

std::string installationId(pqxx::connection &connection)
{
    return pqxx::nontransaction{connection}.query_value<std::string>(
        "SELECT installation_id::text FROM audit.installation");
}

WriteFailure classifyWriteFailure(const std::exception &error)
{
    // By the error's type, which both libpqxx and RawConnection give, never by sqlstate(), which
    // libpqxx 7.10 may leave empty: a data exception (22: a value out of range, bad encoding) or
    // an integrity constraint violation (23: a check; 23505 never gets here, write() takes it
    // for a replay's overlap) is the data's fault. Anything else may pass: retried.
    if (dynamic_cast<const pqxx::data_exception *>(&error)
        || dynamic_cast<const pqxx::integrity_constraint_violation *>(&error))
        return WriteFailure::Data;
    return WriteFailure::Connection;
}

IngestWriter::IngestWriter(pqxx::connection &connection, std::string feed,
    std::vector<int> instrumentIds, std::string journalId)
    : m_connection(connection)
    , m_feed(std::move(feed))
    , m_instrumentIds(std::move(instrumentIds))
    , m_journalId(std::move(journalId))
{ }

void IngestWriter::rollback()
{
    try {
        pqxx::nontransaction{m_connection}.exec("ROLLBACK");
    } catch (const std::exception &) {
        // A broken connection has no transaction left to roll back.
    }
}

void IngestWriter::PhaseClock::lap(model::WritePhase phase)
{
    const auto now = std::chrono::steady_clock::now();
    seconds[static_cast<std::size_t>(phase)] += std::chrono::duration<double>(now - m_last).count();
    m_last = now;
}

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
    const std::string startedAt = timestamp(model::wallClockNs());
    auto idOf = [&](std::uint32_t instrument) {
        return m_instrumentIds.at(instrument);
    };
    std::vector<TableSummary> summaries;
    PhaseClock clock;
    try {
        // libpqxx streams text only: the COPYs go through libpq on the same connection, inside
        // the transaction that the audit rows below complete.
        {
            RawConnection raw{m_connection};
            raw.exec("BEGIN");
            if (staging)
                raw.exec(kStagingDdl);
            auto target = [&](const std::string &table) {
                return staging ? "staging_" + table : "market_data." + table;
            };
            if (!batch.trades.empty()) {
                TableSummary summary = summarize("trades", batch.trades);
                CopyIn copy = raw.copyIn(std::format("COPY {} (time, received_after_us, "
                                                     "instrument_id, trade_id, trade_uuid, "
                                                     "trade_ref, price_units, price_scale, "
                                                     "size_units, size_scale, side, "
                                                     "price_exact, size_exact) "
                                                     "FROM STDIN (FORMAT binary)",
                    target("trades")));
                std::string &out = copy.rows();
                copy_binary::appendHeader(out);
                for (const auto &trade : batch.trades) {
                    copy_binary::beginRow(out, 13);
                    copy_binary::appendTimestamp(out, trade.exchangeTimeNs);
                    copy_binary::appendInt64(out,
                        copy_binary::floorToMicroseconds(trade.receivedAtNs)
                            - copy_binary::floorToMicroseconds(trade.exchangeTimeNs));
                    copy_binary::appendInt32(out, idOf(trade.instrument));
                    // trade_id, trade_uuid, trade_ref: one of them set.
                    if (trade.hasNumericId()) {
                        copy_binary::appendInt64(out, trade.tradeId);
                        copy_binary::appendNull(out);
                        copy_binary::appendNull(out);
                    } else if (const auto uuid = lowerCaseUuid(trade.tradeRef)) {
                        copy_binary::appendNull(out);
                        copy_binary::appendUuid(out, *uuid);
                        copy_binary::appendNull(out);
                    } else {
                        copy_binary::appendNull(out);
                        copy_binary::appendNull(out);
                        copy_binary::appendText(out, trade.tradeRef);
                    }
                    if (trade.instrument >= m_finestScales.size())
                        m_finestScales.resize(trade.instrument + 1);
                    auto &[priceScale, sizeScale] = m_finestScales[trade.instrument];
                    const Units price = unitsAtFinest(trade.price, priceScale);
                    const Units size = unitsAtFinest(trade.size, sizeScale);
                    appendUnits(out, price);
                    appendUnits(out, size);
                    copy_binary::appendChar(out, static_cast<char>(trade.side));
                    appendExact(out, price, trade.price);
                    appendExact(out, size, trade.size);
                    copy.rowEnded();
                }
                copy_binary::appendTrailer(out);
                summary.checksum = copy.finish();
                summaries.push_back(summary);
            }
            auto writeBook = [&](const char *table, const auto &rows,
                                 std::string_view sequenceColumns) {
                TableSummary summary = summarize(table, rows);
                CopyIn copy = raw.copyIn(std::format(
                    "COPY {} (time, received_after_us, instrument_id, {}, price_scale, "
                    "size_scale, bid_price_units, bid_size_units, ask_price_units, "
                    "ask_size_units, bid_prices_exact, bid_sizes_exact, ask_prices_exact, "
                    "ask_sizes_exact) FROM STDIN (FORMAT binary)",
                    target(table), sequenceColumns));
                std::string &out = copy.rows();
                copy_binary::appendHeader(out);
                for (const auto &row : rows) {
                    constexpr bool isDelta
                        = std::is_same_v<std::decay_t<decltype(row)>, model::BookDelta>;
                    copy_binary::beginRow(out, isDelta ? 15 : 14);
                    copy_binary::appendTimestamp(out, row.exchangeTimeNs);
                    copy_binary::appendInt64(out,
                        copy_binary::floorToMicroseconds(row.receivedAtNs)
                            - copy_binary::floorToMicroseconds(row.exchangeTimeNs));
                    copy_binary::appendInt32(out, idOf(row.instrument));
                    if constexpr (isDelta)
                        copy_binary::appendInt64(out, row.firstSequence);
                    copy_binary::appendInt64(out, row.sequence);
                    if (row.instrument >= m_finestScales.size())
                        m_finestScales.resize(row.instrument + 1);
                    auto &[finestPrice, finestSize] = m_finestScales[row.instrument];
                    const auto priceScale = levelScale(row, LevelField::Price, finestPrice);
                    const auto sizeScale = levelScale(row, LevelField::Size, finestSize);
                    if (priceScale && sizeScale) {
                        copy_binary::appendInt16(out, *priceScale);
                        copy_binary::appendInt16(out, *sizeScale);
                        copy_binary::appendLevelUnits(
                            out, row.bids, LevelField::Price, *priceScale);
                        copy_binary::appendLevelUnits(out, row.bids, LevelField::Size, *sizeScale);
                        copy_binary::appendLevelUnits(
                            out, row.asks, LevelField::Price, *priceScale);
                        copy_binary::appendLevelUnits(out, row.asks, LevelField::Size, *sizeScale);
                        for (int exact = 0; exact < 4; ++exact)
                            copy_binary::appendNull(out);
                    } else {
                        for (int units = 0; units < 6; ++units)
                            copy_binary::appendNull(out);
                        copy_binary::appendLevelArray(out, row.bids, LevelField::Price);
                        copy_binary::appendLevelArray(out, row.bids, LevelField::Size);
                        copy_binary::appendLevelArray(out, row.asks, LevelField::Price);
                        copy_binary::appendLevelArray(out, row.asks, LevelField::Size);
                    }
                    copy.rowEnded();
                }
                copy_binary::appendTrailer(out);
                summary.checksum = copy.finish();
                summaries.push_back(summary);
            };
            if (!batch.deltas.empty())
                writeBook("book_deltas", batch.deltas, "first_sequence, sequence");
            if (!batch.snapshots.empty())
                writeBook("book_snapshots", batch.snapshots, "sequence");
        }
        clock.lap(model::WritePhase::Copy);
        return finishBatch(batch, staging, std::move(summaries), clock, startedAt);
    } catch (...) {
        rollback();
        throw;
    }
}

BatchReceipt IngestWriter::finishBatch(const IngestBatch &batch, bool staging,
    std::vector<TableSummary> summaries, PhaseClock &clock, const std::string &startedAt)
{
    auto idOf = [&](std::uint32_t instrument) {
        return m_instrumentIds.at(instrument);
    };
    pqxx::nontransaction tx{m_connection};
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
    clock.lap(model::WritePhase::Merge);
    // The rows' part of the batch, for its audit rows: the COPYs and the merge.
    receipt.duration
        = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::duration<double>(
            clock.seconds[static_cast<std::size_t>(model::WritePhase::Copy)]
            + clock.seconds[static_cast<std::size_t>(model::WritePhase::Merge)]));

    // The OHLCV levels take these trades now, or, when the batch's new trades are not all of
    // them (a replay's duplicates), the next aggregates refresh recomputes the minutes they touch.
    if (receipt.rowsWritten > 0 && !batch.trades.empty()) {
        const auto bars = receipt.duplicates == 0 ? minuteBars(batch.trades, idOf) : std::nullopt;
        if (bars) {
            tx.exec(
                "CALL aggregates.fold_trades($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                "$13, $14, $15, $16, $17)",
                pqxx::params{bars->instrumentIds, bars->minutes, bars->openTimes, bars->openIds,
                    bars->openNumericIds, bars->openPrices, bars->closeTimes, bars->closeIds,
                    bars->closeNumericIds, bars->closePrices, bars->highs, bars->lows,
                    bars->volumes, bars->notionals, bars->tradeCounts, bars->buyVolumes,
                    bars->sellVolumes});
        } else {
            const auto [instruments, minutes] = touchedMinutes(batch.trades, idOf);
            tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) "
                    "SELECT instrument_id, to_timestamp(minute) FROM unnest($1::integer[], "
                    "$2::bigint[]) AS touched (instrument_id, minute)",
                pqxx::params{instruments, minutes});
        }
    }
    clock.lap(model::WritePhase::Aggregates);
    // Only forward: a replayed or backfilled older trade leaves the latest one where it is.
    if (receipt.rowsWritten > 0 && !batch.trades.empty()) {
        std::vector<std::int32_t> instruments;
        std::vector<std::string> times, receivedTimes, ids, prices, sizes, sides;
        std::vector<bool> numericIds;
        for (const model::Trade *trade : latestPerInstrument(batch.trades)) {
            instruments.push_back(idOf(trade->instrument));
            times.push_back(timestamp(trade->exchangeTimeNs));
            receivedTimes.push_back(timestamp(trade->receivedAtNs));
            numericIds.push_back(trade->hasNumericId());
            ids.push_back(trade->hasNumericId() ? std::to_string(trade->tradeId) : trade->tradeRef);
            prices.push_back(trade->price.toString());
            sizes.push_back(trade->size.toString());
            sides.push_back(std::string(1, static_cast<char>(trade->side)));
        }
        tx.exec("INSERT INTO market_data.latest_trades AS l (instrument_id, time, received_at, "
                "trade_id, trade_ref, price, size, side) "
                "SELECT u.instrument_id, u.time::timestamptz, u.received::timestamptz, "
                "CASE WHEN u.numeric THEN u.id::bigint END, CASE WHEN NOT u.numeric THEN u.id END, "
                "u.price::numeric, u.size::numeric, u.side::\"char\" FROM unnest($1::integer[], "
                "$2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[], "
                "$8::text[]) AS u (instrument_id, time, received, id, numeric, price, size, side) "
                "ON CONFLICT (instrument_id) DO UPDATE SET time = excluded.time, received_at = "
                "excluded.received_at, trade_id = excluded.trade_id, trade_ref = "
                "excluded.trade_ref, price = excluded.price, size = excluded.size, side = "
                "excluded.side WHERE aggregates.trade_order(excluded.time, excluded.trade_id, "
                "excluded.trade_ref) > aggregates.trade_order(l.time, l.trade_id, l.trade_ref)",
            pqxx::params{instruments, times, receivedTimes, ids, numericIds, prices, sizes, sides});
    }
    clock.lap(model::WritePhase::LatestTrades);
    auto sequence = [](const model::Gap &gap, std::int64_t value) {
        return gap.bySequence() ? std::optional(value) : std::nullopt;
    };
    for (const auto &gap : batch.gaps)
        tx.exec("INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, "
                "gap_start, gap_end, note) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT DO NOTHING",
            pqxx::params{idOf(gap.instrument), model::kindName(gap.kind),
                sequence(gap, gap.firstMissing), sequence(gap, gap.lastMissing),
                optionalTimestamp(gap.beforeTimeNs), optionalTimestamp(gap.afterTimeNs),
                gap.cause.empty() ? std::nullopt : std::optional(gap.cause)});
    // After the inserts: a gap found and resolved within one batch is updated in it too.
    for (const auto &resolved : batch.resolvedGaps)
        tx.exec("UPDATE audit.gaps SET status = $5, resolved_at = now(), note = $6 WHERE "
                "instrument_id = $1 AND kind = $2 AND first_missing = $3 AND last_missing = $4",
            pqxx::params{idOf(resolved.gap.instrument), model::kindName(resolved.gap.kind),
                resolved.gap.firstMissing, resolved.gap.lastMissing,
                resolved.backfilled ? "backfilled" : "unrecoverable", resolved.note});
    // A stored snapshot makes its instrument's book known again. The book updates its earlier
    // book gaps lost will never come: no exchange keeps a history of them.
    for (const auto &snapshot : batch.snapshots)
        tx.exec("UPDATE audit.gaps SET status = 'unrecoverable', resolved_at = now(), note = "
                "concat_ws('; ', note, 'the book was rebuilt from the snapshot at ' || "
                "to_char($2::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                "|| '; the updates before it are not kept by the exchange') WHERE instrument_id = "
                "$1 AND kind IN ('book_sequence', 'checksum') AND status = 'open' AND gap_end <= "
                "$2::timestamptz",
            pqxx::params{idOf(snapshot.instrument), timestamp(snapshot.exchangeTimeNs)});
    for (const auto &book : batch.bookIntegrity)
        tx.exec("INSERT INTO audit.book_integrity AS i (minute, instrument_id, updates_applied, "
                "updates_dropped, checksum_checks, checksum_failures, sequence_breaks, "
                "crossed_books, resyncs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT "
                "(instrument_id, minute) DO UPDATE SET updates_applied = i.updates_applied + "
                "excluded.updates_applied, updates_dropped = i.updates_dropped + "
                "excluded.updates_dropped, checksum_checks = i.checksum_checks + "
                "excluded.checksum_checks, checksum_failures = i.checksum_failures + "
                "excluded.checksum_failures, sequence_breaks = i.sequence_breaks + "
                "excluded.sequence_breaks, crossed_books = i.crossed_books + "
                "excluded.crossed_books, resyncs = i.resyncs + excluded.resyncs",
            pqxx::params{timestamp(book.minuteNs), idOf(book.instrument), book.updatesApplied,
                book.updatesDropped, book.checksumChecks, book.checksumFailures,
                book.sequenceBreaks, book.crossedBooks, book.resyncs});
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
    for (const auto &record : batch.quarantined)
        tx.exec("INSERT INTO audit.quarantine (feed, journal_id, journal_segment, journal_offset, "
                "received_at, record_kind, payload, sqlstate, error) VALUES ($1, $2, $3, $4, $5, "
                "$6, $7, $8, $9) ON CONFLICT DO NOTHING",
            pqxx::params{m_feed,
                m_journalId.empty() ? std::nullopt : std::optional<std::string>(m_journalId),
                record.position.segment, record.position.index,
                optionalTimestamp(record.receivedAtNs), record.kind,
                record.payload ? std::optional<pqxx::bytes_view>(pqxx::binary_cast(*record.payload))
                               : std::nullopt,
                record.sqlstate.empty() ? std::nullopt
                                        : std::optional<std::string>(record.sqlstate),
                record.error});
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
    // Where the batch's records started in the journal (none: a replay of a capture).
    const model::JournalPosition firstRecord
        = batch.records.empty() ? model::JournalPosition{} : batch.records.front().position;
    for (const auto &summary : summaries)
        tx.exec("INSERT INTO audit.ingest_batches (feed, target_table, row_count, first_time, "
                "last_time, journal_segment, journal_offset, checksum, started_at, duration_ms) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            pqxx::params{m_feed, std::string("market_data.") + summary.table,
                static_cast<std::int64_t>(summary.written), optionalTimestamp(summary.firstTimeNs),
                optionalTimestamp(summary.lastTimeNs), firstRecord.segment, firstRecord.index,
                summary.checksum, startedAt, durationMs});
    if (batch.epoch) {
        const auto &epoch = *batch.epoch;
        tx.exec("INSERT INTO audit.journal_epochs (feed, journal_id, previous_journal_id, "
                "previous_segment, previous_offset, reason) VALUES ($1, $2, $3, $4, $5, $6)",
            pqxx::params{m_feed, m_journalId, epoch.previousJournalId,
                epoch.previousPosition
                    ? std::optional<std::int64_t>(epoch.previousPosition->segment)
                    : std::nullopt,
                epoch.previousPosition ? std::optional<std::int64_t>(epoch.previousPosition->index)
                                       : std::nullopt,
                epoch.reason});
    }
    if (batch.checkpoint)
        tx.exec("INSERT INTO audit.ingest_checkpoints (feed, journal_segment, journal_offset, "
                "journal_id) VALUES ($1, $2, $3, $4) ON CONFLICT (feed) DO UPDATE SET "
                "journal_segment = excluded.journal_segment, journal_offset = "
                "excluded.journal_offset, journal_id = excluded.journal_id, updated_at = now()",
            pqxx::params{m_feed, batch.checkpoint->segment, batch.checkpoint->index,
                m_journalId.empty() ? std::nullopt : std::optional<std::string>(m_journalId)});
    clock.lap(model::WritePhase::Audit);
    tx.exec("COMMIT");
    clock.lap(model::WritePhase::Commit);
    receipt.phaseSeconds = clock.seconds;
    return receipt;
}

IngestCheckpoint IngestWriter::loadCheckpoint()
{
    IngestCheckpoint checkpoint;
    pqxx::read_transaction tx{m_connection};
    const auto position = tx.exec("SELECT journal_segment, journal_offset, journal_id FROM "
                                  "audit.ingest_checkpoints WHERE feed = $1",
        pqxx::params{m_feed});
    if (!position.empty()) {
        checkpoint.position = model::JournalPosition{
            position[0][0].as<std::int64_t>(), position[0][1].as<std::int64_t>()};
        checkpoint.journalId = position[0][2].as<std::optional<std::string>>();
    }
    for (const auto &row :
        tx.exec(std::format("SELECT instrument_id, kind, last_sequence, coalesce({}, 0) "
                            "FROM audit.sequence_positions WHERE instrument_id = ANY($1)",
                    epochNanoseconds("last_time")),
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
    for (const auto &row :
        tx.exec(std::format("SELECT instrument_id, first_missing, last_missing, "
                            "coalesce({}, 0), coalesce({}, 0) FROM audit.gaps WHERE "
                            "instrument_id = ANY($1) AND kind = 'trade_id' AND status = 'open' "
                            "ORDER BY first_missing",
                    epochNanoseconds("gap_start"), epochNanoseconds("gap_end")),
            pqxx::params{m_instrumentIds})) {
        const auto it = std::ranges::find(m_instrumentIds, row[0].as<int>());
        checkpoint.openTradeGaps.push_back({.kind = model::Gap::Kind::TradeId,
            .instrument = static_cast<std::uint32_t>(it - m_instrumentIds.begin()),
            .firstMissing = row[1].as<std::int64_t>(),
            .lastMissing = row[2].as<std::int64_t>(),
            .beforeTimeNs = row[3].as<std::int64_t>(),
            .afterTimeNs = row[4].as<std::int64_t>()});
    }
    return checkpoint;
}

} // namespace tickscope::db
