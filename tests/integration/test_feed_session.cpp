// The feed thread's worker against a hostile server on loopback: a message far larger than any
// exchange sends closes the connection (and is recorded) instead of being buffered whole, and the
// feed reconnects.
#include "app/feeds/binance/binance_adapter.h"
#include "app/ingest/feed_session.h"
#include "app/ingest/journal_reader.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace tickscope;

class TestFeedSession : public QObject
{
    Q_OBJECT

private slots:
    void oversizedMessageClosesTheConnection()
    {
        QWebSocketServer server{QStringLiteral("hostile"), QWebSocketServer::NonSecureMode};
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        int connections = 0;
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            QWebSocket *client = server.nextPendingConnection();
            client->setParent(&server);
            ++connections;
            // 2 MiB: above the session's limit of 1 MiB set below.
            client->sendTextMessage(QString(2 << 20, u'x'));
        });
        QTemporaryDir dir;
        const std::filesystem::path journal = dir.filePath(QStringLiteral("binance")).toStdString();
        feeds::binance::BinanceEndpoints endpoints;
        endpoints.websocket = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(server.serverPort()));
        endpoints.rest = QUrl(QStringLiteral("http://127.0.0.1:9"));
        ingest::FeedSession session{
            std::make_unique<feeds::binance::BinanceAdapter>(
                feeds::InstrumentList{{{"binance", "BTCUSDT", "BTC", "USDT"}}}, endpoints,
                feeds::binance::TimeUnit::Milliseconds),
            {.journalDirectory = journal,
                .connection
                = {.reconnectBase = std::chrono::milliseconds(50), .maxMessageBytes = 1 << 20}}};
        session.start();
        QTRY_VERIFY_WITH_TIMEOUT(connections >= 2, 10'000); // closed, and connected again
        QSignalSpy stopped{&session, &ingest::FeedSession::stopped};
        session.stop();
        QCOMPARE(stopped.count(), 1);

        ingest::journal::JournalReader reader{journal};
        reader.seek({});
        int disconnects = 0;
        for (;;) {
            auto record = reader.next();
            QVERIFY(record);
            if (!*record)
                break;
            QVERIFY2((*record)->payload.size() < 4096, "the oversized message was journaled");
            if ((*record)->payload.starts_with("disconnect\t")
                && (*record)->payload.contains("1009"))
                ++disconnects;
        }
        QVERIFY(disconnects >= 1);
    }
};

QTEST_GUILESS_MAIN(TestFeedSession)
#include "test_feed_session.moc"
