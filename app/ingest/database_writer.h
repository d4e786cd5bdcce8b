// The writer thread's worker for one feed: follows the feed's journal from the database's
// checkpoint, assembles batches with the same BatchAssembler as a replay (normalizing, trade-id
// continuity, backfills), commits them by size or time with db::IngestWriter on its own connection.
// When the database is away it keeps the batch, retries with backoff and stops reading; the
// journal keeps everything meanwhile, so nothing is lost and memory stays bounded.
// A checkpoint is applied only to the journal it was taken in (journal.id); any other journal,
// or a checkpoint ahead of what the journal holds, starts a recorded epoch from the journal's
// beginning (the writes are idempotent), never a silent skip. It reads only what the feed has
// made durable (onJournalDurable).
#pragma once

#include "app/feeds/backoff.h"
#include "app/feeds/exchange_adapter.h"
#include "app/ingest/batch_assembler.h"
#include "app/ingest/journal_reader.h"
#include "app/ingest/journal_writer.h"
#include "app/ingest/live_trade_queue.h"
#include "app/model/feed_status.h"
#include "db/ingest_writer.h"

#include <QObject>
#include <QThreadPool>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <vector>

class QTimer;

namespace pqxx {
class connection;
}

namespace tickscope::ingest {

struct DatabaseWriterOptions
{
    std::string conninfo;
    std::filesystem::path journalDirectory;
    // Records at or after this are not durable yet; later ends come by onJournalDurable().
    // Nullopt: nobody is writing the journal, read all of it.
    std::optional<journal::Position> durableEnd;
    // Where this run's records begin: earlier runs wrote what is before it. A database without a
    // checkpoint of the feed takes that history only when the journal fed it, or when told so.
    journal::Position historyEnd;
    bool takeJournalHistory = false; // --from-journal-start
    std::size_t batchRows = 200'000;
    std::chrono::milliseconds flushInterval{100}; // oldest uncommitted row waits at most this
    std::chrono::milliseconds pollInterval{5};
    // Retries of the database (and of a journal it cannot read): at most 5 s apart, so that the
    // writer is back within seconds of the server however long it was away (bench_faults: 10.2 s
    // after a 5-minute stop with a 15 s cap).
    std::chrono::milliseconds retryBase{500};
    std::chrono::milliseconds retryCap{5'000};
    // Committed segments older than this are deleted (checked once a minute); zero keeps all.
    std::chrono::hours retention{0};
    // Committed trades go here for the console's charts; null when nothing draws them.
    std::shared_ptr<LiveTradeQueue> liveTrades;
};

class DatabaseWriter : public QObject
{
    Q_OBJECT
public:
    // Takes the adapter for its instruments and normalizer; it opens no connection to the exchange.
    DatabaseWriter(std::unique_ptr<feeds::ExchangeAdapter> adapter, DatabaseWriterOptions options);
    ~DatabaseWriter() override;

public slots:
    void start();
    // The feed made the journal durable up to `end`: read up to it now.
    void onJournalDurable(const tickscope::model::JournalPosition &end);
    void onSegmentSealed(const tickscope::ingest::journal::SealedSegment &segment);
    // Writes everything the journal holds, within `deadline`, then emits stopped().
    void drainAndStop(std::chrono::milliseconds deadline);

signals:
    void statusChanged(const tickscope::model::WriterStatus &status);
    // A page of the trades a trade-id gap left out is wanted (FeedSession::backfill).
    void backfillRequested(quint32 instrument, qint64 cursor, int limit);
    void stopped();

private:
    bool ensureConnected();
    void makeAssembler();
    // The server reached holds `checkpoint`, not the one this writer committed last (a failover
    // to a replica that lacked the last transactions, or a commit whose answer was lost): what
    // was read is dropped and a new assembler made, so that everything after the server's
    // checkpoint is read again from the journal, as at a start.
    void forgetWhatWasRead(const db::IngestCheckpoint &checkpoint);
    // Opens the journal at the checkpoint, or at its beginning in a new epoch.
    std::expected<void, std::string> openJournal(
        const db::IngestCheckpoint &checkpoint, journal::Identity journal);
    // Drops the connection and retries after the backoff; the batch stays for the next try.
    void databaseLost(const std::string &why);
    void pump();
    // Reads into the batch until it is full or the journal has no more durable records.
    void readRecords();
    // Commits the batch on the commit thread while the next one is read (one at a time).
    void launchCommit();
    // Takes the result of the commit in flight, waiting for it with `wait`. False when it failed
    // and the database is away: the failed batch, followed by what was read since, is the batch
    // again and is retried after the backoff. A batch refused for its content is isolated here.
    bool settleCommit(bool wait);
    // Counts what a committed batch held and moves the status's checkpoint.
    void committed(const db::IngestBatch &batch, const db::BatchReceipt &receipt);
    // The database refused the batch for its content: commit all but the records at fault.
    bool isolateRefusedRecords();
    // Writes the refused single-record batch's record to audit.quarantine instead of its rows;
    // false when the database went away meanwhile.
    bool quarantine(const db::IngestBatch &refused, const std::exception &error);
    // The journal cannot be read on from here: skip to the next segment, recording the loss.
    void journalRefused(const std::string &why);
    void setAsideUnreadable(const std::string &why);
    void absorb(const journal::Record &record);
    void publishStatus();
    void pruneJournal();

    std::unique_ptr<feeds::ExchangeAdapter> m_adapter;
    DatabaseWriterOptions m_options;
    std::unique_ptr<pqxx::connection> m_connection;
    std::unique_ptr<db::IngestWriter> m_writer;
    std::unique_ptr<journal::JournalReader> m_reader;
    std::unique_ptr<BatchAssembler> m_assembler; // made on the writer thread, at start()
    BatchAssembler::Counts m_earlierCounts; // of assemblers replaced by a checkpoint followed
    // The checkpoint the database holds as far as this writer knows: loaded, then committed.
    std::pair<std::optional<model::JournalPosition>, std::optional<std::string>> m_stored;
    // Sealed segments recorded by recent commits, recorded again should those commits be lost.
    std::deque<model::JournalSegment> m_recentlySealed;
    db::IngestBatch m_batch; // being read
    std::unique_ptr<db::IngestBatch> m_inFlight; // being committed
    std::future<db::BatchReceipt> m_receipt; // of m_inFlight
    // One long-lived thread for every commit of this feed (a thread per commit, about 50 a
    // second, fragmented the heap). Declared after what its commit uses: it is joined first.
    QThreadPool m_committer;
    std::optional<std::chrono::steady_clock::time_point> m_batchStarted;
    bool m_atJournalEnd = false; // the last read found nothing more
    feeds::Backoff m_backoff;
    std::chrono::steady_clock::time_point m_retryAt;
    // When the system refused to open or read the journal: when to try again.
    feeds::Backoff m_journalBackoff;
    std::chrono::steady_clock::time_point m_journalRetryAt;
    std::chrono::steady_clock::time_point m_prunedAt;
    QTimer *m_pollTimer = nullptr;
    QTimer *m_statusTimer = nullptr;
    model::WriterStatus m_status;
    std::vector<double> m_latenciesMs;
    std::vector<double> m_exchangeDelaysMs; // exchange time -> receive, this second
    std::vector<model::LiveTrade> m_liveTrades; // reused for each committed batch
    std::int64_t m_duplicatesCommitted = 0; // found by the database's unique keys
};

} // namespace tickscope::ingest
