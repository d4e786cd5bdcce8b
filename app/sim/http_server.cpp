#include "app/sim/http_server.h"

#include <QFuture>
#include <QHostAddress>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QMetaEnum>
#include <QPromise>
#include <QTcpServer>

namespace tickscope::sim {

namespace {

HttpServer::Request convert(const QHttpServerRequest &request)
{
    HttpServer::Request converted;
    converted.method = QByteArray(QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(
                                      static_cast<int>(request.method())))
                           .toUpper();
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
    server->route(QStringLiteral("/api/v3/<arg>"), QHttpServerRequest::Method::AnyKnown,
        [this](const QString &, const QHttpServerRequest &request) {
            // Answered on this object's thread; the HTTP thread goes on meanwhile.
            auto promise = std::make_shared<QPromise<QHttpServerResponse>>();
            QFuture<QHttpServerResponse> answer = promise->future();
            promise->start();
            QMetaObject::invokeMethod(
                this,
                [this, promise, converted = convert(request)] {
                    const Response response = m_handler(converted);
                    promise->addResult(
                        QHttpServerResponse(QByteArrayLiteral("application/json"), response.body,
                            static_cast<QHttpServerResponse::StatusCode>(response.status)));
                    promise->finish();
                },
                Qt::QueuedConnection);
            return answer;
        });
    auto tcp = std::make_unique<QTcpServer>();
    if (!tcp->listen(QHostAddress::LocalHost, port))
        return std::unexpected(tcp->errorString());
    m_port = tcp->serverPort();
    if (!server->bind(tcp.get()))
        return std::unexpected(QStringLiteral("the HTTP server did not take port %1").arg(m_port));
    tcp.release(); // the HTTP server owns it now
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
