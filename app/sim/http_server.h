// The simulated exchange's REST side: Qt HTTP Server on 127.0.0.1, on a thread of its own, so
// that it keeps taking and answering requests while the simulator's thread streams 100-200k
// messages a second. The handler still runs on the thread that owns this object (the
// simulator's), queued between its ticks, so it reads the markets without locks; the HTTP thread
// only parses, waits for the answer without blocking, and writes it (keep-alive as HTTP/1.1
// clients expect). Every path reaches the handler, which answers 404 for those it does not know.
// Used by the simulators whose exchanges have a REST side: Binance (BinanceRestApi), OKX, Kraken
// and Coinbase (their trade histories).
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QThread>
#include <QUrlQuery>
#include <expected>
#include <functional>
#include <memory>
#include <optional>

class QHttpServer;

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
        QList<std::pair<QByteArray, QByteArray>> headers; // besides Content-Type
    };

    using Handler = std::function<Response(const Request &)>;

    // A whole-number query parameter from `min` to `max`: nothing when it is absent, what is
    // wrong with it in words when it is not such a number.
    static std::expected<std::optional<std::int64_t>, QString> wholeNumber(
        const QUrlQuery &query, const QString &name, std::int64_t min, std::int64_t max);

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    // Listens on 127.0.0.1:port; port 0 picks a free one.
    std::expected<void, QString> listen(quint16 port);
    quint16 port() const { return m_port; }
    // Stops taking requests; answers still being computed are dropped with their connections.
    void close();

private:
    Handler m_handler;
    QThread m_thread;
    std::unique_ptr<QHttpServer> m_server; // lives on m_thread once listening
    quint16 m_port = 0;
};

} // namespace tickscope::sim
