// The ingest pipeline of the configured exchanges, running in its own threads: a feed thread
// (connection and journal) and a writer thread (journal -> database) per exchange, each feed with
// its own journal folder named after the feed. The console and `tickscope ingest` both run it;
// they get status snapshots once a second, and failed() when a feed cannot go on (a writer never
// gives up: what it cannot commit yet stays in the journal).
#pragma once

#include "app/config/config.h"
#include "app/model/feed_status.h"
#include "app/model/live_trade.h"

#include <QObject>
#include <QThread>
#include <QTimer>
#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <vector>

namespace tickscope::ingest {
class DatabaseWriter;
class FeedSession;
class LiveTradeQueue;
} // namespace tickscope::ingest

namespace tickscope::app {

class IngestService : public QObject
{
    Q_OBJECT
public:
    // Ingests the exchanges of `config` into the database of `conninfo`.
    IngestService(const Config &config, std::string conninfo, QObject *parent = nullptr);
    ~IngestService() override;

    // Opens each feed's journal (an error names the journal that cannot be used) and starts the
    // threads.
    std::expected<void, std::string> start();
    // Closes the connections and seals the journals, lets the writers commit what the journals
    // hold (at most `drainDeadline`), then emits stopped().
    void stop(std::chrono::milliseconds drainDeadline = std::chrono::seconds(30));

    // For the console's charts, called before start(): the writers hand each committed trade to
    // a queue per feed with room for `perFeed`, which drainLiveTrades() empties; what does not
    // fit is dropped and counted.
    void keepLiveTrades(std::size_t perFeed = 1 << 17);
    // Called before start(): a database without a checkpoint of a feed takes what the feed's
    // journal holds from runs that fed another database (--from-journal-start). Otherwise it
    // starts at the journal's end, and says so.
    void takeJournalHistory();
    struct FeedTrades
    {
        std::string feed;
        std::vector<model::LiveTrade> trades; // since the last drain, in commit order
        std::int64_t dropped = 0; // since the start, for want of room in the queue
    };
    // Each feed's trades since the last call, appended to `out`'s entry of the feed (one entry
    // per feed, in the configuration's order).
    void drainLiveTrades(std::vector<FeedTrades> &out);
    // What failed so far, one line per feed that could not go on.
    const QStringList &failures() const { return m_failures; }

signals:
    void feedStatusChanged(const tickscope::model::FeedStatus &status);
    void writerStatusChanged(const tickscope::model::WriterStatus &status);
    void failed(const QString &why);
    void stopped();

private:
    struct Pipeline;
    void trimFreeMemory();

    Config m_config;
    std::string m_conninfo;
    std::vector<std::unique_ptr<Pipeline>> m_pipelines;
    QStringList m_failures;
    int m_running = 0;
    std::size_t m_liveTradesPerFeed = 0; // 0: none kept
    bool m_takeJournalHistory = false;
    bool m_stopping = false;
    QTimer m_memoryTrimTimer;
};

} // namespace tickscope::app
