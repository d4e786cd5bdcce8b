#include "app/ingest_service.h"

#include "app/feeds/binance/binance_adapter.h"
#include "app/ingest/database_writer.h"
#include "app/ingest/feed_session.h"

#include <QDir>

namespace tickscope::app {

struct IngestService::Pipeline
{
    QThread feedThread;
    QThread writerThread;
    ingest::FeedSession *session = nullptr;
    ingest::DatabaseWriter *writer = nullptr;
    std::vector<model::Instrument> instruments;

    ~Pipeline()
    {
        feedThread.quit();
        writerThread.quit();
        feedThread.wait();
        writerThread.wait();
    }
};

IngestService::IngestService(const Config &config, std::string conninfo, QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<model::FeedStatus>();
    qRegisterMetaType<model::WriterStatus>();
    qRegisterMetaType<ingest::journal::SealedSegment>();

    const QString journalRoot
        = config.journalDirectory.isEmpty() ? defaultJournalDirectory() : config.journalDirectory;
    if (config.binance) {
        const auto &binance = *config.binance;
        auto makeAdapter = [&] {
            return std::make_unique<feeds::binance::BinanceAdapter>(
                feeds::InstrumentList{binance.instruments},
                feeds::binance::BinanceEndpoints{binance.websocketUrl, binance.restUrl},
                binance.microseconds ? feeds::binance::TimeUnit::Microseconds
                                     : feeds::binance::TimeUnit::Milliseconds);
        };
        auto pipeline = std::make_unique<Pipeline>();
        pipeline->instruments = binance.instruments;
        const std::filesystem::path journal
            = (journalRoot + QStringLiteral("/binance")).toStdString();
        pipeline->session = new ingest::FeedSession(makeAdapter(),
            {.journalDirectory = journal,
                .journal = {.maxSegmentBytes = config.journalSegmentBytes},
                .syncInterval = config.journalSyncInterval});
        pipeline->writer = new ingest::DatabaseWriter(makeAdapter(),
            {.conninfo = conninfo,
                .journalDirectory = journal,
                .batchRows = config.batchRows,
                .flushInterval = config.flushInterval});
        m_pipelines.push_back(std::move(pipeline));
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
        connect(pipeline->session, &ingest::FeedSession::journalAdvanced, pipeline->writer,
            &ingest::DatabaseWriter::onJournalAdvanced);
        connect(pipeline->session, &ingest::FeedSession::segmentSealed, pipeline->writer,
            &ingest::DatabaseWriter::onSegmentSealed);
        connect(pipeline->writer, &ingest::DatabaseWriter::backfillRequested, pipeline->session,
            &ingest::FeedSession::backfill);
        connect(pipeline->session, &ingest::FeedSession::statusChanged, this,
            &IngestService::feedStatusChanged);
        connect(pipeline->writer, &ingest::DatabaseWriter::statusChanged, this,
            &IngestService::writerStatusChanged);
    }
}

IngestService::~IngestService() = default;

std::vector<model::Instrument> IngestService::instruments() const
{
    std::vector<model::Instrument> all;
    for (const auto &pipeline : m_pipelines)
        all.insert(all.end(), pipeline->instruments.begin(), pipeline->instruments.end());
    return all;
}

void IngestService::start()
{
    for (auto &pipeline : m_pipelines) {
        pipeline->writerThread.start();
        pipeline->feedThread.start();
    }
}

void IngestService::stop(std::chrono::milliseconds drainDeadline)
{
    if (m_stopping)
        return;
    m_stopping = true;
    m_running = static_cast<int>(m_pipelines.size());
    if (m_running == 0) {
        emit stopped();
        return;
    }
    for (auto &pipeline : m_pipelines) {
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
