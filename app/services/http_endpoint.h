// Tickscope's one HTTP endpoint: Prometheus' /metrics and the read-only query API share a
// QHttpServer on the [http] listen address. With a token configured (required off loopback) every
// route asks for "Authorization: Bearer TOKEN" and answers 401 without it; unknown routes get a
// 404 that lists the known ones. Errors are JSON: {"error": "..."}.
#pragma once

#include "app/config/config.h"

#include <QByteArray>
#include <QFuture>
#include <QHttpServerResponse>
#include <QString>
#include <QStringList>
#include <expected>
#include <functional>
#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QThread;

namespace tickscope::app {

class HttpEndpoint
{
public:
    using Handler = std::function<QFuture<QHttpServerResponse>(const QHttpServerRequest &)>;

    explicit HttpEndpoint(QByteArray token);
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint &) = delete;
    HttpEndpoint &operator=(const HttpEndpoint &) = delete;

    // Answers GET `path` with `handler` (on the thread that owns the endpoint; a handler that
    // queries the database hands the work to a pool and returns its future).
    void get(const QString &path, Handler handler);
    // Listens on `host`:`port` (0: any free port); yields the port.
    std::expected<quint16, QString> listen(const QString &host, quint16 port);
    // From now on requests are taken and answered on `thread` (its handlers run there).
    void moveToThread(QThread *thread);

    static QHttpServerResponse error(
        QHttpServerResponse::StatusCode status, const QString &message);
    static QFuture<QHttpServerResponse> ready(QHttpServerResponse response);

private:
    bool authorized(const QHttpServerRequest &request) const;

    QByteArray m_expectedAuthorization; // "Bearer TOKEN"; empty: none asked
    QStringList m_paths;
    std::unique_ptr<QHttpServer> m_server;
};

// Listens where [http] says (nowhere for "off") and logs where /metrics and the API answer, or
// why they do not; the job goes on either way. Yields the port it listens on.
std::optional<quint16> listenAsConfigured(HttpEndpoint &endpoint, const HttpSettings &settings);

} // namespace tickscope::app
