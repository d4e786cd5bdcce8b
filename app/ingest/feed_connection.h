// One WebSocket connection of a feed, for the feed thread's FeedSession: opens its stream URL,
// sends its subscriptions, keeps itself healthy (keep-alive as the exchange expects, a silence
// watchdog, reconnects with backoff and jitter, a proactive reconnect before the exchange's
// connection lifetime ends) and hands every text frame to the session, which journals it before
// anything else happens to it. A feed has several when its instruments need more streams than
// one connection of the exchange may carry.
#pragma once

#include "app/feeds/backoff.h"
#include "app/feeds/exchange_adapter.h"

#include <QObject>
#include <QUrl>
#include <QWebSocket>
#include <chrono>
#include <cstdint>
#include <vector>

class QTimer;

namespace tickscope::ingest {

struct FeedConnectionOptions
{
    std::chrono::seconds silenceTimeout{30}; // no frame and no pong for this long: reconnect
    std::chrono::seconds pingInterval{10};
    std::chrono::seconds lifetimeMargin{300}; // reconnect this long before the exchange would
    std::chrono::milliseconds reconnectBase{250};
    std::chrono::milliseconds reconnectCap{30'000};
    // Larger WebSocket messages close the connection (code 1009): far above any exchange's real
    // frames, far below what would exhaust memory.
    std::int64_t maxMessageBytes = 16 << 20;
};

class FeedConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Connecting, Live, Reconnecting };

    // Carries the streams of `instruments` (indices into the adapter's list).
    FeedConnection(const feeds::ExchangeAdapter &adapter, std::vector<std::uint32_t> instruments,
        FeedConnectionOptions options, QObject *parent);

    const std::vector<std::uint32_t> &instruments() const { return m_instruments; }
    bool carries(std::uint32_t instrument) const;
    State state() const { return m_state; }
    std::int64_t reconnects() const { return m_reconnects; }

    void open();
    // Drops the connection and opens it again after the backoff.
    void reconnect(const QString &reason);
    // A connection lost or shut down on purpose: no reconnect.
    void close(bool handshake);
    void send(const QByteArray &message);
    // Once a second from the session: silence and keep-alive.
    void watch();
    // The exchange asked for a new connection soon: reconnect without waiting out a backoff.
    void reconnectNow(const QString &reason);

signals:
    void frameReceived(const QString &frame);
    // The exchange's connection lifetime ends soon: this connection reconnects now.
    void lifetimeEnding();
    void connected(const QString &url);
    void disconnected(const QString &reason);
    void errorOccurred(const QString &error);

private:
    void onConnected();
    void onDisconnected();
    void keepAlive();

    const feeds::ExchangeAdapter &m_adapter;
    std::vector<std::uint32_t> m_instruments;
    FeedConnectionOptions m_options;
    QWebSocket *m_socket;
    QTimer *m_lifetime;
    QTimer *m_retry;
    feeds::Backoff m_backoff;
    std::chrono::steady_clock::time_point m_lastHeard;
    State m_state = State::Idle;
    bool m_closing = false;
    std::int64_t m_reconnects = 0;
};

// The instruments of each of a feed's connections, in the adapter's order: as many per connection
// as the exchange's stream limit allows. FeedSession opens them; BatchAssembler tells by it which
// instruments a connection's disconnect concerns.
std::vector<std::vector<std::uint32_t>> planConnections(const feeds::ExchangeAdapter &adapter);

} // namespace tickscope::ingest
