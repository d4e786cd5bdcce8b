// The embedded high-availability cluster as an operator drives it: `tickscope local-db cluster
// init` and `start` bring up three etcd members and three Patroni nodes (a leader and two
// streaming replicas); the multi-host conninfo reaches the leader for writes and a standby for
// reads; the leader's postmaster killed with SIGKILL is replaced by a replica within seconds
// with every committed row kept, and the old leader comes back as a replica; a switchover from
// the command line moves the leadership where it is told. Usage errors are named.
#include "app/ops/patroni_cluster.h"
#include "db/connection.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTest>
#include <QThread>
#include <csignal>
#include <format>
#include <pqxx/pqxx>

using namespace tickscope;

class TestPatroniCluster : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        m_directory = m_sandbox.filePath(QStringLiteral("cluster"));
        const int base = testing::TestCluster::freePortRange(ops::PatroniCluster::kPortsUsed);
        // fsync off as in every test cluster (a killed postmaster keeps the page cache); commits
        // stay synchronous: what a failover keeps is what this test checks.
        const auto made = cluster().init(
            base, model::TimescaleEdition::Apache, false, {QStringLiteral("fsync = off")});
        QVERIFY2(made, made ? "" : qPrintable(made.error()));
        const auto run = cli({QStringLiteral("start")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("leader")), qPrintable(run.out));
    }

    void cleanupTestCase()
    {
        if (!m_directory.isEmpty())
            (void)cluster().stop([](const QString &) { });
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::addRow("no action")
            << QStringList{} << QStringLiteral("expected one action: init, start");
        QTest::addRow("unknown action")
            << QStringList{QStringLiteral("restart")} << QStringLiteral("unknown action 'restart'");
        QTest::addRow("init option elsewhere")
            << QStringList{QStringLiteral("start"), QStringLiteral("--synchronous")}
            << QStringLiteral("--synchronous applies to init only");
        QTest::addRow("failover without a node") << QStringList{QStringLiteral("failover")}
                                                 << QStringLiteral("failover needs --to NODE");
        QTest::addRow("port base out of range") << QStringList{QStringLiteral("init"),
            QStringLiteral("--port-base"), QStringLiteral("65530")}
                                                << QStringLiteral("--port-base");
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const auto run = cli(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
    }

    void aClusterHasALeaderAndTwoStreamingReplicas()
    {
        const auto view = cluster().view();
        QVERIFY2(view, view ? "" : qPrintable(view.error()));
        QCOMPARE(view->members.size(), std::size_t(3));
        QVERIFY(view->leader());
        QCOMPARE(view->leader()->state, QStringLiteral("running"));
        for (const auto &member : view->members) {
            if (!member.leads())
                QCOMPARE(member.state, QStringLiteral("streaming"));
        }
        const auto status = cli({QStringLiteral("status")});
        QCOMPARE(status.exitCode, 0);
        QVERIFY2(status.out.contains(QStringLiteral("conninfo:      ") + cluster().conninfo()),
            qPrintable(status.out));
        QVERIFY2(status.out.contains(QRegularExpression(
                     QStringLiteral(R"(node\d +leader +running +127\.0\.0\.1:\d+ +1 +-)"))),
            qPrintable(status.out));

        // Writers reach the leader, readers a standby, whichever node each is.
        QCOMPARE(
            query(cluster().conninfo(), "SELECT pg_is_in_recovery()::text"), std::string("false"));
        QCOMPARE(query(cluster().conninfo(QStringLiteral("prefer-standby")),
                     "SELECT pg_is_in_recovery()::text"),
            std::string("true"));
        execute(cluster().conninfo(), "CREATE TABLE kept (n integer PRIMARY KEY)");
    }

    void aKilledLeaderIsReplacedAndNothingCommittedIsLost()
    {
        const auto before = cluster().view();
        QVERIFY(before && before->leader());
        const QString oldLeader = before->leader()->name;
        const int member = oldLeader.mid(4).toInt() - 1;
        // Rows committed before the kill (synchronously to disk on the leader, and streamed).
        execute(cluster().conninfo(), "INSERT INTO kept SELECT generate_series(1, 1000)");
        QFile pidFile{cluster().nodeDirectory(member) + QStringLiteral("/data/postmaster.pid")};
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const pid_t postmaster = static_cast<pid_t>(pidFile.readLine().trimmed().toLongLong());
        QVERIFY(postmaster > 0);
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(::kill(postmaster, SIGKILL), 0);

        // The first commit through the writers' conninfo after the kill.
        bool committed = false;
        while (!committed && clock.elapsed() < 60'000) {
            try {
                execute(cluster().conninfo() + QStringLiteral(" connect_timeout=2"),
                    "INSERT INTO kept VALUES (1001)");
                committed = true;
            } catch (const std::exception &) {
                QThread::msleep(100);
            }
        }
        QVERIFY2(committed, "no commit within 60 s of the leader's kill");
        qInfo("first commit %lld ms after the leader's postmaster was killed", clock.elapsed());
        QCOMPARE(
            query(cluster().conninfo(), "SELECT count(*)::text FROM kept"), std::string("1001"));
        // Patroni publishes the new leader's timeline on its next loop.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto after = cluster().view();
                return after && after->leader() && after->leader()->name != oldLeader
                    && after->leader()->timeline.value_or(0) > 1;
            }(),
            10'000);

        // The old leader comes back as a replica of the new one.
        QTRY_VERIFY_WITH_TIMEOUT(rejoined(oldLeader), 90'000);
        // Without a target, Tickscope's connections go to the leader too (libpq's own default
        // takes the first node that answers: node1, now a replica unless it was promoted).
        QString untargeted = cluster().conninfo();
        untargeted.remove(QStringLiteral(" target_session_attrs=read-write"));
        QCOMPARE(query(untargeted, "SELECT pg_is_in_recovery()::text"), std::string("false"));
    }

    void aSwitchoverFromTheCommandLineMovesTheLeadership()
    {
        const auto before = cluster().view();
        QVERIFY(before && before->leader());
        QString target;
        for (const auto &member : before->members) {
            if (!member.leads())
                target = member.name;
        }
        const auto run = cli({QStringLiteral("switchover"), QStringLiteral("--to"), target});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(target), qPrintable(run.out));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const auto now = cluster().view();
                return now && now->leader() && now->leader()->name == target;
            }(),
            30'000);
        QCOMPARE(
            query(cluster().conninfo(), "SELECT count(*)::text FROM kept"), std::string("1001"));
        QTRY_VERIFY_WITH_TIMEOUT(rejoined(before->leader()->name), 90'000);

        const auto unknown
            = cli({QStringLiteral("switchover"), QStringLiteral("--to"), QStringLiteral("node9")});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains(QStringLiteral("node9")), qPrintable(unknown.err));
    }

private:
    ops::PatroniCluster cluster() const { return ops::PatroniCluster{m_directory}; }

    testing::TickscopeRun cli(const QStringList &arguments) const
    {
        return m_sandbox.run(QStringList{QStringLiteral("local-db"), QStringLiteral("cluster")}
            + arguments + QStringList{QStringLiteral("--dir"), m_directory});
    }

    bool rejoined(const QString &name) const
    {
        const auto view = cluster().view();
        if (!view)
            return false;
        return std::ranges::any_of(view->members, [&](const ops::PatroniMember &member) {
            return member.name == name && !member.leads() && member.state == u"streaming";
        });
    }

    static void execute(const QString &conninfo, const char *sql)
    {
        auto connection = db::connect(conninfo.toStdString(), "test");
        pqxx::nontransaction{connection}.exec(sql);
    }

    static std::string query(const QString &conninfo, const char *sql)
    {
        auto connection = db::connect(conninfo.toStdString(), "test");
        return pqxx::nontransaction{connection}.query_value<std::string>(sql);
    }

    testing::EmbeddedSandbox m_sandbox;
    QString m_directory;
};

QTEST_GUILESS_MAIN(TestPatroniCluster)
#include "test_patroni_cluster.moc"
