// The feed thread's worker for one feed: its connections (one FeedConnection per group of
// instruments whose streams fit in one connection of the exchange) and its journal. Every text
// frame is appended, with its receive time, to the feed's journal before anything else happens
// to it; the database writer follows that journal. Besides, this keeps the order books
// synchronised the way the exchange allows (REST snapshots, which are journaled too, or a
// resubscription) and fetches trades for gaps. When the journal cannot be written it pauses
// (closes the connections: nothing may be received that is not journaled) and resumes when it
// can again: a full disk once there is room, any other refusal (EIO, EMFILE, ...) by trying
// again with backoff; the window is journaled as an outage gap with its cause. Connection events
// go into the journal as markers, so audit.feed_events is written from the journal as well.
#pragma once

#include "app/feeds/backoff.h"
#include "app/feeds/exchange_adapter.h"
#include "app/feeds/request_pacer.h"
#include "app/ingest/feed_connection.h"
#include "app/ingest/journal_writer.h"
#include "app/ingest/rest_client.h"
#include "app/model/feed_status.h"

#include <QObject>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

class QTimer;

namespace tickscope::ingest {

struct FeedSessionOptions
{
    std::filesystem::path journalDirectory; // this feed's own folder
    journal::WriterOptions journal;
    std::chrono::milliseconds flushInterval{2}; // journal -> operating system
    std::chrono::milliseconds syncInterval{50}; // journal -> disk, and so to the writer
    FeedConnectionOptions connection; // each connection's keep-alive, reconnects, size limit
    // Larger REST answers are dropped: far above any exchange's real ones, far below what would
    // exhaust memory.
    std::int64_t maxRestBytes = 64 << 20;
    // Below this much free space on the journal's disk the feed warns; after the disk filled up
    // it resumes once this much is free again.
    std::uint64_t minFreeBytes = 1024ull << 20;
};

class FeedSession : public QObject
{
    Q_OBJECT
public:
    FeedSession(std::unique_ptr<feeds::ExchangeAdapter> adapter, FeedSessionOptions options);
    ~FeedSession() override;

public slots:
    void start();
    // Closes the connection, seals the journal and emits stopped().
    void stop();
    // Fetches a page of up to `limit` trades of `instrument` from `cursor` (as
    // ExchangeAdapter::backfillUrl takes it) over REST and journals it, for the writer to fill a
    // gap with.
    void backfill(std::uint32_t instrument, qint64 cursor, int limit);

signals:
    void statusChanged(const tickscope::model::FeedStatus &status);
    void segmentSealed(const tickscope::ingest::journal::SealedSegment &segment);
    // The journal holds every record before `end` durably (synced to disk).
    void journalDurable(const tickscope::model::JournalPosition &end);
    void stopped();
    // The feed cannot go on (its journal cannot be written); it has closed its connection.
    void failed(const QString &why);

private:
    void openConnections();
    void closeConnections(bool handshake);
    FeedConnection *connectionOf(std::uint32_t instrument) const;
    void onConnected(FeedConnection &connection, std::uint32_t index, const QString &url);
    void onFrame(FeedConnection &connection, const QString &frame);
    // Sends a subscribe or unsubscribe message on connection `index` within the exchange's
    // control-message limit (ExchangeTraits::controlLimit), later when the limit says so.
    void sendControl(std::uint32_t index, const QByteArray &message);
    static feeds::RequestPacer controlPacer(const feeds::ExchangeTraits::ControlLimit &limit);
    // The normalizer lost `instrument`'s book: rebuild it the way the exchange allows.
    void resynchronizeBook(std::uint32_t instrument);
    void fetchSnapshot(std::uint32_t instrument);
    // GETs `url` (RestClient: within the exchange's limit, until answered) and journals the
    // answer as a REST response on `topic` for `instrument`, then hands the journaled message to
    // `then`.
    void fetchRest(const QUrl &url, feeds::RestTopic topic, std::uint32_t instrument,
        const QString &what, std::function<void(const feeds::RawMessage &message)> then);
    void record(feeds::RawKind kind, std::uint32_t tag, std::string_view payload,
        std::int64_t receivedAtNs);
    // A connection event (of connection `connection`, its index) into the journal.
    void marker(model::FeedEvent::Kind kind, const QString &detail, std::uint32_t connection = 0);
    void flushJournal();
    // Tells the writer about sealed segments and what is durable now.
    void announceJournal();
    void publishStatus();
    // A journal write failed: pause until it can be written again.
    void pause(const std::string &error);
    // After a pause: journals the window and reconnects, or stays paused if the journal still
    // cannot be written.
    void resume();
    void checkDiskSpace();
    void fail(const QString &error);

    std::unique_ptr<feeds::ExchangeAdapter> m_adapter;
    FeedSessionOptions m_options;
    std::unique_ptr<journal::JournalWriter> m_journal;
    std::unique_ptr<feeds::FeedNormalizer> m_bookKeeper; // books only: decides on snapshots
    feeds::NormalizedOutput m_bookOutput;
    std::vector<FeedConnection *> m_connections; // children of this session
    // Per connection (parallel to m_connections): its subscription messages' pacing, and whether
    // the operator was told that they are held back.
    struct ControlQueue
    {
        feeds::RequestPacer pacer;
        bool delayReported = false;
    };
    std::vector<ControlQueue> m_control;
    RestClient *m_rest = nullptr; // created on the feed's thread, in start()
    QTimer *m_flushTimer = nullptr;
    QTimer *m_watchdog = nullptr;
    std::chrono::steady_clock::time_point m_lastSync;
    model::JournalPosition m_durableEnd;
    model::FeedStatus m_status;
    bool m_stopping = false;
    std::int64_t m_pausedAtNs = 0; // 0: not paused
    // While paused: why, as the outage gap records it; a full disk waits for room, any other
    // refusal is tried again at m_journalRetryAt.
    std::string m_pauseCause;
    bool m_pausedForSpace = false;
    // A try costs one open or write, and the feed is deaf meanwhile: tried at least every 2 s.
    feeds::Backoff m_journalRetry{std::chrono::milliseconds(500), std::chrono::seconds(2)};
    std::chrono::steady_clock::time_point m_journalRetryAt;
    std::vector<bool> m_snapshotPending;
};

} // namespace tickscope::ingest
