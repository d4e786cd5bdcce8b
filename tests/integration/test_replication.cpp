// Streaming replication of the embedded cluster, as an operator sets it up: `tickscope local-db
// add-standby` makes a standby that receives what the primary commits; the replication status
// of both sides (db::readReplicationStatus) is plausible - lags never negative, zero when idle -
// and `tickscope status --replication` prints it; a stopped standby leaves an inactive slot
// that holds WAL back, and catches up when it starts again. Usage errors are named.
#include "app/ops/local_server.h"
#include "app/ops/standby.h"
#include "db/connection.h"
#include "db/replication_queries.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>
#include <format>
#include <pqxx/pqxx>

using tickscope::testing::TickscopeRun;
using namespace tickscope;

class TestReplication : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        m_primaryDirectory = m_sandbox.databaseDirectory();
        TickscopeRun run = tickscope({QStringLiteral("local-db"), QStringLiteral("init"),
            QStringLiteral("--port"), QString::number(testing::TestCluster::freePort())});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = tickscope({QStringLiteral("local-db"), QStringLiteral("start")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = tickscope({QStringLiteral("migrate")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        m_primary = ops::LocalServer{m_primaryDirectory}.conninfo().toStdString();
        execute(m_primary,
            "INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
            "VALUES ('ex', 'AAA', 'A', 'U')");
    }

    void cleanupTestCase()
    {
        if (!m_standbyDirectory.isEmpty())
            (void)ops::LocalServer{m_standbyDirectory}.stop();
        tickscope({QStringLiteral("local-db"), QStringLiteral("stop")});
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::addRow("no port") << QStringList{QStringLiteral("add-standby")}
                                 << QStringLiteral("add-standby needs --standby-port");
        QTest::addRow("port out of range")
            << QStringList{QStringLiteral("add-standby"), QStringLiteral("--standby-port=80")}
            << QStringLiteral("standby-port");
        QTest::addRow("standby port with start")
            << QStringList{QStringLiteral("start"), QStringLiteral("--standby-port=60000")}
            << QStringLiteral("go with add-standby only");
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const TickscopeRun run = tickscope(QStringList{QStringLiteral("local-db")} + arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
    }

    // The standby goes into a new or empty directory: one that holds anything is refused and
    // left as it was (on eeff8bb it was taken, chowned, and removed whole on failure).
    void aStandbyDirectoryThatHoldsSomethingIsRefused()
    {
        const QString taken = m_sandbox.filePath(QStringLiteral("taken"));
        QVERIFY(QDir().mkpath(taken));
        QFile kept{taken + QStringLiteral("/notes.txt")};
        QVERIFY(kept.open(QIODevice::WriteOnly));
        kept.write("the desk's notes\n");
        kept.close();
        const QFileInfo before{kept.fileName()};
        const TickscopeRun run
            = tickscope({QStringLiteral("local-db"), QStringLiteral("add-standby"),
                QStringLiteral("--standby-port"), QString::number(testing::TestCluster::freePort()),
                QStringLiteral("--standby-dir"), taken});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("is not empty")), qPrintable(run.err));
        const QFileInfo after{kept.fileName()};
        QVERIFY(after.exists());
        QCOMPARE(after.ownerId(), before.ownerId());
        QCOMPARE(QDir(taken).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden),
            QStringList{QStringLiteral("notes.txt")});
    }

    void standbyReceivesWhatThePrimaryCommits()
    {
        const int port = testing::TestCluster::freePort();
        m_standbyDirectory = m_sandbox.filePath(QStringLiteral("standby"));
        TickscopeRun run = tickscope({QStringLiteral("local-db"), QStringLiteral("add-standby"),
            QStringLiteral("--standby-port"), QString::number(port),
            QStringLiteral("--standby-dir"), m_standbyDirectory});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("over slot standby_%1").arg(port)),
            qPrintable(run.out));
        m_standby = ops::LocalServer{m_standbyDirectory}.conninfo().toStdString();

        // Its directory holds a cluster now: a second one there is refused.
        run = tickscope({QStringLiteral("local-db"), QStringLiteral("add-standby"),
            QStringLiteral("--standby-port"), QString::number(testing::TestCluster::freePort()),
            QStringLiteral("--standby-dir"), m_standbyDirectory});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("already exists")), qPrintable(run.err));

        insertTrades(1, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(trades(m_standby), 1000, 30'000);

        // Idle, both sides agree and nothing lags.
        model::ReplicationStatus primary;
        QTRY_VERIFY_WITH_TIMEOUT(
            (primary = primaryStatus(),
                primary.standbys.size() == 1 && primary.standbys.front().lagBytes == 0),
            90'000);
        QVERIFY(!primary.inRecovery);
        const auto &standby = primary.standbys.front();
        QCOMPARE(standby.name, ops::standbySlotName(port).toStdString());
        QCOMPARE(standby.state, std::string("streaming"));
        QCOMPARE(standby.syncState, std::string("async"));
        QCOMPARE(standby.replayLsn, primary.currentLsn);
        QVERIFY(standby.writeLagSeconds >= 0 && standby.flushLagSeconds >= 0
            && standby.replayLagSeconds >= 0 && standby.replayLagSeconds < 10);
        QCOMPARE(primary.replicationSlots.size(), std::size_t{1});
        QVERIFY(primary.replicationSlots.front().active);
        QCOMPARE(primary.replicationSlots.front().walStatus, std::string("reserved"));
        QCOMPARE(primary.replicationSlots.front().retainedBytes, 0);
        // It streams as a login that may only replicate; eeff8bb streamed as the superuser.
        {
            auto connection = db::connect(m_primary, "test");
            const auto [user, superuser, replication]
                = pqxx::nontransaction{connection}.query1<std::string, bool, bool>(
                    "SELECT r.usename, s.rolsuper, s.rolreplication FROM pg_stat_replication r "
                    "JOIN pg_roles s ON s.rolname = r.usename");
            QCOMPARE(user, ops::LocalServer::kReplicationUser.toStdString());
            QVERIFY(!superuser);
            QVERIFY(replication);
        }

        // The server writes WAL of its own now and then (autovacuum's analyze of the trades just
        // inserted): the standby is read until it has replayed all of it too.
        auto standbyConnection = db::connect(m_standby, "test");
        model::ReplicationStatus replica;
        QTRY_VERIFY_WITH_TIMEOUT((replica = db::readReplicationStatus(standbyConnection),
                                     replica.receiver && replica.receiver->replayLagBytes == 0),
            30'000);
        QVERIFY(replica.inRecovery);
        QVERIFY(replica.receiver);
        QCOMPARE(replica.receiver->status, std::string("streaming"));
        QCOMPARE(replica.receiver->slot, ops::standbySlotName(port).toStdString());
        QCOMPARE(replica.receiver->replayLagBytes, 0);
        QCOMPARE(replica.receiver->replayDelaySeconds, 0.0);

        run = tickscope({QStringLiteral("status"), QStringLiteral("--replication")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral("role:      primary")), qPrintable(run.out));
        QVERIFY2(
            run.out.contains(QRegularExpression(
                QStringLiteral("standby_%1 +127\\.0\\.0\\.1:\\d+ +streaming +async").arg(port))),
            qPrintable(run.out));
        QVERIFY2(run.out.contains(QStringLiteral("disk:      data and WAL")), qPrintable(run.out));
        run = tickscope({QStringLiteral("status"), QStringLiteral("--replication"),
            QStringLiteral("--db"), QString::fromStdString(m_standby)});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral("role:      standby, WAL receiver streaming")),
            qPrintable(run.out));
    }

    void stoppedStandbyHoldsWalAndCatchesUp()
    {
        ops::LocalServer standby{m_standbyDirectory};
        QVERIFY(standby.stop().value_or(false));
        QTRY_VERIFY_WITH_TIMEOUT(primaryStatus().standbys.empty(), 30'000);
        insertTrades(1001, 50'000);
        auto primary = primaryStatus();
        QCOMPARE(primary.replicationSlots.size(), std::size_t{1});
        QVERIFY(!primary.replicationSlots.front().active);
        // The slot keeps every byte written since the standby left.
        QVERIFY2(primary.replicationSlots.front().retainedBytes > 1'000'000,
            qPrintable(QString::number(primary.replicationSlots.front().retainedBytes)));

        QVERIFY(standby.start().has_value());
        QTRY_COMPARE_WITH_TIMEOUT(trades(m_standby), 50'000, 60'000);
        QTRY_VERIFY_WITH_TIMEOUT(primaryStatus().replicationSlots.front().active
                && primaryStatus().replicationSlots.front().retainedBytes == 0,
            90'000);
    }

private:
    TickscopeRun tickscope(const QStringList &arguments) { return m_sandbox.run(arguments); }

    static void execute(const std::string &conninfo, const std::string &sql)
    {
        auto connection = db::connect(conninfo, "test");
        pqxx::nontransaction{connection}.exec(sql);
    }

    void insertTrades(int first, int last)
    {
        execute(m_primary,
            std::format("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                        "trade_id, price_units, price_scale, size_units, size_scale, side) "
                        "SELECT now(), 0, 1, n, 100, 0, 1, 0, 'B' FROM generate_series({}, {}) n",
                first, last));
    }

    static int trades(const std::string &conninfo)
    {
        auto connection = db::connect(conninfo, "test");
        return pqxx::nontransaction{connection}.query_value<int>(
            "SELECT count(*) FROM market_data.trades");
    }

    model::ReplicationStatus primaryStatus()
    {
        auto connection = db::connect(m_primary, "test");
        return db::readReplicationStatus(connection);
    }

    testing::EmbeddedSandbox m_sandbox;
    QString m_primaryDirectory;
    QString m_standbyDirectory;
    std::string m_primary;
    std::string m_standby;
};

QTEST_GUILESS_MAIN(TestReplication)
#include "test_replication.moc"
