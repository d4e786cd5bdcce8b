// The smallest HTTP/1.1 server that a simulated exchange's REST API needs: 127.0.0.1 only, one
// request per connection (answered with Connection: close), request bodies ignored, JSON
// answers made by a handler. Malformed requests get 400 without reaching the handler.
// Used by BinanceSimulator for BinanceRestApi.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrlQuery>
#include <expected>
#include <functional>

class QTcpServer;
class QTcpSocket;

namespace tickscope::sim {

class HttpServer : public QObject
{
    Q_OBJECT

public:
    struct Request
    {
        QByteArray method; // "GET", ...
        QString path; // decoded, without the query
        QUrlQuery query;
        QList<std::pair<QByteArray, QByteArray>> headers; // names in lower case
        QByteArray header(QByteArrayView name) const;
    };

    struct Response
    {
        int status = 200;
        QByteArray body; // JSON
    };

    using Handler = std::function<Response(const Request &)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    // Listens on 127.0.0.1:port; port 0 picks a free one.
    std::expected<void, QString> listen(quint16 port);
    quint16 port() const;
    void close();

private:
    void onConnection();
    void onReadyRead(QTcpSocket *socket, QByteArray &received);
    void respond(
        QTcpSocket *socket, int status, const QByteArray &contentType, const QByteArray &body);

    Handler m_handler;
    QTcpServer *m_server;
};

} // namespace tickscope::sim
