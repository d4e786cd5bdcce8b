#include "app/services/http_endpoint.h"

#include "app/net/guarded_tcp_server.h"
#include "app/net/qt_http.h"

#include <QHttpServerResponder>
#include <QJsonObject>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

// Every answer closes its connection: the listener checks each request's head before Qt's server
// reads it, which it can do only for a connection's first request.
QHttpServerResponse closingConnection(QHttpServerResponse response)
{
    QHttpHeaders headers = response.headers();
    headers.replaceOrAppend(QHttpHeaders::WellKnownHeader::Connection, "close");
    response.setHeaders(std::move(headers));
    return response;
}

} // namespace

HttpEndpoint::HttpEndpoint(QByteArray token)
    : m_expectedAuthorization(token.isEmpty() ? QByteArray() : "Bearer " + token)
    , m_server(std::make_unique<QHttpServer>())
{
    m_server->setMissingHandler(
        m_server.get(), [this](const QHttpServerRequest &request, QHttpServerResponder &responder) {
            responder.sendResponse(
                closingConnection(error(QHttpServerResponse::StatusCode::NotFound,
                    QStringLiteral("no route %1 %2; this server answers GET on %3")
                        .arg(QString::fromLatin1(net::methodName(request.method())),
                            request.url().path(), m_paths.join(QStringLiteral(", "))))));
        });
}

HttpEndpoint::~HttpEndpoint() = default;

void HttpEndpoint::get(const QString &path, Handler handler)
{
    m_paths << path;
    m_server->route(path, QHttpServerRequest::Method::Get,
        [this, handler = std::move(handler)](const QHttpServerRequest &request) {
            return handler(request).then(m_server.get(), &closingConnection);
        });
}

std::expected<quint16, QString> HttpEndpoint::listen(const QString &host, quint16 port)
{
    auto listener = std::make_unique<net::GuardedTcpServer>(m_expectedAuthorization);
    net::GuardedTcpServer *guard = listener.get();
    auto bound = net::listen(*m_server, QHostAddress(host), port, std::move(listener));
    if (!bound)
        return std::unexpected(
            QStringLiteral("cannot listen on %1:%2: %3").arg(host).arg(port).arg(bound.error()));
    m_listener = guard;
    QObject::connect(guard, &net::GuardedTcpServer::clientLeft, m_server.get(),
        [this](const QHostAddress &address, quint16 clientPort) {
            if (m_clientLeft)
                m_clientLeft(address, clientPort);
        });
    return *bound;
}

void HttpEndpoint::whenClientLeaves(std::function<void(const QHostAddress &, quint16)> handler)
{
    m_clientLeft = std::move(handler);
}

int HttpEndpoint::connections() const
{
    return m_listener ? m_listener->connections() : 0;
}

net::RefusalCounts HttpEndpoint::refusals() const
{
    return m_listener ? m_listener->refusals() : net::RefusalCounts{};
}

void HttpEndpoint::moveToThread(QThread *thread)
{
    m_server->moveToThread(thread);
}

QHttpServerResponse HttpEndpoint::error(
    QHttpServerResponse::StatusCode status, const QString &message)
{
    return QHttpServerResponse(QJsonObject{{QStringLiteral("error"), message}}, status);
}

QFuture<QHttpServerResponse> HttpEndpoint::ready(QHttpServerResponse response)
{
    return QtFuture::makeReadyValueFuture(std::move(response));
}

std::optional<quint16> listenAsConfigured(HttpEndpoint &endpoint, const HttpSettings &settings)
{
    if (!settings.listen)
        return std::nullopt;
    const auto &[host, port] = *settings.listen;
    const auto bound = endpoint.listen(host, port);
    if (!bound) {
        spdlog::warn("no /metrics or query API: {}", bound.error().toStdString());
        return std::nullopt;
    }
    spdlog::info("metrics on http://{}:{}/metrics, query API under /api/v1/{}", host.toStdString(),
        *bound, settings.token.isEmpty() ? "" : " (token required)");
    return *bound;
}

} // namespace tickscope::app
