// Patroni's GET /cluster answer as Tickscope reads it (ops::parseClusterView): members with their
// role, state, timeline and lag (a number, or "unknown" when Patroni has no position), the
// leader found; a damaged answer is an error that says what was wrong, never a crash.
#include "app/ops/patroni_api.h"

#include <QTest>

using namespace tickscope;

class TestPatroniView : public QObject
{
    Q_OBJECT

private slots:
    void readsMembersAndTheirLag()
    {
        const auto view = ops::parseClusterView(R"({"members": [
            {"name": "node1", "role": "replica", "state": "streaming", "api_url":
             "http:\/\/127.0.0.1:8009\/patroni", "host": "127.0.0.1", "port": 5433, "timeline": 3,
             "lag": 16384, "pending_restart": true},
            {"name": "node2", "role": "leader", "state": "running", "host": "127.0.0.1",
             "port": 5434, "timeline": 3},
            {"name": "node3", "role": "replica", "state": "stopped", "host": "127.0.0.1",
             "port": 5435, "lag": "unknown"}], "pause": true})");
        QVERIFY2(view, view ? "" : qPrintable(view.error()));
        QCOMPARE(view->members.size(), std::size_t(3));
        QVERIFY(view->paused);
        QVERIFY(view->leader());
        QCOMPARE(view->leader()->name, QStringLiteral("node2"));
        const auto &first = view->members.front();
        QCOMPARE(first.port, 5433);
        QCOMPARE(first.timeline, std::optional<int>(3));
        QCOMPARE(first.lagBytes, std::optional<qint64>(16384));
        QVERIFY(first.pendingRestart);
        // JSON's escaped slashes: moc reads a "//" in a raw string as a comment.
        QCOMPARE(first.apiUrl, QStringLiteral("http://127.0.0.1:8009/patroni"));
        QCOMPARE(view->members.back().lagBytes, std::nullopt);
        QCOMPARE(view->members.back().timeline, std::nullopt);
    }

    void aClusterWithoutLeaderHasNone()
    {
        const auto view = ops::parseClusterView(
            R"({"members": [{"name": "node1", "role": "replica", "state": "stopped"}]})");
        QVERIFY(view);
        QCOMPARE(view->leader(), nullptr);
    }

    void damagedAnswersAreNamed_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("message");
        QTest::addRow("not JSON") << QByteArray("<html>502</html>") << QStringLiteral("no JSON");
        QTest::addRow("no members")
            << QByteArray(R"({"scope": "x"})") << QStringLiteral("no members list");
        QTest::addRow("members not a list")
            << QByteArray(R"({"members": {"name": "node1"}})") << QStringLiteral("no members list");
        QTest::addRow("member without name") << QByteArray(R"({"members": [{"role": "leader"}]})")
                                             << QStringLiteral("without name or role");
        QTest::addRow("member not an object")
            << QByteArray(R"({"members": [42]})") << QStringLiteral("without name or role");
    }

    void damagedAnswersAreNamed()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, message);
        const auto view = ops::parseClusterView(body);
        QVERIFY(!view);
        QVERIFY2(view.error().contains(message), qPrintable(view.error()));
    }
};

QTEST_GUILESS_MAIN(TestPatroniView)
#include "test_patroni_view.moc"
