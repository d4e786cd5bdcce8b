#include "app/services/ingest_service.h"

#include "app/feeds/adapter_registry.h"
#include "app/ingest/database_writer.h"
#include "app/ingest/feed_session.h"
#include "app/ingest/free_memory.h"
#include "app/ingest/live_trade_queue.h"

#include <format>
#include <numeric>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

// Free memory the allocator may keep: 2.1-2.8 MB in the soaks' steady state, 5.8 MB after a
// 5-second stall's backlog (docs/reliability.md).
constexpr std::size_t kKeepFreeBytes = 4 << 20;
constexpr std::chrono::seconds kMemoryTrimInterval{30};

// What a feed's journal records: its protocol and the host it streams from. A simulator under an
// exchange's name, or the exchange's testnet, is another source than the exchange.
std::string journalSource(const feeds::FeedSettings &settings)
{
    const auto adapter = feeds::createAdapter(settings);
    std::vector<std::uint32_t> all(adapter->instruments().all().size());
    std::iota(all.begin(), all.end(), 0u);
    const QUrl stream = adapter->streamUrl(all);
    return std::format(
        "{} {}://{}", settings.adapter, stream.scheme().toStdString(), stream.host().toStdString());
}

// Binds the journal to the feed's source on its first use; refuses one that records another.
std::expected<void, std::string> bindSource(const std::filesystem::path &directory,
    ingest::journal::Identity identity, const feeds::FeedSettings &settings)
{
    const std::string source = journalSource(settings);
    if (identity.source == source)
        return {};
    if (!identity.source.empty())
        return std::unexpected(std::format(
            "the journal {} records {}, but the feed streams from {}: its records are another "
            "source's, and this feed's would join them; move that directory away, or set "
            "[journal] directory, for a journal of its own",
            directory.string(), identity.source, source));
    identity.source = source;
    return ingest::journal::bindIdentity(directory, identity);
}

} // namespace

struct IngestService::Pipeline
{
    QThread feedThread;
    QThread writerThread;
    ingest::FeedSession *session = nullptr;
    ingest::DatabaseWriter *writer = nullptr;
    feeds::FeedSettings settings;
    std::shared_ptr<ingest::LiveTradeQueue> liveTrades; // null unless keepLiveTrades()
    bool started = false; // the threads own (and delete) session and writer from then on

    ~Pipeline()
    {
        feedThread.quit();
        writerThread.quit();
        feedThread.wait();
        writerThread.wait();
        if (!started) {
            delete session;
            delete writer;
        }
    }
};

IngestService::IngestService(const Config &config, std::string conninfo, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_conninfo(std::move(conninfo))
{
    qRegisterMetaType<model::FeedStatus>();
    qRegisterMetaType<model::WriterStatus>();
    qRegisterMetaType<model::JournalPosition>();
    qRegisterMetaType<ingest::journal::SealedSegment>();
    for (const auto &feed : config.feeds) {
        auto pipeline = std::make_unique<Pipeline>();
        pipeline->settings = feed;
        m_pipelines.push_back(std::move(pipeline));
    }
}

IngestService::~IngestService() = default;

void IngestService::keepLiveTrades(std::size_t perFeed)
{
    m_liveTradesPerFeed = perFeed;
}

void IngestService::takeJournalHistory()
{
    m_takeJournalHistory = true;
}

void IngestService::drainLiveTrades(std::vector<FeedTrades> &out)
{
    out.resize(m_pipelines.size());
    for (std::size_t index = 0; index < m_pipelines.size(); ++index) {
        const auto &pipeline = *m_pipelines[index];
        out[index].feed = pipeline.settings.feed;
        if (!pipeline.liveTrades)
            continue;
        pipeline.liveTrades->drain(out[index].trades);
        out[index].dropped = pipeline.liveTrades->dropped();
    }
}

std::expected<void, std::string> IngestService::start()
{
    const QString root = m_config.journalDirectory.isEmpty() ? defaultJournalDirectory()
                                                             : m_config.journalDirectory;
    for (auto &pipeline : m_pipelines) {
        if (auto wrong = feeds::checkFeedSettings(pipeline->settings))
            return std::unexpected(std::format("feed {}: {}", pipeline->settings.feed, *wrong));
        auto makeAdapter = [&] {
            return feeds::createAdapter(pipeline->settings);
        };
        const auto journal = std::filesystem::path(root.toStdString()) / pipeline->settings.feed;
        // What earlier runs left is made durable before either thread starts, so the writer may
        // read all of it while the feed starts a new segment after it.
        const auto existing = ingest::journal::prepareJournal(journal);
        if (!existing)
            return std::unexpected(existing.error());
        if (auto bound = bindSource(journal, existing->identity, pipeline->settings); !bound)
            return std::unexpected(
                std::format("feed {}: {}", pipeline->settings.feed, bound.error()));
        pipeline->session = new ingest::FeedSession(makeAdapter(),
            {.journalDirectory = journal,
                .journal = {.maxSegmentBytes = m_config.journalSegmentBytes},
                .syncInterval = m_config.journalSyncInterval,
                .minFreeBytes = m_config.journalMinFreeBytes});
        // 2^17 trades: over a second at 100,000 a second, for a GUI that drains 30 times a second.
        if (m_liveTradesPerFeed > 0)
            pipeline->liveTrades = std::make_shared<ingest::LiveTradeQueue>(m_liveTradesPerFeed);
        pipeline->writer = new ingest::DatabaseWriter(makeAdapter(),
            {.conninfo = m_conninfo,
                .journalDirectory = journal,
                .durableEnd = existing->durableEnd,
                .historyEnd = existing->durableEnd,
                .takeJournalHistory = m_takeJournalHistory,
                .batchRows = m_config.batchRows,
                .flushInterval = m_config.flushInterval,
                .retention = m_config.journalRetention,
                .liveTrades = pipeline->liveTrades});
    }

    for (auto &pipeline : m_pipelines) {
        pipeline->feedThread.setObjectName(QStringLiteral("feed"));
        pipeline->writerThread.setObjectName(QStringLiteral("writer"));
        pipeline->session->moveToThread(&pipeline->feedThread);
        pipeline->writer->moveToThread(&pipeline->writerThread);
        connect(&pipeline->feedThread, &QThread::started, pipeline->session,
            &ingest::FeedSession::start);
        connect(&pipeline->writerThread, &QThread::started, pipeline->writer,
            &ingest::DatabaseWriter::start);
        connect(
            &pipeline->feedThread, &QThread::finished, pipeline->session, &QObject::deleteLater);
        connect(
            &pipeline->writerThread, &QThread::finished, pipeline->writer, &QObject::deleteLater);
        connect(pipeline->session, &ingest::FeedSession::journalDurable, pipeline->writer,
            &ingest::DatabaseWriter::onJournalDurable);
        connect(pipeline->session, &ingest::FeedSession::segmentSealed, pipeline->writer,
            &ingest::DatabaseWriter::onSegmentSealed);
        connect(pipeline->writer, &ingest::DatabaseWriter::backfillRequested, pipeline->session,
            &ingest::FeedSession::backfill);
        connect(pipeline->session, &ingest::FeedSession::statusChanged, this,
            &IngestService::feedStatusChanged);
        connect(pipeline->writer, &ingest::DatabaseWriter::statusChanged, this,
            &IngestService::writerStatusChanged);
        const QString feed = QString::fromStdString(pipeline->settings.feed);
        // A writer never gives up (the journal keeps what it cannot commit yet); a feed may.
        connect(pipeline->session, &ingest::FeedSession::failed, this,
            [this, feed](const QString &why) {
                m_failures << QStringLiteral("%1 feed: %2").arg(feed, why);
                emit failed(m_failures.back());
            });
    }
    for (auto &pipeline : m_pipelines) {
        pipeline->started = true;
        pipeline->writerThread.start();
        pipeline->feedThread.start();
    }
    m_memoryTrimTimer.setInterval(kMemoryTrimInterval);
    connect(&m_memoryTrimTimer, &QTimer::timeout, this, &IngestService::trimFreeMemory);
    m_memoryTrimTimer.start();
    return {};
}

void IngestService::trimFreeMemory()
{
    const auto trim = ingest::trimFreeMemory(kKeepFreeBytes);
    constexpr double kMb = 1 << 20;
    // Chunks given back stay counted as free until reused: only a trim that lowered the
    // resident memory is news.
    if (trim.trimmed && trim.anonymousBytesBefore >= trim.anonymousBytesAfter + (1 << 20))
        spdlog::info("memory: the allocator held {:.1f} MB free, given back in {} us: resident "
                     "anonymous memory {:.1f} -> {:.1f} MB",
            static_cast<double>(trim.freeBytes) / kMb, trim.took.count(),
            static_cast<double>(trim.anonymousBytesBefore) / kMb,
            static_cast<double>(trim.anonymousBytesAfter) / kMb);
}

void IngestService::stop(std::chrono::milliseconds drainDeadline)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_running = 0;
    for (auto &pipeline : m_pipelines)
        m_running += pipeline->started ? 1 : 0;
    if (m_running == 0) {
        emit stopped();
        return;
    }
    for (auto &pipeline : m_pipelines) {
        if (!pipeline->started)
            continue;
        // Feed first, so the journal is complete; then the writer commits all of it.
        auto *writer = pipeline->writer;
        connect(pipeline->session, &ingest::FeedSession::stopped, writer,
            [writer, drainDeadline] { writer->drainAndStop(drainDeadline); });
        connect(writer, &ingest::DatabaseWriter::stopped, this, [this] {
            if (--m_running == 0)
                emit stopped();
        });
        QMetaObject::invokeMethod(pipeline->session, &ingest::FeedSession::stop);
    }
}

} // namespace tickscope::app
