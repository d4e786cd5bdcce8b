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
    , m_backfills(adapter.instruments().size())
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
    for (const auto &gap : checkpoint.openTradeGaps)
        queueBackfill(gap);
}

std::optional<model::BookIntegrity> BatchAssembler::absorb(
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
            queueBackfill(*outcome.gap);
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
    for (const auto instrument : m_output.backfillRefused)
        leaveBackfillOpen(instrument);

    const auto book = bookEffect(message);
    countIntegrity(message, book, batch);

    numberFromJournal(position);
    std::ranges::move(m_output.deltas, std::back_inserter(batch.deltas));
    std::ranges::move(m_output.snapshots, std::back_inserter(batch.snapshots));
    std::ranges::move(m_output.events, std::back_inserter(batch.feedEvents));
    m_counts.malformedFrames += m_output.malformed;
    m_counts.parserFaults += m_output.parserFaults;
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

std::optional<model::BookIntegrity> BatchAssembler::bookEffect(
    const feeds::RawMessage &message) const
{
    // A message concerns one instrument's book at most: the delta's or the snapshot's.
    std::optional<std::uint32_t> instrument = m_output.bookInstrument;
    if (!instrument && !m_output.deltas.empty())
        instrument = m_output.deltas.front().instrument;
    else if (!instrument && !m_output.snapshots.empty())
        instrument = m_output.snapshots.front().instrument;
    else if (const auto rest = !instrument && message.kind == feeds::RawKind::RestResponse
                && message.tag == static_cast<std::uint32_t>(feeds::RestTopic::BookSnapshot)
            ? feeds::decodeRestPayload(message.payload)
            : std::nullopt)
        instrument = m_adapter.instruments().find(rest->symbol);
    if (!instrument)
        return std::nullopt;
    constexpr std::int64_t kMinuteNs = 60'000'000'000;
    return model::BookIntegrity{.instrument = *instrument,
        .minuteNs = message.receivedAtNs - message.receivedAtNs % kMinuteNs,
        .updatesApplied = m_output.bookUpdatesApplied,
        .updatesDropped = m_output.bookUpdatesDropped,
        .checksumChecks = m_output.bookChecksumsChecked,
        .crossedBooks = m_output.bookCrossed ? 1 : 0};
}

void BatchAssembler::countIntegrity(const feeds::RawMessage &message,
    const std::optional<model::BookIntegrity> &effect, db::IngestBatch &batch) const
{
    if (effect && effect->any())
        addIntegrity(*effect, batch);
    // Breaks and resyncs count against the books they concern, which need not be the message's
    // (a lost message of a connection loses every book on it).
    constexpr std::int64_t kMinuteNs = 60'000'000'000;
    const std::int64_t minute = message.receivedAtNs - message.receivedAtNs % kMinuteNs;
    for (const model::Gap &gap : m_output.gaps) {
        if (gap.kind == model::Gap::Kind::Checksum || gap.kind == model::Gap::Kind::BookSequence)
            addIntegrity({.instrument = gap.instrument,
                             .minuteNs = minute,
                             .checksumFailures = gap.kind == model::Gap::Kind::Checksum ? 1 : 0,
                             .sequenceBreaks = gap.kind == model::Gap::Kind::BookSequence ? 1 : 0},
                batch);
    }
    for (const std::uint32_t instrument : m_output.snapshotRequests)
        addIntegrity({.instrument = instrument, .minuteNs = minute, .resyncs = 1}, batch);
}

void BatchAssembler::addIntegrity(const model::BookIntegrity &book, db::IngestBatch &batch)
{
    // A batch spans a few minutes at most: a short search finds the row.
    const auto row = std::ranges::find_if(batch.bookIntegrity, [&](const auto &kept) {
        return kept.instrument == book.instrument && kept.minuteNs == book.minuteNs;
    });
    if (row == batch.bookIntegrity.end())
        batch.bookIntegrity.push_back(book);
    else
        row->add(book);
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

void BatchAssembler::queueBackfill(const model::Gap &gap)
{
    using Backfill = feeds::ExchangeTraits::Backfill;
    PendingBackfill pending{.gap = gap};
    switch (m_adapter.traits().backfill) {
    case Backfill::FromId:
        pending.cursor = gap.firstMissing;
        pending.reached = gap.firstMissing - 1;
        break;
    case Backfill::BeforeId:
        pending.cursor = gap.lastMissing + 1;
        pending.reached = gap.lastMissing + 1;
        break;
    case Backfill::SinceTime:
        // From just before the last trade before the gap (`since` is exclusive); a gap whose
        // time is not known stays open.
        if (gap.beforeTimeNs <= 0)
            return;
        pending.cursor = gap.beforeTimeNs - 1;
        pending.reached = gap.firstMissing - 1;
        break;
    case Backfill::None:
        return;
    }
    pending.limit = pageLimit(pending);
    auto &queue = m_backfills.at(gap.instrument);
    queue.push_back(pending);
    if (queue.size() == 1)
        requestPage(queue.front());
}

int BatchAssembler::pageLimit(const PendingBackfill &pending) const
{
    // A page asks for no more than the gap still misses, where ids tell how many that is.
    const std::int64_t page = m_adapter.backfillPageSize();
    switch (m_adapter.traits().backfill) {
    case feeds::ExchangeTraits::Backfill::FromId:
        return static_cast<int>(std::min(page, pending.gap.lastMissing - pending.cursor + 1));
    case feeds::ExchangeTraits::Backfill::BeforeId:
        return static_cast<int>(std::min(page, pending.cursor - pending.gap.firstMissing));
    default:
        return static_cast<int>(page);
    }
}

void BatchAssembler::requestPage(const PendingBackfill &pending)
{
    if (m_onBackfill)
        m_onBackfill(pending.gap.instrument, pending.cursor, pending.limit);
}

void BatchAssembler::absorbBackfill(std::uint32_t instrument, db::IngestBatch &batch)
{
    using Backfill = feeds::ExchangeTraits::Backfill;
    auto &queue = m_backfills.at(instrument);
    if (queue.empty())
        return; // an answer whose gap a restart settled meanwhile
    PendingBackfill &pending = queue.front();
    const model::Gap &gap = pending.gap;
    const Backfill paging = m_adapter.traits().backfill;
    const bool backwards = paging == Backfill::BeforeId;
    std::int64_t fetched = 0;
    std::int64_t latestTimeNs = 0;
    const std::int64_t reachedBefore = pending.reached;
    for (const auto &trade : m_output.backfilledTrades) {
        if (trade.instrument != instrument)
            continue;
        ++fetched;
        latestTimeNs = std::max(latestTimeNs, trade.exchangeTimeNs);
        // Pages may overlap (SinceTime starts at a time, not an id): each id counts once.
        const bool beyond
            = backwards ? trade.tradeId < pending.reached : trade.tradeId > pending.reached;
        if (!beyond)
            continue;
        pending.reached = trade.tradeId;
        if (trade.tradeId >= gap.firstMissing && trade.tradeId <= gap.lastMissing) {
            ++pending.found;
            batch.trades.push_back(trade);
        }
    }
    // Settled when the pages reached past the gap, or the exchange had no more to give.
    const bool exhausted = fetched < pending.limit || pending.reached == reachedBefore;
    const bool through
        = backwards ? pending.reached <= gap.firstMissing : pending.reached >= gap.lastMissing;
    if (!exhausted && !through) {
        switch (paging) {
        case Backfill::FromId:
            pending.cursor = pending.reached + 1;
            break;
        case Backfill::BeforeId:
            pending.cursor = pending.reached;
            break;
        default:
            // Trades at the latest time may continue on the next page.
            pending.cursor = std::max(pending.cursor + 1, latestTimeNs - 1);
            break;
        }
        pending.limit = pageLimit(pending);
        requestPage(pending);
        return;
    }
    const bool complete = pending.found == gap.missingCount();
    batch.resolvedGaps.push_back({gap, complete,
        std::format("{} of {} missing trades fetched from the exchange", pending.found,
            gap.missingCount())});
    ++m_counts.gapsBackfilled;
    queue.pop_front();
    if (!queue.empty())
        requestPage(queue.front());
}

void BatchAssembler::leaveBackfillOpen(std::uint32_t instrument)
{
    // The trades fetched so far are stored; the gap stays open for the next start to ask again.
    auto &queue = m_backfills.at(instrument);
    if (queue.empty())
        return;
    queue.pop_front();
    if (!queue.empty())
        requestPage(queue.front());
}

} // namespace tickscope::ingest
