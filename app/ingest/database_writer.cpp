#include "app/ingest/database_writer.h"

#include "app/model/wall_clock.h"
#include "db/connection.h"
#include "db/instrument_registry.h"

#include <QThread>
#include <QTimer>
#include <algorithm>
#include <deque>
#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace tickscope::ingest {

namespace {

double percentile(std::vector<double> &values, double fraction)
{
    if (values.empty())
        return 0;
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
    std::nth_element(
        values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
    return values[index];
}

} // namespace

DatabaseWriter::DatabaseWriter(
    std::unique_ptr<feeds::ExchangeAdapter> adapter, DatabaseWriterOptions options)
    : m_adapter(std::move(adapter))
    , m_options(std::move(options))
    , m_committer(this) // a child: it moves to the writer thread with the writer
    , m_backoff(m_options.retryBase, m_options.retryCap)
    , m_journalBackoff(m_options.retryBase, m_options.retryCap)
{
    m_status.feed = m_adapter->feedName();
    m_committer.setMaxThreadCount(1);
    m_committer.setExpiryTimeout(-1);
    m_committer.setObjectName(QString::fromStdString("commit-" + m_status.feed));
}

DatabaseWriter::~DatabaseWriter() = default;

void DatabaseWriter::makeAssembler()
{
    if (m_assembler)
        m_earlierCounts += m_assembler->counts();
    m_assembler = std::make_unique<BatchAssembler>(
        *m_adapter, [this](std::uint32_t instrument, std::int64_t cursor, int limit) {
            emit backfillRequested(instrument, cursor, limit);
        });
}

void DatabaseWriter::start()
{
    makeAssembler();
    m_pollTimer = new QTimer(this);
    m_pollTimer->setInterval(m_options.pollInterval);
    connect(m_pollTimer, &QTimer::timeout, this, &DatabaseWriter::pump);
    m_pollTimer->start();
    m_statusTimer = new QTimer(this);
    m_statusTimer->setInterval(std::chrono::seconds(1));
    connect(m_statusTimer, &QTimer::timeout, this, &DatabaseWriter::publishStatus);
    m_statusTimer->start();
    pump();
}

bool DatabaseWriter::ensureConnected()
{
    if (m_writer)
        return true;
    if (std::chrono::steady_clock::now() < m_retryAt)
        return false;
    try {
        // The identity was checked when the run began: failing now, the system refuses (or
        // someone replaced the file); tried again, with the reason in the status and an alert.
        const auto journal = journal::openIdentity(m_options.journalDirectory);
        if (!journal) {
            journalRefused(journal.error());
            m_retryAt = m_journalRetryAt;
            return false;
        }
        m_connection = std::make_unique<pqxx::connection>(
            db::connect(m_options.conninfo, "ingest " + m_status.feed));
        const auto ids = db::registerInstruments(*m_connection, m_adapter->instruments().all());
        m_writer
            = std::make_unique<db::IngestWriter>(*m_connection, m_status.feed, ids, journal->id);
        const auto checkpoint = m_writer->loadCheckpoint();
        const std::pair stored{checkpoint.position, checkpoint.journalId};
        // First connection: continue from the checkpoint, with the sequences as they were.
        // Later ones continue where they were when the server holds what they committed.
        if (!m_reader || stored != m_stored) {
            if (m_reader)
                forgetWhatWasRead(checkpoint);
            m_assembler->resume(checkpoint);
            if (auto opened = openJournal(checkpoint, *journal); !opened) {
                m_writer.reset();
                m_connection.reset();
                journalRefused(opened.error());
                m_retryAt = m_journalRetryAt;
                return false;
            }
            m_stored = stored;
        }
        m_status.state = m_atJournalEnd ? model::WriterStatus::State::Live
                                        : model::WriterStatus::State::Replaying;
        m_backoff.reset();
        m_status.lastError.clear();
        return true;
    } catch (const std::exception &error) {
        databaseLost(error.what());
        return false;
    }
}

void DatabaseWriter::forgetWhatWasRead(const db::IngestCheckpoint &checkpoint)
{
    const auto describe = [](const std::optional<model::JournalPosition> &position) {
        return position ? std::format("segment {} record {}", position->segment, position->index)
                        : std::string("none");
    };
    spdlog::warn("writer {}: the database's checkpoint ({}) is not the one this writer committed "
                 "last ({}): the server lacks transactions it acknowledged (a failover) or "
                 "holds one whose answer was lost; reading the journal again from the database's",
        m_status.feed, describe(checkpoint.position), describe(m_stored.first));
    ++m_status.checkpointsFollowed;
    // What came from the journal is read again; the sealed segments came from the journal's
    // writer, so those of the commits the server may have lost go with the next batch (recorded
    // once: the insert skips those it holds).
    std::vector<model::JournalSegment> sealed(m_recentlySealed.begin(), m_recentlySealed.end());
    std::ranges::move(m_batch.sealedSegments, std::back_inserter(sealed));
    m_batch = {};
    m_batch.sealedSegments = std::move(sealed);
    m_batchStarted.reset();
    if (!m_batch.sealedSegments.empty())
        m_batchStarted = std::chrono::steady_clock::now();
    makeAssembler();
}

std::expected<void, std::string> DatabaseWriter::openJournal(
    const db::IngestCheckpoint &checkpoint, journal::Identity journal)
{
    const std::string &journalId = journal.id;
    const auto listed = journal::listSegments(m_options.journalDirectory);
    if (!listed)
        return std::unexpected(listed.error());
    const std::vector<std::int64_t> &segments = *listed;
    const std::string database = db::installationId(*m_connection);
    std::string reason;
    if (checkpoint.position) {
        const auto &position = *checkpoint.position;
        const bool segmentThere = std::ranges::binary_search(segments, position.segment);
        const std::int64_t last = segments.empty() ? -1 : segments.back();
        if (checkpoint.journalId != journalId)
            reason = checkpoint.journalId
                ? std::format("the checkpoint belongs to journal {}, but {} holds journal {}",
                      *checkpoint.journalId, m_options.journalDirectory.string(), journalId)
                : std::format("the checkpoint names no journal (it was taken before journals "
                              "had an identity); {} holds journal {}",
                      m_options.journalDirectory.string(), journalId);
        else if (!segmentThere && position.segment > last && position.index > 0)
            reason = std::format("the checkpoint (segment {} record {}) is ahead of the journal, "
                                 "whose last segment is {}",
                position.segment, position.index, last);
        else if (!segmentThere && position.segment < last)
            reason = std::format("segment {} of the checkpoint is gone from the journal; what it "
                                 "held after record {} cannot be committed",
                position.segment, position.index);
    }
    model::JournalPosition start = checkpoint.position.value_or(model::JournalPosition{});
    if (!reason.empty()) {
        // Everything the journal holds is read again; what is stored already is skipped by the
        // unique keys, so nothing is lost and nothing doubled.
        start = {};
        m_batch.epoch = db::JournalEpoch{checkpoint.journalId, checkpoint.position, reason};
        m_batchStarted = std::chrono::steady_clock::now();
        ++m_status.epochs;
        spdlog::warn("writer {}: new journal epoch: {}; reading the journal from its beginning",
            m_status.feed, reason);
    } else if (!checkpoint.position && m_options.historyEnd > model::JournalPosition{}) {
        // No checkpoint of this feed, and the journal holds earlier runs. Its own (a first
        // batch that never committed) are taken, and so are those of runs that never reached a
        // database (this build names the source at once, the database once it is reached);
        // another database's are not, nor a journal's from before journals named either,
        // unless asked.
        const bool fedThisDatabase = journal.database == database;
        const bool fedNoDatabase = journal.database.empty() && !journal.source.empty();
        if (fedThisDatabase || fedNoDatabase || m_options.takeJournalHistory) {
            spdlog::info("writer {}: the database holds no checkpoint of the feed; taking what "
                         "journal {} holds from its beginning ({})",
                m_status.feed, journalId,
                fedThisDatabase     ? "it fed this database"
                    : fedNoDatabase ? "it fed no database yet"
                                    : "--from-journal-start");
        } else {
            start = m_options.historyEnd;
            const std::string whose = journal.database.empty()
                ? std::string("runs before journals named their database")
                : std::format("database {}", journal.database);
            reason = std::format("the database holds no checkpoint of feed {}, and journal {} "
                                 "holds segments before {} that fed {}: they are not taken "
                                 "(--from-journal-start takes them)",
                m_status.feed, journalId, start.segment, whose);
            // The skip is recorded at once, with the checkpoint after it, so that the next
            // start does not take that history either.
            m_batch.epoch = db::JournalEpoch{std::nullopt, std::nullopt, reason};
            m_batch.checkpoint = start;
            m_batchStarted = std::chrono::steady_clock::now();
            ++m_status.epochs;
            spdlog::warn("writer {}: {}; reading the journal from segment {}", m_status.feed,
                reason, start.segment);
        }
    }
    if (journal.database != database) {
        journal.database = database;
        if (auto bound = journal::bindIdentity(m_options.journalDirectory, journal); !bound)
            spdlog::warn("writer {}: the journal does not name its database: {}", m_status.feed,
                bound.error());
    }
    m_status.committed = start;
    m_reader = std::make_unique<journal::JournalReader>(m_options.journalDirectory);
    m_reader->setEnd(m_options.durableEnd);
    m_reader->seek(start);
    spdlog::info("writer {}: reading journal {} from segment {} record {}", m_status.feed,
        journalId, start.segment, start.index);
    return {};
}

void DatabaseWriter::databaseLost(const std::string &why)
{
    m_writer.reset();
    m_connection.reset();
    m_status.state = model::WriterStatus::State::DatabaseDown;
    m_status.lastError = why;
    const auto delay = m_backoff.next();
    m_retryAt = std::chrono::steady_clock::now() + delay;
    spdlog::warn("writer {}: {}; retrying in {} ms", m_status.feed, why, delay.count());
}

void DatabaseWriter::onJournalDurable(const model::JournalPosition &end)
{
    m_options.durableEnd = end;
    if (m_reader)
        m_reader->setEnd(end);
    pump();
}

void DatabaseWriter::onSegmentSealed(const journal::SealedSegment &segment)
{
    m_batch.sealedSegments.push_back(segment);
    if (!m_batchStarted)
        m_batchStarted = std::chrono::steady_clock::now();
}

void DatabaseWriter::absorb(const journal::Record &record)
{
    const std::size_t eventsBefore = m_batch.feedEvents.size();
    m_assembler->absorb(
        {record.kind, record.tag, record.receivedAtNs, record.payload}, record.position, m_batch);
    for (std::size_t i = eventsBefore; i < m_batch.feedEvents.size(); ++i) {
        if (m_batch.feedEvents[i].kind == model::FeedEvent::Kind::Error)
            spdlog::warn("feed {}: {}", m_status.feed, m_batch.feedEvents[i].detail);
    }
    if (!m_batchStarted)
        m_batchStarted = std::chrono::steady_clock::now();
    m_batch.checkpoint = model::JournalPosition{record.position.segment, record.position.index + 1};
}

void DatabaseWriter::readRecords()
{
    if (std::chrono::steady_clock::now() < m_journalRetryAt)
        return;
    // With a commit in flight (or a failed one waiting for its retry) at most two batches are
    // held: a database that keeps refusing makes the writer stop reading, not grow.
    while (m_batch.rows() + (m_inFlight ? m_inFlight->rows() : 0) < 2 * m_options.batchRows
        && m_batch.rows() < m_options.batchRows) {
        auto record = m_reader->next();
        if (!record && record.error().kind == journal::ReadError::Kind::Io) {
            journalRefused(record.error().message);
            return;
        }
        if (!record) {
            setAsideUnreadable(record.error().message);
            continue;
        }
        if (m_journalBackoff.attempts() > 0) {
            spdlog::info("writer {}: the journal can be read again", m_status.feed);
            m_journalBackoff.reset();
            m_status.lastError.clear();
        }
        m_atJournalEnd = !*record;
        m_status.state = m_atJournalEnd ? model::WriterStatus::State::Live
                                        : model::WriterStatus::State::Replaying;
        if (!*record)
            return;
        absorb(**record);
    }
}

void DatabaseWriter::launchCommit()
{
    // The positions as of this batch's end (a retried batch keeps its own and adds the later
    // ones); the next batch's count from here.
    db::mergeSequencePositions(m_batch.sequencePositions, m_assembler->sequencePositions());
    m_assembler->batchCommitted();
    m_inFlight = std::make_unique<db::IngestBatch>(std::move(m_batch));
    m_batch = {};
    m_batchStarted.reset();
    // The writer thread assembles the next batch while the server stores this one; the
    // IngestWriter and its connection are the commit's alone until settleCommit() has its result.
    auto commit = std::make_shared<std::packaged_task<db::BatchReceipt()>>(
        [writer = m_writer.get(), batch = m_inFlight.get()] { return writer->write(*batch); });
    m_receipt = commit->get_future();
    m_committer.start([commit] { (*commit)(); });
}

bool DatabaseWriter::settleCommit(bool wait)
{
    if (!m_inFlight)
        return true;
    if (!wait && m_receipt.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return true;
    std::unique_ptr<db::IngestBatch> batch = std::move(m_inFlight);
    try {
        committed(*batch, m_receipt.get());
        pruneJournal();
        return true;
    } catch (const std::exception &error) {
        // What was read after it is committed after it: they are retried as one batch, with
        // the sequence positions as of its end.
        db::mergeSequencePositions(m_batch.sequencePositions, m_assembler->sequencePositions());
        m_assembler->batchCommitted();
        batch->append(std::move(m_batch));
        m_batch = std::move(*batch);
        if (!m_batchStarted)
            m_batchStarted = std::chrono::steady_clock::now();
        if (db::classifyWriteFailure(error) != db::WriteFailure::Data || m_batch.records.empty()) {
            databaseLost(
                std::format("batch of {} rows not written: {}", m_batch.rows(), error.what()));
            return false;
        }
        if (!isolateRefusedRecords())
            return false;
        m_batch = {};
        m_batchStarted.reset();
        pruneJournal();
        return true;
    }
}

void DatabaseWriter::pruneJournal()
{
    const auto now = std::chrono::steady_clock::now();
    if (m_options.retention.count() == 0 || now - m_prunedAt < std::chrono::minutes(1))
        return;
    m_prunedAt = now;
    // Only segments before the checkpoint's: everything in them is committed.
    const auto pruned = journal::pruneSegments(
        m_options.journalDirectory, m_status.committed.segment, m_options.retention);
    if (!pruned.empty())
        spdlog::info("writer {}: deleted journal segments {}..{}, committed and older than {} h",
            m_status.feed, pruned.front(), pruned.back(), m_options.retention.count());
    m_status.segmentsPruned += static_cast<std::int64_t>(pruned.size());
}

void DatabaseWriter::committed(const db::IngestBatch &batch, const db::BatchReceipt &receipt)
{
    const std::int64_t committedAt = model::wallClockNs();
    m_liveTrades.clear();
    for (const auto &trade : batch.trades) {
        const double latencyNs = static_cast<double>(committedAt - trade.receivedAtNs);
        m_latenciesMs.push_back(latencyNs / 1e6);
        m_exchangeDelaysMs.push_back(
            static_cast<double>(trade.receivedAtNs - trade.exchangeTimeNs) / 1e6);
        m_status.commitLatency.add(latencyNs / 1e9);
        auto &prices = m_status.lastPrices;
        auto it = std::ranges::find(prices, trade.instrument, &model::LastPrice::instrument);
        if (it == prices.end())
            it = prices.insert(prices.end(),
                {.instrument = trade.instrument,
                    .symbol = m_adapter->instruments().at(trade.instrument).symbol,
                    .firstReceivedNs = trade.receivedAtNs});
        it->timeNs = trade.exchangeTimeNs;
        it->price = trade.price.toDouble();
        ++it->trades;
        it->lastReceivedNs = std::max(it->lastReceivedNs, trade.receivedAtNs);
        if (m_options.liveTrades)
            m_liveTrades.push_back(
                {trade.instrument, trade.exchangeTimeNs, it->price, trade.size.toDouble()});
    }
    if (m_options.liveTrades)
        m_options.liveTrades->push(m_liveTrades);
    m_status.rowsCommitted += static_cast<std::int64_t>(receipt.rowsWritten);
    m_status.tradesCommitted += static_cast<std::int64_t>(batch.trades.size());
    m_duplicatesCommitted += static_cast<std::int64_t>(receipt.duplicates);
    m_status.quarantined += static_cast<std::int64_t>(batch.quarantined.size());
    ++m_status.batchesCommitted;
    for (std::size_t phase = 0; phase < receipt.phaseSeconds.size(); ++phase)
        m_status.writeSeconds[phase] += receipt.phaseSeconds[phase];
    if (batch.checkpoint) {
        m_status.committed = *batch.checkpoint;
        m_stored = {batch.checkpoint, m_writer->journalId()};
    }
    for (const auto &segment : batch.sealedSegments) {
        m_recentlySealed.push_back(segment);
        if (m_recentlySealed.size() > 16)
            m_recentlySealed.pop_front();
    }
}

bool DatabaseWriter::isolateRefusedRecords()
{
    // Halves the refused part until single records remain: the good halves are committed, each
    // record the database refuses alone is quarantined with its raw bytes, the rest goes on.
    const std::size_t count = m_batch.records.size();
    std::deque<std::pair<std::size_t, std::size_t>> todo{{0, count}};
    std::size_t done = 0;
    while (!todo.empty()) {
        const auto [first, last] = todo.front();
        db::IngestBatch part = m_batch.slice(first, last);
        try {
            committed(part, m_writer->write(part));
            todo.pop_front();
            done = last;
            continue;
        } catch (const std::exception &error) {
            if (db::classifyWriteFailure(error) != db::WriteFailure::Data) {
                // What is committed stays so; the rest is retried when the database is back.
                m_batch = m_batch.slice(done, count);
                databaseLost(std::format("batch not written: {}", error.what()));
                return false;
            }
            todo.pop_front();
            if (last - first > 1) {
                const std::size_t middle = first + (last - first) / 2;
                todo.push_front({middle, last});
                todo.push_front({first, middle});
                continue;
            }
            if (!quarantine(part, error)) {
                m_batch = m_batch.slice(first, count);
                return false;
            }
            done = last;
        }
    }
    return true;
}

bool DatabaseWriter::quarantine(const db::IngestBatch &refused, const std::exception &error)
{
    const auto position = refused.records.front().position;
    db::QuarantinedRecord record{.position = position,
        .sqlstate = db::sqlstateOf(error),
        .error = feeds::quoteForAudit(error.what(), 2000)};
    journal::JournalReader reader{m_options.journalDirectory};
    reader.seek(position);
    if (auto raw = reader.next(); raw && *raw) {
        record.receivedAtNs = (*raw)->receivedAtNs;
        record.payload = std::move((*raw)->payload);
        record.kind = (*raw)->kind == feeds::RawKind::WebSocketText ? "frame"
            : (*raw)->kind == feeds::RawKind::RestResponse          ? "rest"
                                                                    : "marker";
    }
    if (record.kind.empty())
        record.kind = "unreadable";
    spdlog::error("writer {}: the database refused journal segment {} record {} ({} rows): {}; "
                  "quarantined in audit.quarantine",
        m_status.feed, position.segment, position.index, refused.rows(), record.error);
    m_status.lastError = std::format(
        "quarantined segment {} record {}: {}", position.segment, position.index, record.error);
    // The record's rows are dropped; what concerns the whole batch is kept.
    db::IngestBatch setAside = refused;
    setAside.trades.clear();
    setAside.deltas.clear();
    setAside.snapshots.clear();
    setAside.feedEvents.clear();
    setAside.gaps.clear();
    setAside.quarantined.push_back(std::move(record));
    // Should what concerns the whole batch be refused too, the quarantine and the checkpoint
    // are written without it.
    db::IngestBatch minimal;
    minimal.quarantined = setAside.quarantined;
    minimal.checkpoint = setAside.checkpoint;
    for (const db::IngestBatch *attempt : {&setAside, &minimal}) {
        try {
            committed(*attempt, m_writer->write(*attempt));
            return true;
        } catch (const std::exception &again) {
            if (attempt == &minimal || db::classifyWriteFailure(again) != db::WriteFailure::Data) {
                databaseLost(std::format("quarantine not written: {}", again.what()));
                return false;
            }
            spdlog::error("writer {}: the batch's audit rows were refused too and are dropped "
                          "({} resolved gaps, {} sealed segments): {}",
                m_status.feed, setAside.resolvedGaps.size(), setAside.sealedSegments.size(),
                again.what());
        }
    }
    return false;
}

void DatabaseWriter::journalRefused(const std::string &why)
{
    // Nothing was read, the checkpoint stays where it is, and the same place is read again
    // after the backoff: the system refused (descriptors, I/O), the journal is not corrupt.
    const auto delay = m_journalBackoff.next();
    m_journalRetryAt = std::chrono::steady_clock::now() + delay;
    m_status.state = model::WriterStatus::State::JournalUnreadable;
    m_status.lastError = why;
    spdlog::warn(
        "writer {}: {}; reading the journal again in {} ms", m_status.feed, why, delay.count());
}

void DatabaseWriter::setAsideUnreadable(const std::string &why)
{
    const auto skipped = m_reader->skipSegment();
    spdlog::error("writer {}: {}; the rest of segment {} from record {} is quarantined, reading "
                  "goes on with the next segment",
        m_status.feed, why, skipped.segment, skipped.index);
    m_status.lastError = why;
    m_batch.quarantined.push_back(
        {.position = skipped, .kind = "unreadable", .error = feeds::quoteForAudit(why, 2000)});
    m_batch.checkpoint = model::JournalPosition{skipped.segment + 1, 0};
    if (!m_batchStarted)
        m_batchStarted = std::chrono::steady_clock::now();
}

void DatabaseWriter::pump()
{
    if (!settleCommit(false) || !ensureConnected())
        return;
    for (;;) {
        readRecords();
        const bool full = m_batch.rows() >= m_options.batchRows;
        const bool due = m_batchStarted
            && std::chrono::steady_clock::now() - *m_batchStarted >= m_options.flushInterval;
        if ((!full && !due) || m_batch.empty())
            return;
        if (!settleCommit(true))
            return;
        launchCommit();
        if (!full)
            return;
    }
}

void DatabaseWriter::drainAndStop(std::chrono::milliseconds deadline)
{
    m_pollTimer->stop();
    // A stop does not wait for a database that is away: what is not committed stays in the
    // journal for the next start. One attempt now, whatever the backoff says; a failure ends it.
    m_retryAt = {};
    bool reachable = true;
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (!settleCommit(true) || !ensureConnected()) {
            reachable = false;
            break;
        }
        readRecords();
        if (m_batch.empty())
            break;
        launchCommit();
    }
    reachable = settleCommit(true) && reachable;
    if (!reachable)
        spdlog::warn("writer {}: stopping before everything is committed ({}); the journal keeps "
                     "{}, and the next start commits it",
            m_status.feed, m_status.lastError,
            m_reader ? std::format("everything after segment {} record {}",
                           m_status.committed.segment, m_status.committed.index)
                     : std::string("every record the database has not committed"));
    else if (!m_batch.empty())
        spdlog::warn("writer {}: stopping with {} rows not yet written; they stay in the journal "
                     "and are written at the next start",
            m_status.feed, m_batch.rows());
    m_status.state = model::WriterStatus::State::Stopped;
    publishStatus();
    emit stopped();
}

void DatabaseWriter::publishStatus()
{
    BatchAssembler::Counts counts = m_earlierCounts;
    if (m_assembler)
        counts += m_assembler->counts();
    m_status.duplicatesSkipped = m_duplicatesCommitted + counts.duplicatesSkipped;
    m_status.gapsFound = counts.gapsFound;
    m_status.gapsBackfilled = counts.gapsBackfilled;
    m_status.malformedFrames = counts.malformedFrames;
    m_status.unknownSymbolFrames = counts.unknownSymbolFrames;
    if (counts.lastGap) {
        m_status.lastGap = *counts.lastGap;
        m_status.lastGapSymbol = m_adapter->instruments().at(counts.lastGap->instrument).symbol;
    }
    m_status.pendingRows
        = static_cast<std::int64_t>(m_batch.rows() + (m_inFlight ? m_inFlight->rows() : 0));
    m_status.latencyP50Ms = percentile(m_latenciesMs, 0.50);
    m_status.latencyP99Ms = percentile(m_latenciesMs, 0.99);
    m_latenciesMs.clear();
    m_status.exchangeDelayP50Ms = percentile(m_exchangeDelaysMs, 0.50);
    m_status.exchangeDelayP99Ms = percentile(m_exchangeDelaysMs, 0.99);
    m_exchangeDelaysMs.clear();
    emit statusChanged(m_status);
}

} // namespace tickscope::ingest
