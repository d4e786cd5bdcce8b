// Alerts against real servers, as the console runs them: a primary with a streaming standby
// watched by the replication monitor, whose snapshots feed the alert monitor. Stopping the
// standby raises "standby_gone" once the rule's duration has passed (not before), the webhook
// on a loopback test server receives it as JSON, audit.alerts keeps it, an acknowledgement is
// stored and audited; restarting the standby resolves it (and the webhook hears that too); a
// stopped primary raises "server_down".
#include "app/ops/local_server.h"
#include "app/ops/standby.h"
#include "app/services/alert_monitor.h"
#include "app/services/replication_monitor.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/test_cluster.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

// Takes HTTP POSTs on loopback, answers 200, keeps each body.
class WebhookReceiver : public QObject
{
public:
    WebhookReceiver()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }

    QString url() const
    {
        return QStringLiteral("http://127.0.0.1:%1/desk-alerts").arg(m_server.serverPort());
    }
    std::vector<QJsonObject> bodies;

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &request = m_pending[socket];
        request += socket->readAll();
        const qsizetype headerEnd = request.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        qsizetype length = 0;
        for (const QByteArray &line : request.left(headerEnd).split('\n'))
            if (line.toLower().startsWith("content-length:"))
                length = line.mid(15).trimmed().toLongLong();
        if (request.size() < headerEnd + 4 + length)
            return;
        bodies.push_back(QJsonDocument::fromJson(request.mid(headerEnd + 4, length)).object());
        m_pending.remove(socket);
        socket->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_pending;
};

bool hasActive(const std::vector<model::Alert> &alerts, const std::string &rule)
{
    return std::ranges::any_of(
        alerts, [&](const model::Alert &alert) { return alert.rule == rule; });
}

} // namespace

class TestAlerts : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        m_primary = std::make_unique<ops::LocalServer>(m_sandbox.databaseDirectory());
        QVERIFY(
            m_primary->init(testing::TestCluster::freePort(), testing::TestCluster::kFastSettings)
                .has_value());
        QVERIFY(m_primary->start().has_value());
        m_conninfo = m_primary->conninfo();
        try {
            testing::migrate(m_conninfo.toStdString());
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
        m_standbyDirectory = m_sandbox.filePath(QStringLiteral("standby"));
        const auto standby = ops::addStandby(*m_primary, m_standbyDirectory,
            testing::TestCluster::freePort(), [](const QString &) { });
        QVERIFY2(standby, qPrintable(standby ? QString() : standby.error()));
    }

    void cleanupTestCase()
    {
        (void)ops::LocalServer{m_standbyDirectory}.stop();
        if (m_primary)
            (void)m_primary->stop();
    }

    // A failed call names where it went, never the secret in its path or query (on eeff8bb
    // the log carried Qt's error text, which repeats the whole URL).
    void aFailedWebhookIsLoggedWithoutItsSecret()
    {
        const QUrl url{QStringLiteral(
            "https://user:pw@hooks.example:8443/services/T0/B1/SECRET-TOKEN?key=SECRET-KEY")};
        QCOMPARE(QString::fromStdString(
                     app::describeWebhookFailure(url, 404, QNetworkReply::ContentNotFoundError)),
            QStringLiteral("https://hooks.example:8443 answered HTTP 404 (ContentNotFoundError)"));
        QCOMPARE(QString::fromStdString(
                     app::describeWebhookFailure(url, 0, QNetworkReply::ConnectionRefusedError)),
            QStringLiteral("https://hooks.example:8443 could not be reached "
                           "(ConnectionRefusedError)"));
    }

    void standbyGoneFiresAfterItsDurationAndResolves()
    {
        model::AlertSettings settings;
        settings.webhook = m_webhook.url().toStdString();
        for (auto &rule : settings.rules) {
            if (rule.name == "standby_gone")
                rule.duration = std::chrono::seconds{3};
            if (rule.name == "server_down")
                rule.duration = std::chrono::seconds{1};
        }
        app::AlertMonitor alerts{settings, std::chrono::hours{24}};
        app::ReplicationMonitor replication;
        connect(&replication, &app::ReplicationMonitor::statusChanged, &alerts,
            &app::AlertMonitor::observeReplication);
        std::vector<model::Alert> active;
        std::vector<model::Alert> history;
        connect(&alerts, &app::AlertMonitor::alertsChanged, this,
            [&](const std::vector<model::Alert> &now, const std::vector<model::Alert> &kept) {
                active = now;
                history = kept;
            });
        alerts.start(m_conninfo);
        replication.start(m_conninfo, true, m_sandbox.databaseDirectory());
        QVERIFY2(active.empty(), active.empty() ? "" : active.front().message.c_str());

        ops::LocalServer standby{m_standbyDirectory};
        QVERIFY(standby.stop().value_or(false));
        QElapsedTimer clock;
        clock.start();
        while (!hasActive(active, "standby_gone") && clock.elapsed() < 30'000) {
            replication.refresh();
            QTest::qWait(200);
        }
        QVERIFY(hasActive(active, "standby_gone"));
        // Not before its duration, and soon after.
        QVERIFY2(clock.elapsed() >= 3000 && clock.elapsed() < 10'000,
            qPrintable(QString::number(clock.elapsed())));
        const model::Alert gone = active.front();
        QCOMPARE(gone.severity, model::AlertSeverity::Critical);
        QVERIFY2(gone.message.find("no standby uses replication slot") != std::string::npos,
            gone.message.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(!m_webhook.bodies.empty(), 10'000);
        QCOMPARE(m_webhook.bodies.front().value(QStringLiteral("state")).toString(),
            QStringLiteral("firing"));
        QCOMPARE(m_webhook.bodies.front().value(QStringLiteral("rule")).toString(),
            QStringLiteral("standby_gone"));
        QCOMPARE(m_webhook.bodies.front().value(QStringLiteral("severity")).toString(),
            QStringLiteral("critical"));
        QCOMPARE(history.size(), std::size_t{1});
        QVERIFY(history.front().active());

        QSignalSpy acknowledged{&alerts, &app::AlertMonitor::acknowledged};
        alerts.acknowledge(QStringLiteral("standby_gone"), QString::fromStdString(gone.subject),
            QStringLiteral("restarting it"));
        QCOMPARE(acknowledged.size(), 1);
        QVERIFY(acknowledged.front().front().toBool());
        QCOMPARE(active.front().note, std::string("restarting it"));
        QCOMPARE(scalar("SELECT count(*) FROM audit.operator_actions WHERE action = "
                        "'alert.acknowledge' AND detail->>'note' = 'restarting it'"),
            1);

        QVERIFY(standby.start().has_value());
        clock.restart();
        while (hasActive(active, "standby_gone") && clock.elapsed() < 60'000) {
            replication.refresh();
            QTest::qWait(200);
        }
        QVERIFY(!hasActive(active, "standby_gone"));
        QTRY_COMPARE_WITH_TIMEOUT(m_webhook.bodies.size(), std::size_t{2}, 10'000);
        QCOMPARE(m_webhook.bodies.back().value(QStringLiteral("state")).toString(),
            QStringLiteral("resolved"));
        QCOMPARE(scalar("SELECT count(*) FROM audit.alerts WHERE rule = 'standby_gone' AND "
                        "resolved_at IS NOT NULL AND note = 'restarting it'"),
            1);

        // The primary stops: the server is down.
        QVERIFY(m_primary->stop().value_or(false));
        clock.restart();
        while (!hasActive(active, "server_down") && clock.elapsed() < 30'000) {
            replication.refresh();
            QTest::qWait(200);
        }
        QVERIFY(hasActive(active, "server_down"));
        QVERIFY(m_primary->start().has_value());
    }

private:
    int scalar(const std::string &sql)
    {
        auto connection = db::connect(m_conninfo.toStdString(), "test");
        return pqxx::nontransaction{connection}.query_value<int>(sql);
    }

    testing::EmbeddedSandbox m_sandbox;
    std::unique_ptr<ops::LocalServer> m_primary;
    QString m_conninfo;
    QString m_standbyDirectory;
    WebhookReceiver m_webhook;
};

QTEST_GUILESS_MAIN(TestAlerts)
#include "test_alerts.moc"
