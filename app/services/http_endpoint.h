// Tickscope's one HTTP endpoint: Prometheus' /metrics and the query API share a QHttpServer on
// the [http] listen address, behind net::GuardedTcpServer, which bounds connections, their time
// and their size and, with a token configured (required off loopback), answers 401 to any request
// without "Authorization: Bearer TOKEN" before it is routed. Unknown routes of an authorized
// client get a 404 that lists the known ones. One request a connection. Errors are JSON:
// {"error": "..."}.
#pragma once

#include "app/config/config.h"
#include "app/net/guarded_tcp_server.h"

#include <QByteArray>
#include <QFuture>
#include <QHostAddress>
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
    // Calls `handler` (on the endpoint's thread) with the address and port of a client that
    // closed its connection before its answer was sent.
    void whenClientLeaves(std::function<void(const QHostAddress &, quint16)> handler);
    // From now on requests are taken and answered on `thread` (its handlers run there).
    void moveToThread(QThread *thread);
    // The connections held now, and those turned away (on the endpoint's thread).
    int connections() const;
    net::RefusalCounts refusals() const;

    static QHttpServerResponse error(
        QHttpServerResponse::StatusCode status, const QString &message);
    static QFuture<QHttpServerResponse> ready(QHttpServerResponse response);

private:
    QByteArray m_expectedAuthorization; // "Bearer TOKEN"; empty: none asked
    QStringList m_paths;
    std::unique_ptr<QHttpServer> m_server;
    net::GuardedTcpServer *m_listener = nullptr; // owned by m_server once it listens
    std::function<void(const QHostAddress &, quint16)> m_clientLeft;
};

// Listens where [http] says (nowhere for "off") and logs where /metrics and the API answer, or
// why they do not; the job goes on either way. Yields the port it listens on.
std::optional<quint16> listenAsConfigured(HttpEndpoint &endpoint, const HttpSettings &settings);

} // namespace tickscope::app
