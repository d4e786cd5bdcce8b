#include "app/services/http_endpoint.h"

#include "app/net/qt_http.h"

#include <QHttpServerResponder>
#include <QJsonObject>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

// Compares in time that does not depend on where the two differ, so that a client cannot find the
// token a byte at a time.
bool equalInConstantTime(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

} // namespace

HttpEndpoint::HttpEndpoint(QByteArray token)
    : m_expectedAuthorization(token.isEmpty() ? QByteArray() : "Bearer " + token)
    , m_server(std::make_unique<QHttpServer>())
{
    m_server->setMissingHandler(
        m_server.get(), [this](const QHttpServerRequest &request, QHttpServerResponder &responder) {
            responder.sendResponse(error(QHttpServerResponse::StatusCode::NotFound,
                QStringLiteral("no route %1 %2; this server answers GET on %3")
                    .arg(QString::fromLatin1(net::methodName(request.method())),
                        request.url().path(), m_paths.join(QStringLiteral(", ")))));
        });
}

HttpEndpoint::~HttpEndpoint() = default;

void HttpEndpoint::get(const QString &path, Handler handler)
{
    m_paths << path;
    m_server->route(path, QHttpServerRequest::Method::Get,
        [this, handler = std::move(handler)](const QHttpServerRequest &request) {
            if (!authorized(request)) {
                auto response = error(QHttpServerResponse::StatusCode::Unauthorized,
                    QStringLiteral("send the API token as \"Authorization: Bearer TOKEN\""));
                QHttpHeaders headers = response.headers();
                headers.append(QHttpHeaders::WellKnownHeader::WWWAuthenticate, "Bearer");
                response.setHeaders(std::move(headers));
                return ready(std::move(response));
            }
            return handler(request);
        });
}

std::expected<quint16, QString> HttpEndpoint::listen(const QString &host, quint16 port)
{
    auto bound = net::listen(*m_server, QHostAddress(host), port);
    if (!bound)
        return std::unexpected(
            QStringLiteral("cannot listen on %1:%2: %3").arg(host).arg(port).arg(bound.error()));
    return *bound;
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

bool HttpEndpoint::authorized(const QHttpServerRequest &request) const
{
    return m_expectedAuthorization.isEmpty()
        || equalInConstantTime(
            request.value(QByteArrayLiteral("Authorization")), m_expectedAuthorization);
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
