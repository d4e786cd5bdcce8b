// The listening socket in front of Tickscope's HTTP endpoint (/metrics and the query API, inside
// `tickscope ingest` and the console). Qt 6.8's QHttpServer limits nothing: no cap on connections,
// no idle timeout, no bound on a request's size, so idle or slow clients could take every file
// descriptor of the ingest process and stop its journal. This server takes each connection first:
//  - at most `maxConnections` at once (fewer when the descriptor limit leaves less beside a reserve
//    for journals, feeds and the database). At the cap a new connection takes the place of the
//    one that has waited longest without sending a whole head (reset); when every connection is
//    being answered, it gets 503 with Retry-After, and past a few of those the server stops
//    accepting until connections close;
//  - the request's head must arrive whole within `headTimeout` (408), within the sizes of
//    RequestHeadLimits (414, 431), without a body (413) and, when a token is set, with it (401);
//  - only then is the connection handed to QHttpServer, for one request: the answer carries
//    "Connection: close", the socket closes once it is written, and a connection still open
//    `responseTimeout` after the hand-over is cut.
// Refusals are JSON ({"error": "..."}) like every other answer of the endpoint, and counted.
#pragma once

#include "app/net/request_head.h"

#include <QHostAddress>
#include <QTcpServer>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>

class QTcpSocket;

namespace tickscope::net {

struct ConnectionLimits
{
    int maxConnections = 128;
    std::chrono::milliseconds headTimeout{10'000};
    std::chrono::milliseconds responseTimeout{60'000};
    RequestHeadLimits head;
};

// What the server turned away, by reason (read from any thread).
struct RefusalCounts
{
    std::uint64_t tooManyConnections = 0; // 503: every connection was being answered
    std::uint64_t evicted = 0; // reset to make room: waited longest for its head
    std::uint64_t timedOut = 0;
    std::uint64_t tooLarge = 0;
    std::uint64_t malformed = 0;
    std::uint64_t unauthorized = 0;
};

class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    // `expectedAuthorization`: the whole Authorization value a request must carry ("Bearer
    // TOKEN"); empty: none asked.
    GuardedTcpServer(
        QByteArray expectedAuthorization, ConnectionLimits limits = {}, QObject *parent = nullptr);

    // The connections held now, and the most allowed at once.
    int connections() const { return m_connections; }
    int maxConnections() const { return m_maxConnections; }
    RefusalCounts refusals() const;

signals:
    // A connection handed to Qt's server closed before any of its answer was written: the
    // client no longer waits for it. Its address and port, as QHttpServerRequest gives them.
    void clientLeft(const QHostAddress &address, quint16 port);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    class PendingRequest;

    void inspect(QTcpSocket *socket, PendingRequest *pending);
    void handOver(QTcpSocket *socket, PendingRequest *pending);
    void refuse(QTcpSocket *socket, PendingRequest *pending, int status, const QString &message,
        std::atomic<std::uint64_t> &counter);
    void closed();

    const QByteArray m_expectedAuthorization;
    const ConnectionLimits m_limits;
    const int m_maxConnections;
    int m_connections = 0;
    bool m_paused = false;
    std::list<PendingRequest *> m_pending; // connections whose head is awaited, oldest first
    std::atomic<std::uint64_t> m_tooManyConnections{0};
    std::atomic<std::uint64_t> m_evicted{0};
    std::atomic<std::uint64_t> m_timedOut{0};
    std::atomic<std::uint64_t> m_tooLarge{0};
    std::atomic<std::uint64_t> m_malformed{0};
    std::atomic<std::uint64_t> m_unauthorized{0};
};

// Whether `a` equals `b`, in a time that does not depend on where they differ, so that a client
// cannot find a token a byte at a time.
bool equalInConstantTime(QByteArrayView a, QByteArrayView b);

} // namespace tickscope::net
