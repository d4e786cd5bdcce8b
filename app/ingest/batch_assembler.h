// Turns a feed's raw messages, in journal order, into batches for db::IngestWriter: normalizes
// each (the adapter's normalizer, books kept in step), follows trade ids as the adapter declares
// them (TradeSequencer: duplicates dropped, holes recorded as gaps; where ids cannot show holes,
// disconnect windows and symbols gone silent are the gaps), matches backfilled trades to the
// gaps they fill, and notes where each message's rows end so that a batch the database refuses
// can be split. The writer thread and `tickscope replay` both assemble through it, so a replay of
// a journal stores exactly the rows that live ingest stored.
#pragma once

#include "app/feeds/exchange_adapter.h"
#include "app/ingest/trade_sequencer.h"
#include "db/ingest_writer.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace tickscope::ingest {

class BatchAssembler
{
public:
    // Asked for a page of the trades that a trade-id gap left out, `cursor` as
    // ExchangeAdapter::backfillUrl takes it (FeedSession::backfill fetches it); the answer comes
    // back through the journal as a REST record.
    using BackfillRequest
        = std::function<void(std::uint32_t instrument, std::int64_t cursor, int limit)>;

    // What the messages absorbed so far held, for status lines and reports.
    struct Counts
    {
        std::int64_t duplicatesSkipped = 0;
        std::int64_t gapsFound = 0;
        std::int64_t gapsBackfilled = 0; // settled: fetched, or found unrecoverable
        std::int64_t malformedFrames = 0;
        std::int64_t parserFaults = 0; // of those, frames a parser threw on (a defect)
        std::int64_t unknownSymbolFrames = 0;
        std::map<std::string, std::int64_t> ignoredFrames; // of channels not ingested, by channel
        std::optional<model::Gap> lastGap;

        // Those of an assembler that read before `later`'s.
        Counts &operator+=(const Counts &later)
        {
            duplicatesSkipped += later.duplicatesSkipped;
            gapsFound += later.gapsFound;
            gapsBackfilled += later.gapsBackfilled;
            malformedFrames += later.malformedFrames;
            parserFaults += later.parserFaults;
            unknownSymbolFrames += later.unknownSymbolFrames;
            for (const auto &[channel, count] : later.ignoredFrames)
                ignoredFrames[channel] += count;
            if (later.lastGap)
                lastGap = later.lastGap;
            return *this;
        }
    };

    explicit BatchAssembler(const feeds::ExchangeAdapter &adapter, BackfillRequest onBackfill = {});
    ~BatchAssembler();

    // Continues after a checkpoint: the instruments' last trade ids, and the gaps whose backfill
    // a stop interrupted are asked for again.
    void resume(const db::IngestCheckpoint &checkpoint);

    // Adds what `message` yields to `batch`, ending with a RecordSpan at `position`, and counts
    // it in the batch's book integrity. Returns what the message did to its instrument's book,
    // if it concerned one.
    std::optional<model::BookIntegrity> absorb(
        const feeds::RawMessage &message, model::JournalPosition position, db::IngestBatch &batch);

    // The trade-id positions that moved since the last batchCommitted(), to commit with a batch.
    std::vector<db::SequencePosition> sequencePositions() const;
    void batchCommitted();

    const feeds::FeedNormalizer &normalizer() const { return *m_normalizer; }
    const Counts &counts() const { return m_counts; }

private:
    // What the message did to its own instrument's book (applied, dropped, checked, crossed).
    std::optional<model::BookIntegrity> bookEffect(const feeds::RawMessage &message) const;
    // Adds that, and the breaks and resyncs of every book the message concerned, to the batch's
    // integrity rows.
    void countIntegrity(const feeds::RawMessage &message,
        const std::optional<model::BookIntegrity> &effect, db::IngestBatch &batch) const;
    static void addIntegrity(const model::BookIntegrity &book, db::IngestBatch &batch);
    // A reconnect after a disconnect: for exchanges whose trade ids cannot show what was
    // missed, the window is recorded as a Disconnect gap of each instrument of the connection.
    void noteConnectionWindows();
    // For the same exchanges: a symbol silent far beyond its usual pace (at least kMinSilence and
    // kSilenceFactor times its average interval, once kCadenceTrades trades have set the pace)
    // is recorded as a Silence gap when its next trade comes.
    void noteSilence(const model::Trade &trade);
    // Book rows of venues without update ids get their journal record's number.
    void numberFromJournal(model::JournalPosition position);
    // Queues a trade-id gap for backfill where the exchange keeps a history.
    void queueBackfill(const model::Gap &gap);
    void absorbBackfill(std::uint32_t instrument, db::IngestBatch &batch);
    // The exchange's answer could not be used: on to the instrument's next gap.
    void leaveBackfillOpen(std::uint32_t instrument);

    // A trade-id gap whose trades are fetched a page at a time.
    struct PendingBackfill
    {
        model::Gap gap;
        std::int64_t found = 0; // of its missing trades
        std::int64_t cursor = 0; // of the page asked for (ExchangeAdapter::backfillUrl)
        int limit = 0; // the most trades that page may hold
        // The fetched id furthest into the gap: the lowest for Backfill::BeforeId, which pages
        // backwards, the highest otherwise.
        std::int64_t reached = 0;
    };
    int pageLimit(const PendingBackfill &pending) const;
    void requestPage(const PendingBackfill &pending);

    static constexpr std::chrono::seconds kMinSilence{60};
    static constexpr double kSilenceFactor = 100;
    static constexpr std::int64_t kCadenceTrades = 100;

    // An instrument's pace of trades, by exchange time.
    struct Cadence
    {
        std::int64_t lastTimeNs = 0;
        double typicalIntervalNs = 0;
        std::int64_t trades = 0;
    };

    const feeds::ExchangeAdapter &m_adapter;
    BackfillRequest m_onBackfill;
    std::unique_ptr<feeds::FeedNormalizer> m_normalizer;
    feeds::NormalizedOutput m_output;
    TradeSequencer m_sequencer;
    std::vector<bool> m_sequenceMoved;
    // Per instrument, its gaps in the order found; only the first one's page is asked for, so
    // an answer is always the first's.
    std::vector<std::deque<PendingBackfill>> m_backfills;
    std::vector<std::vector<std::uint32_t>> m_connections; // the instruments of each
    // Per connection (and one for unknown ones), its disconnect not yet followed by a connect.
    std::vector<std::optional<model::FeedEvent>> m_disconnected;
    std::vector<Cadence> m_cadence;
    Counts m_counts;
};

} // namespace tickscope::ingest
