#include "app/ingest/feed_connection.h"

#include <QTimer>
#include <algorithm>
#include <spdlog/spdlog.h>

namespace tickscope::ingest {

FeedConnection::FeedConnection(const feeds::ExchangeAdapter &adapter,
    std::vector<std::uint32_t> instruments, FeedConnectionOptions options, QObject *parent)
    : QObject(parent)
    , m_adapter(adapter)
    , m_instruments(std::move(instruments))
    , m_options(options)
    , m_socket(new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this))
    , m_lifetime(new QTimer(this))
    , m_retry(new QTimer(this))
    , m_backoff(m_options.reconnectBase, m_options.reconnectCap)
{
    m_socket->setMaxAllowedIncomingMessageSize(static_cast<quint64>(m_options.maxMessageBytes));
    m_socket->setMaxAllowedIncomingFrameSize(static_cast<quint64>(m_options.maxMessageBytes));
    connect(m_socket, &QWebSocket::connected, this, &FeedConnection::onConnected);
    connect(m_socket, &QWebSocket::disconnected, this, &FeedConnection::onDisconnected);
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &frame) {
        m_lastHeard = std::chrono::steady_clock::now();
        emit frameReceived(frame);
    });
    connect(m_socket, &QWebSocket::pong, this,
        [this] { m_lastHeard = std::chrono::steady_clock::now(); });
    connect(m_socket, &QWebSocket::errorOccurred, this,
        [this] { emit errorOccurred(m_socket->errorString()); });
    m_lifetime->setSingleShot(true);
    connect(m_lifetime, &QTimer::timeout, this, [this] {
        emit lifetimeEnding();
        reconnectNow(QStringLiteral("connection lifetime ends soon"));
    });
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &FeedConnection::open);
}

bool FeedConnection::carries(std::uint32_t instrument) const
{
    return std::ranges::binary_search(m_instruments, instrument);
}

void FeedConnection::open()
{
    m_closing = false;
    const QUrl url = m_adapter.streamUrl(m_instruments);
    spdlog::info("feed {}: connecting to {}", m_adapter.feedName(),
        url.toDisplayString().left(200).toStdString());
    m_state = m_reconnects > 0 ? State::Reconnecting : State::Connecting;
    m_socket->open(url);
}

void FeedConnection::reconnect(const QString &reason)
{
    if (m_closing || m_retry->isActive())
        return;
    m_lifetime->stop();
    ++m_reconnects;
    m_state = State::Reconnecting;
    const auto delay = m_backoff.next();
    spdlog::warn("feed {}: {}; reconnecting in {} ms", m_adapter.feedName(), reason.toStdString(),
        delay.count());
    // abort() rather than close(): a silent or dying server gets no closing handshake.
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        m_socket->abort();
    m_retry->start(delay);
}

void FeedConnection::reconnectNow(const QString &reason)
{
    m_backoff.reset();
    reconnect(reason);
}

void FeedConnection::close(bool handshake)
{
    m_closing = true;
    m_lifetime->stop();
    m_retry->stop();
    m_state = State::Idle;
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        return;
    if (handshake)
        m_socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("shutdown"));
    m_socket->abort();
}

void FeedConnection::send(const QByteArray &message)
{
    m_socket->sendTextMessage(QString::fromUtf8(message));
}

void FeedConnection::watch()
{
    if (m_state != State::Live)
        return;
    const auto quiet = std::chrono::steady_clock::now() - m_lastHeard;
    if (quiet > m_options.silenceTimeout)
        reconnect(
            QStringLiteral("nothing received for %1 s").arg(m_options.silenceTimeout.count()));
    else if (quiet > m_options.pingInterval)
        keepAlive();
}

void FeedConnection::keepAlive()
{
    using KeepAlive = feeds::ExchangeTraits::KeepAlive;
    switch (m_adapter.traits().keepAlive) {
    case KeepAlive::WebSocketPing:
        m_socket->ping();
        break;
    case KeepAlive::TextPing:
        send(m_adapter.keepAliveMessage());
        break;
    case KeepAlive::None:
        break;
    }
}

void FeedConnection::onConnected()
{
    m_lastHeard = std::chrono::steady_clock::now();
    m_state = State::Live;
    emit connected(m_socket->requestUrl().toDisplayString());
    if (m_adapter.connectionLifetime() > std::chrono::seconds(0))
        m_lifetime->start(m_adapter.connectionLifetime() - m_options.lifetimeMargin);
    // A connection that stays up for a while has earned a fresh backoff.
    QTimer::singleShot(std::chrono::seconds(10), this, [this] {
        if (m_state == State::Live)
            m_backoff.reset();
    });
}

void FeedConnection::onDisconnected()
{
    QString reason = m_socket->closeReason();
    if (reason.isEmpty())
        reason = m_socket->errorString();
    reason = QStringLiteral("close code %1: %2").arg(int(m_socket->closeCode())).arg(reason);
    emit disconnected(m_closing ? QStringLiteral("shutdown") : reason);
    if (!m_closing)
        reconnect(reason);
}

std::vector<std::vector<std::uint32_t>> planConnections(const feeds::ExchangeAdapter &adapter)
{
    const std::size_t limit = adapter.traits().streamsPerConnection;
    const std::size_t perInstrument = std::max<std::size_t>(1, adapter.streamsPerInstrument());
    const std::size_t count = adapter.instruments().size();
    const std::size_t perConnection
        = limit == 0 ? count : std::max<std::size_t>(1, limit / perInstrument);
    std::vector<std::vector<std::uint32_t>> plan;
    for (std::uint32_t instrument = 0; instrument < count; ++instrument) {
        if (instrument % perConnection == 0)
            plan.emplace_back();
        plan.back().push_back(instrument);
    }
    return plan;
}

} // namespace tickscope::ingest
