// The feed thread's worker for one exchange connection. Every text frame is appended, with its
// receive time, to the feed's journal before anything else happens to it; the database writer
// follows that journal. Besides, this keeps the connection healthy (pings, a silence watchdog,
// reconnects with backoff and jitter, a proactive reconnect before the exchange's connection
// lifetime ends or when it announces a shutdown) and keeps the order books synchronised by
// fetching REST snapshots, which are journaled too. When the journal's disk is full it pauses
// (closes the connection: nothing may be received that is not journaled) and resumes when there
// is room, journaling the window as an outage gap. Connection events go into the journal as
// markers, so audit.feed_events is written from the journal as well.
#pragma once

#include "app/feeds/backoff.h"
#include "app/feeds/exchange_adapter.h"
#include "app/ingest/journal_writer.h"
#include "app/model/feed_status.h"

#include <QObject>
#include <QWebSocket>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace tickscope::ingest {

struct FeedSessionOptions
{
    std::filesystem::path journalDirectory; // this feed's own folder
    journal::WriterOptions journal;
    std::chrono::milliseconds flushInterval{2}; // journal -> operating system
    std::chrono::milliseconds syncInterval{50}; // journal -> disk, and so to the writer
    std::chrono::seconds silenceTimeout{30}; // no frame and no pong for this long: reconnect
    std::chrono::seconds pingInterval{10};
    std::chrono::seconds lifetimeMargin{300}; // reconnect this long before the exchange would
    std::chrono::milliseconds reconnectBase{250};
    std::chrono::milliseconds reconnectCap{30'000};
    // Larger WebSocket messages close the connection (code 1009) and REST answers are dropped:
    // far above any exchange's real frames, far below what would exhaust memory.
    std::int64_t maxMessageBytes = 16 << 20;
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
    // Fetches up to `limit` trades of `instrument` from `fromId` on over REST and journals them,
    // for the writer to fill a gap with.
    void backfill(std::uint32_t instrument, qint64 fromId, int limit);

signals:
    void statusChanged(const tickscope::model::FeedStatus &status);
    void segmentSealed(const tickscope::ingest::journal::SealedSegment &segment);
    // The journal holds every record before `end` durably (synced to disk).
    void journalDurable(const tickscope::model::JournalPosition &end);
    void stopped();
    // The feed cannot go on (its journal cannot be written); it has closed its connection.
    void failed(const QString &why);

private:
    void connectSocket();
    void scheduleReconnect(const QString &reason);
    void onConnected();
    void onDisconnected();
    void onFrame(const QString &frame);
    // The normalizer lost `instrument`'s book: rebuild it the way the exchange allows.
    void resynchronizeBook(std::uint32_t instrument);
    void fetchSnapshot(std::uint32_t instrument);
    // The connection has been quiet: ping it the way the exchange expects.
    void keepAlive();
    // GETs `url` and journals a 200 answer as a REST response on `topic` for `instrument`, then
    // hands the journaled message to `then`; retries other answers after a backoff.
    void fetchRest(const QUrl &url, feeds::RestTopic topic, std::uint32_t instrument,
        const QString &what, std::function<void(const feeds::RawMessage &message)> then);
    void record(feeds::RawKind kind, std::uint32_t tag, std::string_view payload,
        std::int64_t receivedAtNs);
    void marker(model::FeedEvent::Kind kind, const QString &detail);
    void flushJournal();
    // Tells the writer about sealed segments and what is durable now.
    void announceJournal();
    void publishStatus();
    // A journal write failed: pause when the disk is full, else fail.
    void journalFailed(const std::string &error);
    void pause(const std::string &error);
    // After a pause, with `freeBytes` free again: journals the window and reconnects.
    void resume(std::uint64_t freeBytes);
    void checkDiskSpace();
    void fail(const QString &error);

    std::unique_ptr<feeds::ExchangeAdapter> m_adapter;
    FeedSessionOptions m_options;
    std::unique_ptr<journal::JournalWriter> m_journal;
    std::unique_ptr<feeds::FeedNormalizer> m_bookKeeper; // books only: decides on snapshots
    feeds::NormalizedOutput m_bookOutput;
    QWebSocket *m_socket = nullptr;
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_watchdog = nullptr;
    QTimer *m_lifetime = nullptr;
    QTimer *m_reconnect = nullptr;
    feeds::Backoff m_backoff;
    std::chrono::steady_clock::time_point m_lastSync;
    model::JournalPosition m_durableEnd;
    std::chrono::steady_clock::time_point m_lastHeard;
    model::FeedStatus m_status;
    bool m_stopping = false;
    std::int64_t m_pausedAtNs = 0; // 0: not paused
    std::vector<bool> m_snapshotPending;
};

} // namespace tickscope::ingest
