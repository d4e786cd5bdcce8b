// The writer thread's side of the database: writes one batch of normalized market data with COPY
// in one transaction, together with its audit rows (ingest_batches, gaps, journal segments), the
// sequence positions and the journal checkpoint, so a batch is either wholly there or not at all.
// Replays are idempotent: a batch that overlaps rows already stored goes through a staging table
// and ON CONFLICT DO NOTHING instead.
#pragma once

#include "app/model/book.h"
#include "app/model/book_integrity.h"
#include "app/model/feed_event.h"
#include "app/model/feed_status.h"
#include "app/model/gap.h"
#include "app/model/journal_position.h"
#include "app/model/trade.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <utility>
#include <vector>

namespace tickscope::db {

// The last sequence number of an instrument as of the batch's end.
struct SequencePosition
{
    std::uint32_t instrument = 0;
    model::Gap::Kind kind = model::Gap::Kind::TradeId;
    std::int64_t lastSequence = 0;
    std::int64_t lastTimeNs = 0;
};

// A gap whose fate is known: its missing rows were fetched, or the exchange has none of them.
struct ResolvedGap
{
    model::Gap gap;
    bool backfilled = false; // false: unrecoverable
    std::string note;
};

// The writer began reading its journal afresh instead of continuing from the checkpoint.
struct JournalEpoch
{
    std::optional<std::string> previousJournalId;
    std::optional<model::JournalPosition> previousPosition;
    std::string reason;
};

// A journal record set aside instead of stored: the database refused what it produced, or the
// journal could not be read from it on (unreadable, no payload).
struct QuarantinedRecord
{
    model::JournalPosition position;
    std::int64_t receivedAtNs = 0;
    std::string kind; // frame, rest, marker, unreadable
    std::optional<std::string> payload;
    std::string sqlstate;
    std::string error;
};

// Where one journal record's rows end in a batch, so that a batch the database refuses can be
// split to find the record at fault.
struct RecordSpan
{
    model::JournalPosition position;
    std::size_t tradesEnd = 0;
    std::size_t deltasEnd = 0;
    std::size_t snapshotsEnd = 0;
    std::size_t feedEventsEnd = 0;
    std::size_t gapsEnd = 0;
};

struct IngestBatch
{
    std::vector<model::Trade> trades;
    std::vector<model::BookDelta> deltas;
    std::vector<model::BookSnapshot> snapshots;
    std::vector<model::Gap> gaps;
    std::vector<model::FeedEvent> feedEvents;
    std::vector<ResolvedGap> resolvedGaps;
    std::vector<model::BookIntegrity> bookIntegrity; // per instrument and minute, added up
    std::vector<SequencePosition> sequencePositions;
    std::vector<model::JournalSegment> sealedSegments;
    std::optional<model::JournalPosition> checkpoint; // first journal record after this batch
    std::optional<JournalEpoch> epoch; // recorded with the batch's checkpoint
    std::vector<QuarantinedRecord> quarantined;
    std::vector<RecordSpan> records; // in journal order; the first is where the batch started

    bool empty() const
    {
        return trades.empty() && deltas.empty() && snapshots.empty() && gaps.empty()
            && feedEvents.empty() && resolvedGaps.empty() && bookIntegrity.empty()
            && sealedSegments.empty() && !checkpoint && !epoch && quarantined.empty();
    }
    std::size_t rows() const { return trades.size() + deltas.size() + snapshots.size(); }

    // Adds `later`, the batch read after this one, behind it: one batch that commits both.
    void append(IngestBatch &&later);

    // The rows, gaps and events of records [first, last), with the checkpoint after the last of
    // them; what concerns the whole batch (resolved gaps, book integrity, sequence positions,
    // sealed segments, the epoch, quarantined records) goes with the slice that ends the batch.
    IngestBatch slice(std::size_t first, std::size_t last) const;
};

// Adds `later` to `positions`, a later position of the same instrument and kind replacing its
// earlier one.
void mergeSequencePositions(
    std::vector<SequencePosition> &positions, const std::vector<SequencePosition> &later);

struct BatchReceipt
{
    std::size_t rowsWritten = 0; // new rows; a replay's duplicates are not counted
    std::size_t duplicates = 0;
    bool staged = false;
    std::chrono::microseconds duration{0};
    model::WriteSeconds phaseSeconds{};
};

// What a restarted feed continues from.
struct IngestCheckpoint
{
    std::optional<model::JournalPosition> position;
    std::optional<std::string> journalId; // the journal the position is in; none before 0004
    std::vector<SequencePosition> sequences;
    std::vector<model::Gap> openTradeGaps; // still to be backfilled (a restart forgot the request)
};

// What one table of a batch contributed, for its audit.ingest_batches row.
struct TableSummary
{
    const char *table = nullptr;
    std::size_t rows = 0;
    std::size_t written = 0;
    std::int64_t firstTimeNs = 0;
    std::int64_t lastTimeNs = 0;
    std::int64_t checksum = 0; // XXH64 of the table's binary COPY data
};

// What a failed write means for the batch.
enum class WriteFailure {
    Connection, // the server is away or refused for now: retry the batch later
    Data, // the server refused what the batch holds (SQLSTATE class 22 or 23): isolate it
};
WriteFailure classifyWriteFailure(const std::exception &error);
// The SQLSTATE of a libpqxx error, empty for other errors.
std::string sqlstateOf(const std::exception &error);

// The database's own id (audit.installation): what a journal records as the database it feeds.
std::string installationId(pqxx::connection &connection);

class IngestWriter
{
public:
    // `instrumentIds[i]` is the database id of the feed's instrument i (registerInstruments);
    // checkpoints are stored as positions in the journal `journalId`.
    IngestWriter(pqxx::connection &connection, std::string feed, std::vector<int> instrumentIds,
        std::string journalId = {});

    // Throws pqxx exceptions when the database fails; the batch is then not written at all.
    BatchReceipt write(const IngestBatch &batch);

    IngestCheckpoint loadCheckpoint();
    // The journal this writer's checkpoints name (none: a replay of a capture).
    std::optional<std::string> journalId() const
    {
        return m_journalId.empty() ? std::nullopt : std::optional(m_journalId);
    }

    // Write through the staging tables from the start (replaying a journal after a crash).
    void setStaging(bool staging) { m_staging = staging; }

private:
    // Adds the time since its previous lap to one phase of a batch.
    class PhaseClock
    {
    public:
        void lap(model::WritePhase phase);
        model::WriteSeconds seconds{};

    private:
        std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
    };

    BatchReceipt writeOnce(const IngestBatch &batch, bool staging);
    // The audit rows, the sequence positions and the checkpoint, then COMMIT.
    BatchReceipt finishBatch(const IngestBatch &batch, bool staging,
        std::vector<TableSummary> summaries, PhaseClock &clock, const std::string &startedAt);
    void rollback();

    pqxx::connection &m_connection;
    std::string m_feed;
    std::vector<int> m_instrumentIds;
    std::string m_journalId;
    bool m_staging = false;
    // The finest scale of each instrument's prices and sizes so far (unitsAtFinest).
    std::vector<std::pair<std::int8_t, std::int8_t>> m_finestScales;
};

} // namespace tickscope::db
