#include "app/net/guarded_tcp_server.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>
#include <algorithm>
#include <list>
#include <memory>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tickscope::net {

namespace {

// Descriptors left for everything else of the process (journal segments, feeds' sockets,
// database connections) however many clients come.
constexpr rlim_t kDescriptorReserve = 256;
// Connections past the cap that are still answered 503 before the server stops accepting.
constexpr int kRefusalSlack = 16;
// How long a refused client has to read its answer.
constexpr std::chrono::seconds kRefusalLinger{5};

int allowedConnections(int wanted)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return wanted;
    const rlim_t spare = limit.rlim_cur > kDescriptorReserve + kRefusalSlack
        ? limit.rlim_cur - kDescriptorReserve - kRefusalSlack
        : 0;
    return static_cast<int>(std::clamp<rlim_t>(spare, 4, static_cast<rlim_t>(wanted)));
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Service Unavailable";
    }
}

} // namespace

// A connection whose request's head is still being read: its deadline, and the context of every
// connection made for it, so that deleting it at the hand-over leaves the socket to Qt's server.
// It stands in the server's queue of pending requests, oldest first, from birth to death.
class GuardedTcpServer::PendingRequest : public QObject
{
public:
    PendingRequest(QTcpSocket *socket, std::list<PendingRequest *> &queue)
        : QObject(socket)
        , m_socket(socket)
        , m_queue(queue)
        , m_place(queue.insert(queue.end(), this))
    {
        m_deadline.setSingleShot(true);
    }
    ~PendingRequest() override { m_queue.erase(m_place); }
    PendingRequest(const PendingRequest &) = delete;
    PendingRequest &operator=(const PendingRequest &) = delete;

    QTcpSocket *socket() const { return m_socket; }
    QTimer &deadline() { return m_deadline; }

private:
    QTcpSocket *m_socket;
    std::list<PendingRequest *> &m_queue;
    std::list<PendingRequest *>::iterator m_place;
    QTimer m_deadline;
};

bool equalInConstantTime(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

GuardedTcpServer::GuardedTcpServer(
    QByteArray expectedAuthorization, ConnectionLimits limits, QObject *parent)
    : QTcpServer(parent)
    , m_expectedAuthorization(std::move(expectedAuthorization))
    , m_limits(limits)
    , m_maxConnections(allowedConnections(limits.maxConnections))
{ }

RefusalCounts GuardedTcpServer::refusals() const
{
    return {.tooManyConnections = m_tooManyConnections,
        .evicted = m_evicted,
        .timedOut = m_timedOut,
        .tooLarge = m_tooLarge,
        .malformed = m_malformed,
        .unauthorized = m_unauthorized};
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        ::close(static_cast<int>(descriptor));
        delete socket;
        return;
    }
    // At the cap, the request that has kept its connection longest without a whole head makes
    // room: idle and slow clients cannot lock out one that sends its request at once.
    if (m_connections >= m_maxConnections && !m_pending.empty()) {
        ++m_evicted;
        delete m_pending.front()->socket();
    }
    ++m_connections;
    connect(socket, &QObject::destroyed, this, &GuardedTcpServer::closed);
    auto *pending = new PendingRequest(socket, m_pending);
    connect(socket, &QAbstractSocket::disconnected, pending, [socket] { socket->deleteLater(); });
    if (m_connections > m_maxConnections) {
        if (m_connections >= m_maxConnections + kRefusalSlack) {
            pauseAccepting();
            m_paused = true;
        }
        refuse(socket, pending, 503,
            QStringLiteral("too many connections (%1); try again shortly").arg(m_maxConnections),
            m_tooManyConnections);
        return;
    }
    // What one head may take; a transaction-reading parser keeps a whole request in this buffer,
    // so it also bounds what a connection holds after the hand-over.
    socket->setReadBufferSize(m_limits.head.maxHeadBytes + 1);
    connect(&pending->deadline(), &QTimer::timeout, pending, [this, socket, pending] {
        refuse(socket, pending, 408,
            QStringLiteral("the request did not arrive within %1 s")
                .arg(
                    std::chrono::duration_cast<std::chrono::seconds>(m_limits.headTimeout).count()),
            m_timedOut);
    });
    pending->deadline().start(m_limits.headTimeout);
    connect(socket, &QIODevice::readyRead, pending,
        [this, socket, pending] { inspect(socket, pending); });
    if (socket->bytesAvailable() > 0)
        inspect(socket, pending);
}

void GuardedTcpServer::inspect(QTcpSocket *socket, PendingRequest *pending)
{
    const QByteArray received = socket->peek(socket->bytesAvailable());
    const RequestHead head = inspectRequestHead(received, m_limits.head);
    using Verdict = RequestHead::Verdict;
    switch (head.verdict) {
    case Verdict::Incomplete:
        return;
    case Verdict::RequestLineTooLong:
        return refuse(socket, pending, 414,
            QStringLiteral("the request line is longer than %1 bytes")
                .arg(m_limits.head.maxRequestLineBytes),
            m_tooLarge);
    case Verdict::HeadTooLarge:
        return refuse(socket, pending, 431,
            QStringLiteral("the request's head is larger than %1 bytes")
                .arg(m_limits.head.maxHeadBytes),
            m_tooLarge);
    case Verdict::BodyNotAllowed:
        return refuse(socket, pending, 413,
            QStringLiteral("this endpoint answers GET requests without a body"), m_tooLarge);
    case Verdict::Malformed:
        return refuse(socket, pending, 400,
            QStringLiteral("the request's head is not HTTP/1.1 (a header line without a colon, "
                           "or Authorization twice)"),
            m_malformed);
    case Verdict::Complete:
        if (!m_expectedAuthorization.isEmpty()
            && !equalInConstantTime(head.authorization, m_expectedAuthorization))
            return refuse(socket, pending, 401,
                QStringLiteral("send the API token as \"Authorization: Bearer TOKEN\""),
                m_unauthorized);
        return handOver(socket, pending);
    }
}

void GuardedTcpServer::handOver(QTcpSocket *socket, PendingRequest *pending)
{
    delete pending;
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, &QAbstractSocket::abort);
    deadline->start(m_limits.responseTimeout);
    // One request a connection: once its answer is written, the connection is closed.
    auto answering = std::make_shared<bool>(false);
    connect(socket, &QIODevice::bytesWritten, deadline, [socket, answering] {
        *answering = true;
        if (socket->bytesToWrite() == 0)
            socket->disconnectFromHost();
    });
    connect(socket, &QAbstractSocket::disconnected, deadline,
        [this, answering, address = socket->peerAddress(), port = socket->peerPort()] {
            if (!*answering)
                emit clientLeft(address, port);
        });
    addPendingConnection(socket); // Qt's server takes it (and owns it) here
    // The head came before Qt's server listened to the socket: tell it that it is there.
    QMetaObject::invokeMethod(socket, &QIODevice::readyRead, Qt::QueuedConnection);
}

void GuardedTcpServer::refuse(QTcpSocket *socket, PendingRequest *pending, int status,
    const QString &message, std::atomic<std::uint64_t> &counter)
{
    ++counter;
    disconnect(socket, &QIODevice::readyRead, pending, nullptr);
    pending->deadline().disconnect();
    const QByteArray body = QJsonDocument(
        QJsonObject{{QStringLiteral("error"),
            message}}).toJson(QJsonDocument::Compact);
    QByteArray answer = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n";
    if (status == 503)
        answer += "Retry-After: 1\r\n";
    if (status == 401)
        answer += "WWW-Authenticate: Bearer\r\n";
    socket->write(answer + "\r\n" + body);
    // Closing with the client's bytes unread would reset the connection, and the client could
    // lose the answer: once it is written, only our side is shut, and what still comes is read
    // and dropped until the client closes.
    connect(socket, &QIODevice::bytesWritten, pending, [socket] {
        if (socket->bytesToWrite() == 0)
            ::shutdown(static_cast<int>(socket->socketDescriptor()), SHUT_WR);
    });
    connect(socket, &QIODevice::readyRead, pending,
        [socket] { socket->skip(socket->bytesAvailable()); });
    socket->skip(socket->bytesAvailable());
    // A client that does not read its answer, or does not close, keeps nothing for long.
    connect(&pending->deadline(), &QTimer::timeout, socket, &QAbstractSocket::abort);
    pending->deadline().start(kRefusalLinger);
}

void GuardedTcpServer::closed()
{
    --m_connections;
    if (m_paused && m_connections < m_maxConnections + kRefusalSlack) {
        resumeAccepting();
        m_paused = false;
    }
}

} // namespace tickscope::net
