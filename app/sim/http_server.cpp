#include "app/sim/http_server.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <chrono>
#include <memory>
#include <optional>

namespace tickscope::sim {

namespace {

constexpr qsizetype kMaxHeaderBytes = 16 * 1024;
// A client that has not sent its request by then is gone or not speaking HTTP.
constexpr std::chrono::seconds kRequestTimeout{10};

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Error";
    }
}

QList<QByteArrayView> splitLines(QByteArrayView text)
{
    QList<QByteArrayView> lines;
    for (qsizetype start = 0; start <= text.size();) {
        qsizetype end = text.indexOf('\n', start);
        if (end < 0)
            end = text.size();
        QByteArrayView line = text.sliced(start, end - start);
        if (line.endsWith('\r'))
            line.chop(1);
        lines << line;
        start = end + 1;
    }
    return lines;
}

// "GET /path?query HTTP/1.1\r\nName: value\r\n..." without the final blank line.
std::optional<HttpServer::Request> parseRequest(QByteArrayView head)
{
    const QList<QByteArrayView> lines = splitLines(head);
    if (lines.isEmpty())
        return std::nullopt;
    const QList<QByteArray> parts = lines.front().toByteArray().split(' ');
    if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.") || !parts[1].startsWith('/'))
        return std::nullopt;
    HttpServer::Request request;
    request.method = parts[0];
    const QUrl target{QString::fromLatin1(parts[1]), QUrl::StrictMode};
    if (!target.isValid())
        return std::nullopt;
    request.path = target.path(QUrl::FullyDecoded);
    request.query = QUrlQuery{target.query(QUrl::FullyEncoded)};
    for (const QByteArrayView line : lines.sliced(1)) {
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return std::nullopt;
        request.headers.emplaceBack(line.first(colon).toByteArray().toLower(),
            line.sliced(colon + 1).trimmed().toByteArray());
    }
    return request;
}

} // namespace

QByteArray HttpServer::Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers)
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    return {};
}

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onConnection);
}

HttpServer::~HttpServer() = default;

std::expected<void, QString> HttpServer::listen(quint16 port)
{
    if (!m_server->listen(QHostAddress::LocalHost, port))
        return std::unexpected(QStringLiteral("cannot listen on 127.0.0.1:%1 for REST: %2")
                .arg(port)
                .arg(m_server->errorString()));
    return {};
}

quint16 HttpServer::port() const
{
    return m_server->serverPort();
}

void HttpServer::close()
{
    m_server->close();
}

void HttpServer::onConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        // Requests arrive in pieces; this keeps what came so far until the blank line.
        auto received = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this,
            [this, socket, received] { onReadyRead(socket, *received); });
        QTimer::singleShot(kRequestTimeout, socket, [socket] { socket->abort(); });
    }
}

void HttpServer::onReadyRead(QTcpSocket *socket, QByteArray &received)
{
    received += socket->readAll();
    const qsizetype end = received.indexOf("\r\n\r\n");
    if (end < 0) {
        if (received.size() > kMaxHeaderBytes) {
            disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
            respond(socket, 431, "text/plain", "request header too large\n");
        }
        return;
    }
    disconnect(socket, &QTcpSocket::readyRead, this, nullptr);
    const auto request = parseRequest(QByteArrayView(received).first(end));
    if (!request) {
        respond(socket, 400, "text/plain", "malformed HTTP request\n");
        return;
    }
    const Response response = m_handler(*request);
    respond(socket, response.status, "application/json", response.body);
}

void HttpServer::respond(
    QTcpSocket *socket, int status, const QByteArray &contentType, const QByteArray &body)
{
    QByteArray message = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
        + "\r\nContent-Type: " + contentType + "\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    socket->write(message);
    socket->disconnectFromHost();
}

} // namespace tickscope::sim
