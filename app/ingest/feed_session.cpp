#include "app/ingest/feed_session.h"

#include "app/model/wall_clock.h"

#include <QTimer>
#include <algorithm>
#include <format>
#include <spdlog/spdlog.h>

namespace tickscope::ingest {

FeedSession::FeedSession(
    std::unique_ptr<feeds::ExchangeAdapter> adapter, FeedSessionOptions options)
    : m_adapter(std::move(adapter))
    , m_options(std::move(options))
{
    m_status.feed = m_adapter->feedName();
    m_snapshotPending.assign(m_adapter->instruments().size(), false);
}

FeedSession::~FeedSession() = default;

void FeedSession::start()
{
    auto journal = journal::JournalWriter::open(m_options.journalDirectory, m_options.journal);
    if (!journal) {
        fail(QString::fromStdString(journal.error()));
        return;
    }
    m_journal = std::move(*journal);
    m_durableEnd = m_journal->durableEnd();
    m_bookKeeper = m_adapter->createNormalizer();
    m_rest = new RestClient({.weightPerMinute = m_adapter->traits().restWeights.perMinute,
                                .retryBase = m_options.connection.reconnectBase,
                                .retryCap = m_options.connection.reconnectCap,
                                .maxBytes = m_options.maxRestBytes},
        this);
    connect(m_rest, &RestClient::problem, this,
        [this](const QString &text) { marker(model::FeedEvent::Kind::Error, text); });

    for (auto &instruments : planConnections(*m_adapter)) {
        const auto index = static_cast<std::uint32_t>(m_connections.size());
        auto *connection
            = new FeedConnection(*m_adapter, std::move(instruments), m_options.connection, this);
        connect(connection, &FeedConnection::frameReceived, this,
            [this, connection](const QString &frame) { onFrame(*connection, frame); });
        connect(connection, &FeedConnection::connected, this,
            [this, connection, index](
                const QString &url) { onConnected(*connection, index, url); });
        connect(
            connection, &FeedConnection::disconnected, this, [this, index](const QString &reason) {
                if (m_journal)
                    marker(model::FeedEvent::Kind::Disconnect, reason, index);
            });
        connect(connection, &FeedConnection::lifetimeEnding, this, [this, index] {
            marker(model::FeedEvent::Kind::Reconnect,
                QStringLiteral("connection lifetime ends soon"), index);
        });
        connect(connection, &FeedConnection::errorOccurred, this,
            [this](const QString &error) { m_status.lastError = error.toStdString(); });
        m_connections.push_back(connection);
        m_control.push_back({controlPacer(m_adapter->traits().controlLimit)});
    }

    m_flushTimer = new QTimer(this);
    m_flushTimer->setInterval(m_options.flushInterval);
    connect(m_flushTimer, &QTimer::timeout, this, &FeedSession::flushJournal);
    m_flushTimer->start();

    // Once a second: disk space, liveness and pings, and the status snapshot.
    m_watchdog = new QTimer(this);
    m_watchdog->setInterval(std::chrono::seconds(1));
    connect(m_watchdog, &QTimer::timeout, this, [this] {
        checkDiskSpace();
        for (auto *connection : m_connections)
            connection->watch();
        publishStatus();
    });
    m_watchdog->start();

    openConnections();
}

void FeedSession::openConnections()
{
    if (m_stopping || m_pausedAtNs != 0)
        return;
    for (auto *connection : m_connections)
        connection->open();
}

void FeedSession::closeConnections(bool handshake)
{
    for (auto *connection : m_connections)
        connection->close(handshake);
}

FeedConnection *FeedSession::connectionOf(std::uint32_t instrument) const
{
    const auto found = std::ranges::find_if(
        m_connections, [instrument](const auto *c) { return c->carries(instrument); });
    return found == m_connections.end() ? nullptr : *found;
}

void FeedSession::onConnected(FeedConnection &connection, std::uint32_t index, const QString &url)
{
    m_status.lastError.clear();
    marker(model::FeedEvent::Kind::Connect, url, index);
    for (const QByteArray &message : m_adapter->subscribeMessages(connection.instruments())) {
        marker(model::FeedEvent::Kind::Subscribe, QString::fromUtf8(message), index);
        sendControl(index, message);
    }
}

void FeedSession::onFrame(FeedConnection &connection, const QString &frame)
{
    const QByteArray utf8 = frame.toUtf8();
    ++m_status.framesReceived;
    m_status.bytesReceived += utf8.size();
    const std::string_view payload{utf8.constData(), static_cast<std::size_t>(utf8.size())};
    const std::int64_t receivedAt = model::wallClockNs();
    m_status.lastFrameAtNs = receivedAt;
    const auto index = static_cast<std::uint32_t>(
        std::ranges::find(m_connections, &connection) - m_connections.begin());
    record(feeds::RawKind::WebSocketText, index, payload, receivedAt);
    if (m_adapter->feedThreadCanSkip(payload))
        return;
    m_bookKeeper->normalize(
        {feeds::RawKind::WebSocketText, index, receivedAt, payload}, m_bookOutput);
    const bool reconnect = m_bookOutput.reconnectRequested;
    const auto requests = std::move(m_bookOutput.snapshotRequests);
    m_bookOutput.clear();
    for (const auto instrument : requests)
        resynchronizeBook(instrument);
    if (reconnect && !m_stopping && m_pausedAtNs == 0) {
        marker(model::FeedEvent::Kind::Reconnect,
            QStringLiteral("the exchange announced a shutdown"), index);
        connection.reconnectNow(QStringLiteral("the exchange announced a shutdown"));
    }
}

feeds::RequestPacer FeedSession::controlPacer(const feeds::ExchangeTraits::ControlLimit &limit)
{
    // Four fifths of the published limit, as for REST requests. A limit of a second or so is
    // counted by the exchange as messages arrive, where a burst at the end of one window and one
    // at the start of the next would look like one: such messages go out evenly spaced instead.
    // An hour's limit lets a storm go out at once.
    if (limit.messages <= 0 || limit.window > std::chrono::minutes(1))
        return {limit.messages * 4 / 5, limit.window};
    return {1,
        std::chrono::duration_cast<std::chrono::milliseconds>(limit.window) * 5
            / (4 * limit.messages)};
}

void FeedSession::sendControl(std::uint32_t index, const QByteArray &message)
{
    ControlQueue &control = m_control.at(index);
    const auto wait = control.pacer.reserve(1, feeds::RequestPacer::Clock::now());
    if (wait.count() <= 0) {
        control.delayReported = false;
        m_connections[index]->send(message);
        return;
    }
    // Once a storm, not once a message.
    if (wait >= std::chrono::seconds(1) && !control.delayReported) {
        control.delayReported = true;
        const auto limit = m_adapter->traits().controlLimit;
        marker(model::FeedEvent::Kind::Error,
            QStringLiteral("subscription messages are held back (one for %1 s): the exchange "
                           "allows %2 a connection in %3 s")
                .arg(std::chrono::duration_cast<std::chrono::seconds>(wait).count())
                .arg(limit.messages)
                .arg(limit.window.count()),
            index);
    }
    QTimer::singleShot(wait, Qt::PreciseTimer, this, [this, index, message] {
        if (!m_stopping)
            m_connections[index]->send(message);
    });
}

void FeedSession::fetchSnapshot(std::uint32_t instrument)
{
    if (m_snapshotPending.at(instrument))
        return;
    m_snapshotPending[instrument] = true;
    fetchRest(m_adapter->snapshotUrl(instrument), feeds::RestTopic::BookSnapshot, instrument,
        QStringLiteral("book snapshot"), [this, instrument](const feeds::RawMessage &message) {
            m_snapshotPending[instrument] = false;
            m_bookKeeper->normalize(message, m_bookOutput);
            const auto requests = std::move(m_bookOutput.snapshotRequests);
            m_bookOutput.clear();
            for (const auto again : requests)
                fetchSnapshot(again);
        });
}

void FeedSession::resynchronizeBook(std::uint32_t instrument)
{
    using Recovery = feeds::ExchangeTraits::BookRecovery;
    switch (m_adapter->traits().bookRecovery) {
    case Recovery::RestSnapshot:
        fetchSnapshot(instrument);
        break;
    case Recovery::Resubscribe:
        marker(model::FeedEvent::Kind::Resync,
            QString::fromStdString(m_adapter->instruments().at(instrument).symbol));
        if (FeedConnection *connection = connectionOf(instrument)) {
            const auto index = static_cast<std::uint32_t>(
                std::ranges::find(m_connections, connection) - m_connections.begin());
            for (const QByteArray &message : m_adapter->resubscribeMessages(instrument))
                sendControl(index, message);
        }
        break;
    case Recovery::SocketSnapshot:
        break; // the exchange sends a snapshot by itself
    }
}

void FeedSession::backfill(std::uint32_t instrument, qint64 cursor, int limit)
{
    if (m_stopping || m_pausedAtNs != 0 || !m_rest || instrument >= m_adapter->instruments().size())
        return;
    fetchRest(m_adapter->backfillUrl(instrument, cursor, limit), feeds::RestTopic::TradeBackfill,
        instrument,
        QString::fromStdString(feeds::describeBackfillPage(m_adapter->traits().backfill, cursor)),
        [](const feeds::RawMessage &) { });
}

void FeedSession::fetchRest(const QUrl &url, feeds::RestTopic topic, std::uint32_t instrument,
    const QString &what, std::function<void(const feeds::RawMessage &message)> then)
{
    const auto &weights = m_adapter->traits().restWeights;
    const std::string &symbol = m_adapter->instruments().at(instrument).symbol;
    m_rest->get(url, topic == feeds::RestTopic::BookSnapshot ? weights.snapshot : weights.backfill,
        QStringLiteral("%1 of %2").arg(what, QString::fromStdString(symbol)),
        [this, topic, symbol, then = std::move(then)](const QByteArray &body) {
            if (m_stopping)
                return;
            const std::string payload = feeds::encodeRestPayload(
                symbol, std::string_view{body.constData(), static_cast<std::size_t>(body.size())});
            const std::int64_t receivedAt = model::wallClockNs();
            const auto tag = static_cast<std::uint32_t>(topic);
            record(feeds::RawKind::RestResponse, tag, payload, receivedAt);
            then({feeds::RawKind::RestResponse, tag, receivedAt, payload});
        });
}

void FeedSession::record(
    feeds::RawKind kind, std::uint32_t tag, std::string_view payload, std::int64_t receivedAtNs)
{
    if (!m_journal || m_pausedAtNs != 0)
        return; // paused: the outage gap covers what arrives now
    if (auto appended = m_journal->append(kind, tag, receivedAtNs, payload); !appended)
        pause(appended.error());
}

void FeedSession::marker(
    model::FeedEvent::Kind kind, const QString &detail, std::uint32_t connection)
{
    const std::string payload = feeds::encodeMarker(kind, detail.toStdString());
    record(feeds::RawKind::Marker, connection, payload, model::wallClockNs());
}

void FeedSession::flushJournal()
{
    if (!m_journal)
        return;
    auto done = m_journal->flush();
    const auto now = std::chrono::steady_clock::now();
    if (done && now - m_lastSync >= m_options.syncInterval) {
        done = m_journal->sync();
        m_lastSync = now;
    }
    if (!done) {
        pause(done.error());
        return;
    }
    announceJournal();
}

void FeedSession::pause(const std::string &error)
{
    const bool diskFull = m_journal->diskFull();
    const auto lostFrom = m_journal->abandon();
    announceJournal();
    if (!diskFull)
        m_journalRetryAt = std::chrono::steady_clock::now() + m_journalRetry.next();
    if (m_pausedAtNs != 0)
        return;
    // The outage window starts at the first record the abandoned segment may lack.
    m_pausedAtNs = std::min(lostFrom.value_or(INT64_MAX), model::wallClockNs());
    m_pausedForSpace = diskFull;
    m_pauseCause = diskFull ? "journal disk full" : "journal write failed";
    m_status.lastError = diskFull
        ? std::format("journal disk full ({}); receiving paused until {} MB are free in {}", error,
              m_options.minFreeBytes >> 20, m_options.journalDirectory.string())
        : std::format("{}; receiving paused, the journal is tried again every 2 s", error);
    if (m_status.state == model::FeedStatus::State::Paused)
        return; // a try to resume that failed: said already
    closeConnections(false);
    m_status.state = model::FeedStatus::State::Paused;
    spdlog::error("feed {}: {}", m_status.feed, m_status.lastError);
    publishStatus();
}

void FeedSession::resume()
{
    const std::int64_t pausedAt = std::exchange(m_pausedAtNs, 0);
    record(feeds::RawKind::Marker, 0, feeds::encodeResumeMarker(pausedAt, m_pauseCause),
        model::wallClockNs());
    flushJournal();
    if (m_pausedAtNs != 0) { // still refused after all: the window goes on
        m_pausedAtNs = pausedAt;
        return;
    }
    spdlog::info("feed {}: the journal can be written again ({} for {:.1f} s); receiving resumes",
        m_status.feed, m_pauseCause, static_cast<double>(model::wallClockNs() - pausedAt) / 1e9);
    m_journalRetry.reset();
    m_status.lastError.clear();
    m_status.state = model::FeedStatus::State::Connecting;
    openConnections();
}

void FeedSession::checkDiskSpace()
{
    const auto free = journal::freeBytes(m_options.journalDirectory);
    m_status.journalFreeBytes = free ? static_cast<std::int64_t>(*free) : -1;
    const bool low = free && *free < m_options.minFreeBytes;
    if (m_pausedAtNs != 0
        && (m_pausedForSpace ? free && !low : std::chrono::steady_clock::now() >= m_journalRetryAt))
        resume();
    if (low && !m_status.journalDiskLow)
        spdlog::warn("feed {}: only {} MB free for the journal in {} (watermark {} MB)",
            m_status.feed, *free >> 20, m_options.journalDirectory.string(),
            m_options.minFreeBytes >> 20);
    m_status.journalDiskLow = low;
}

void FeedSession::announceJournal()
{
    for (const auto &segment : m_journal->takeSealed())
        emit segmentSealed(segment);
    m_status.journalEnd = m_journal->nextPosition();
    if (m_journal->durableEnd() != m_durableEnd) {
        m_durableEnd = m_journal->durableEnd();
        emit journalDurable(m_durableEnd);
    }
}

void FeedSession::publishStatus()
{
    using State = model::FeedStatus::State;
    if (m_status.state != State::Paused && m_status.state != State::Failed
        && m_status.state != State::Stopped && !m_connections.empty()) {
        // Live when every connection is; else the least advanced one's state.
        auto count = [this](FeedConnection::State state) {
            return std::ranges::count(m_connections, state, &FeedConnection::state);
        };
        m_status.state = count(FeedConnection::State::Live)
                == static_cast<std::ptrdiff_t>(m_connections.size())
            ? State::Live
            : count(FeedConnection::State::Reconnecting) > 0 ? State::Reconnecting
                                                             : State::Connecting;
    }
    m_status.reconnects = 0;
    for (const auto *connection : m_connections)
        m_status.reconnects += connection->reconnects();
    emit statusChanged(m_status);
}

void FeedSession::fail(const QString &error)
{
    spdlog::error("feed {}: {}", m_status.feed, error.toStdString());
    m_status.state = model::FeedStatus::State::Failed;
    m_status.lastError = error.toStdString();
    m_journal.reset(); // nothing more may be received without being journaled
    m_stopping = true;
    closeConnections(false);
    publishStatus();
    emit failed(error);
}

void FeedSession::stop()
{
    m_stopping = true;
    if (m_rest)
        m_rest->stop();
    closeConnections(true);
    if (m_journal) {
        if (auto sealed = m_journal->seal(); !sealed)
            spdlog::error("feed {}: {}", m_status.feed, sealed.error());
        announceJournal();
    }
    if (m_status.state != model::FeedStatus::State::Failed)
        m_status.state = model::FeedStatus::State::Stopped;
    publishStatus();
    emit stopped();
}

} // namespace tickscope::ingest
