#include "app/ingest/batch_assembler.h"

#include "app/ingest/feed_connection.h"

#include <algorithm>
#include <format>

namespace tickscope::ingest {

BatchAssembler::BatchAssembler(const feeds::ExchangeAdapter &adapter, BackfillRequest onBackfill)
    : m_adapter(adapter)
    , m_onBackfill(std::move(onBackfill))
    , m_normalizer(adapter.createNormalizer())
    , m_sequencer(adapter.traits().tradeIds, adapter.instruments().size())
    , m_sequenceMoved(adapter.instruments().size(), false)
    , m_connections(planConnections(adapter))
    , m_disconnected(m_connections.size() + 1)
    , m_cadence(adapter.instruments().size())
{ }

BatchAssembler::~BatchAssembler() = default;

void BatchAssembler::resume(const db::IngestCheckpoint &checkpoint)
{
    for (const auto &sequence : checkpoint.sequences) {
        if (sequence.kind == model::Gap::Kind::TradeId)
            m_sequencer.seed(sequence.instrument, sequence.lastSequence, sequence.lastTimeNs);
    }
    if (!canBackfill())
        return;
    for (const auto &gap : checkpoint.openTradeGaps) {
        m_backfills.push_back({gap});
        requestBackfill(gap, gap.firstMissing);
    }
}

BatchAssembler::BookEffect BatchAssembler::absorb(
    const feeds::RawMessage &message, model::JournalPosition position, db::IngestBatch &batch)
{
    m_normalizer->normalize(message, m_output);
    for (auto &trade : m_output.trades) {
        const auto outcome = m_sequencer.accept(trade);
        if (outcome.duplicate) {
            ++m_counts.duplicatesSkipped;
            continue;
        }
        if (outcome.gap) {
            m_output.gaps.push_back(*outcome.gap);
            if (canBackfill()) {
                m_backfills.push_back({*outcome.gap});
                requestBackfill(*outcome.gap, outcome.gap->firstMissing);
            }
        }
        if (outcome.advanced)
            m_sequenceMoved[trade.instrument] = true;
        noteSilence(trade);
        batch.trades.push_back(std::move(trade));
    }
    noteConnectionWindows();
    for (auto &gap : m_output.gaps) {
        ++m_counts.gapsFound;
        m_counts.lastGap = gap;
        batch.gaps.push_back(gap);
    }
    for (const auto instrument : m_output.backfillAnswered)
        absorbBackfill(instrument, batch);

    // A message concerns one instrument's book at most: the delta's or the snapshot's.
    BookEffect book{.applied = m_output.bookUpdatesApplied, .dropped = m_output.bookUpdatesDropped};
    if (m_output.bookInstrument)
        book.instrument = m_output.bookInstrument;
    else if (!m_output.deltas.empty())
        book.instrument = m_output.deltas.front().instrument;
    else if (!m_output.snapshots.empty())
        book.instrument = m_output.snapshots.front().instrument;
    else if (const auto rest = message.kind == feeds::RawKind::RestResponse
            ? feeds::decodeRestPayload(message.payload)
            : std::nullopt)
        book.instrument = m_adapter.instruments().find(rest->symbol);

    numberFromJournal(position);
    std::ranges::move(m_output.deltas, std::back_inserter(batch.deltas));
    std::ranges::move(m_output.snapshots, std::back_inserter(batch.snapshots));
    std::ranges::move(m_output.events, std::back_inserter(batch.feedEvents));
    m_counts.malformedFrames += m_output.malformed;
    m_counts.unknownSymbolFrames += m_output.unknownSymbol;
    for (const auto &[channel, frames] : m_output.ignored)
        m_counts.ignoredFrames[channel] += frames;
    m_output.clear();
    batch.records.push_back({.position = position,
        .tradesEnd = batch.trades.size(),
        .deltasEnd = batch.deltas.size(),
        .snapshotsEnd = batch.snapshots.size(),
        .feedEventsEnd = batch.feedEvents.size(),
        .gapsEnd = batch.gaps.size()});
    return book;
}

std::vector<db::SequencePosition> BatchAssembler::sequencePositions() const
{
    std::vector<db::SequencePosition> positions;
    for (std::uint32_t i = 0; i < m_sequenceMoved.size(); ++i) {
        if (m_sequenceMoved[i])
            positions.push_back({.instrument = i,
                .kind = model::Gap::Kind::TradeId,
                .lastSequence = *m_sequencer.lastTradeId(i),
                .lastTimeNs = 0});
    }
    return positions;
}

void BatchAssembler::batchCommitted()
{
    std::ranges::fill(m_sequenceMoved, false);
}

void BatchAssembler::noteConnectionWindows()
{
    // Where trade ids are contiguous, the ids tell what a disconnect lost (and backfill fetches
    // it); elsewhere the window itself is the gap, for the instruments of that connection.
    if (m_adapter.traits().tradeIds == feeds::ExchangeTraits::TradeIds::Contiguous)
        return;
    for (const auto &event : m_output.events) {
        if (event.kind != model::FeedEvent::Kind::Disconnect
            && event.kind != model::FeedEvent::Kind::Connect)
            continue;
        // A journal written with another plan of connections: its windows concern every
        // instrument.
        const bool known = event.connection < m_connections.size();
        auto &open = m_disconnected[known ? event.connection : m_connections.size()];
        if (event.kind == model::FeedEvent::Kind::Disconnect) {
            if (!open)
                open = event;
            continue;
        }
        if (!open)
            continue;
        auto addGap = [&](std::uint32_t instrument) {
            m_output.gaps.push_back({.kind = model::Gap::Kind::Disconnect,
                .instrument = instrument,
                .beforeTimeNs = open->timeNs,
                .afterTimeNs = event.timeNs,
                .cause = "disconnected: " + open->detail});
        };
        if (known) {
            for (const std::uint32_t instrument : m_connections[event.connection])
                addGap(instrument);
        } else {
            for (std::uint32_t i = 0; i < m_adapter.instruments().size(); ++i)
                addGap(i);
        }
        open.reset();
    }
}

void BatchAssembler::noteSilence(const model::Trade &trade)
{
    if (m_adapter.traits().tradeIds == feeds::ExchangeTraits::TradeIds::Contiguous)
        return;
    Cadence &cadence = m_cadence.at(trade.instrument);
    if (cadence.lastTimeNs != 0 && trade.exchangeTimeNs > cadence.lastTimeNs) {
        const double interval = static_cast<double>(trade.exchangeTimeNs - cadence.lastTimeNs);
        const double limit
            = std::max(static_cast<double>(std::chrono::nanoseconds(kMinSilence).count()),
                kSilenceFactor * cadence.typicalIntervalNs);
        if (cadence.trades >= kCadenceTrades && interval > limit) {
            m_output.gaps.push_back({.kind = model::Gap::Kind::Silence,
                .instrument = trade.instrument,
                .beforeTimeNs = cadence.lastTimeNs,
                .afterTimeNs = trade.exchangeTimeNs,
                .cause = std::format("no trade for {:.0f} s, {:.0f} times the usual interval",
                    interval / 1e9, interval / cadence.typicalIntervalNs)});
        } else {
            // An exponential average over the last ~20 intervals; silences do not count.
            cadence.typicalIntervalNs = cadence.typicalIntervalNs == 0
                ? interval
                : 0.95 * cadence.typicalIntervalNs + 0.05 * interval;
        }
    }
    cadence.lastTimeNs = std::max(cadence.lastTimeNs, trade.exchangeTimeNs);
    ++cadence.trades;
}

void BatchAssembler::numberFromJournal(model::JournalPosition position)
{
    // segment (23 bits) | record (32 bits) | the message's n-th book row (8 bits): unique per
    // journal and increasing with it.
    std::int64_t ordinal = 0;
    auto number = [&](std::int64_t &sequence) {
        if (sequence == model::kSequenceFromJournal)
            sequence = (position.segment << 40) | (position.index << 8) | (ordinal & 0xff);
    };
    for (auto &delta : m_output.deltas) {
        number(delta.firstSequence);
        number(delta.sequence);
        ++ordinal;
    }
    for (auto &snapshot : m_output.snapshots) {
        number(snapshot.sequence);
        ++ordinal;
    }
}

bool BatchAssembler::canBackfill() const
{
    return m_adapter.traits().backfill == feeds::ExchangeTraits::Backfill::ById;
}

void BatchAssembler::requestBackfill(const model::Gap &gap, std::int64_t fromId)
{
    if (!m_onBackfill)
        return;
    const auto limit
        = std::min<std::int64_t>(m_adapter.backfillPageSize(), gap.lastMissing - fromId + 1);
    m_onBackfill(gap.instrument, fromId, static_cast<int>(limit));
}

void BatchAssembler::absorbBackfill(std::uint32_t instrument, db::IngestBatch &batch)
{
    std::int64_t lastFetched = -1;
    std::size_t fetched = 0;
    for (const auto &trade : m_output.backfilledTrades) {
        if (trade.instrument != instrument)
            continue;
        ++fetched;
        lastFetched = std::max(lastFetched, trade.tradeId);
        for (auto &pending : m_backfills) {
            if (pending.gap.instrument == instrument && trade.tradeId >= pending.gap.firstMissing
                && trade.tradeId <= pending.gap.lastMissing) {
                ++pending.found;
                batch.trades.push_back(trade);
                break;
            }
        }
    }
    // A gap is settled when the exchange answered past its end, or had nothing more to give.
    const bool exhausted = fetched < static_cast<std::size_t>(m_adapter.backfillPageSize());
    for (auto it = m_backfills.begin(); it != m_backfills.end();) {
        const model::Gap &gap = it->gap;
        if (gap.instrument != instrument || (gap.firstMissing > lastFetched + 1 && !exhausted)) {
            ++it;
            continue;
        }
        if (!exhausted && lastFetched < gap.lastMissing) {
            requestBackfill(gap, lastFetched + 1);
            ++it;
            continue;
        }
        const bool complete = it->found == gap.missingCount();
        batch.resolvedGaps.push_back({gap, complete,
            std::format("{} of {} missing trades fetched from the exchange", it->found,
                gap.missingCount())});
        ++m_counts.gapsBackfilled;
        it = m_backfills.erase(it);
    }
}

} // namespace tickscope::ingest
