// What Tickscope's two Qt HTTP servers share: the endpoint of /metrics and the query API
// (services/http_endpoint) and the simulated exchange's REST side (sim/http_server).
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QMetaEnum>
#include <QString>
#include <QTcpServer>
#include <expected>
#include <memory>

namespace tickscope::net {

// Listens with `tcp` on `address`:`port` (0: any free port) and hands it to `server`; yields the
// port, or why not (the socket's own error).
inline std::expected<quint16, QString> listen(QHttpServer &server, const QHostAddress &address,
    quint16 port, std::unique_ptr<QTcpServer> tcp = std::make_unique<QTcpServer>())
{
    if (!tcp->listen(address, port))
        return std::unexpected(tcp->errorString());
    const quint16 bound = tcp->serverPort();
    if (!server.bind(tcp.get()))
        return std::unexpected(QStringLiteral("the HTTP server did not take port %1").arg(bound));
    tcp.release(); // the HTTP server owns it now
    return bound;
}

// "GET", "POST", ... of a request.
inline QByteArray methodName(QHttpServerRequest::Method method)
{
    return QByteArray(
        QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(static_cast<int>(method)))
        .toUpper();
}

} // namespace tickscope::net
