#include "app/sim/http_server.h"

#include "app/net/qt_http.h"

#include <QFuture>
#include <QHttpServerResponse>
#include <QPromise>

namespace tickscope::sim {

namespace {

HttpServer::Request convert(const QHttpServerRequest &request)
{
    HttpServer::Request converted;
    converted.method = net::methodName(request.method());
    converted.path = request.url().path(QUrl::FullyDecoded);
    converted.query = request.query();
    const QHttpHeaders headers = request.headers();
    for (qsizetype i = 0; i < headers.size(); ++i) {
        const QLatin1StringView name = headers.nameAt(i);
        converted.headers.emplaceBack(
            QByteArray(name.data(), name.size()).toLower(), headers.valueAt(i).toByteArray());
    }
    return converted;
}

} // namespace

QByteArray HttpServer::Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key == name)
            return value;
    }
    return {};
}

std::expected<std::optional<std::int64_t>, QString> HttpServer::wholeNumber(
    const QUrlQuery &query, const QString &name, std::int64_t min, std::int64_t max)
{
    if (!query.hasQueryItem(name))
        return std::nullopt;
    const QString text = query.queryItemValue(name, QUrl::FullyDecoded);
    bool ok = false;
    const qlonglong value = text.toLongLong(&ok);
    if (!ok || value < min || value > max)
        return std::unexpected(QStringLiteral("%1 must be a whole number from %2 to %3, not '%4'")
                .arg(name)
                .arg(min)
                .arg(max)
                .arg(text));
    return value;
}

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{
    m_thread.setObjectName(QStringLiteral("sim-rest"));
}

HttpServer::~HttpServer()
{
    close();
}

std::expected<void, QString> HttpServer::listen(quint16 port)
{
    auto server = std::make_unique<QHttpServer>();
    // A QUrl argument matches the rest of the path, slashes included: every path is the
    // handler's.
    server->route(QStringLiteral("/<arg>"), QHttpServerRequest::Method::AnyKnown,
        [this](const QUrl &, const QHttpServerRequest &request) {
            // Answered on this object's thread; the HTTP thread goes on meanwhile.
            auto promise = std::make_shared<QPromise<QHttpServerResponse>>();
            QFuture<QHttpServerResponse> answer = promise->future();
            promise->start();
            QMetaObject::invokeMethod(
                this,
                [this, promise, converted = convert(request)] {
                    const Response response = m_handler(converted);
                    QHttpServerResponse answer(QByteArrayLiteral("application/json"), response.body,
                        static_cast<QHttpServerResponse::StatusCode>(response.status));
                    QHttpHeaders headers = answer.headers();
                    for (const auto &[name, value] : response.headers)
                        headers.append(name, value);
                    answer.setHeaders(std::move(headers));
                    promise->addResult(std::move(answer));
                    promise->finish();
                },
                Qt::QueuedConnection);
            return answer;
        });
    const auto bound = net::listen(*server, QHostAddress::LocalHost, port);
    if (!bound)
        return std::unexpected(bound.error());
    m_port = *bound;
    m_server = std::move(server);
    m_server->moveToThread(&m_thread);
    m_thread.start();
    return {};
}

void HttpServer::close()
{
    m_thread.quit();
    m_thread.wait();
    m_server.reset();
}

} // namespace tickscope::sim
