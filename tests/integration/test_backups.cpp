// `tickscope backup` against the embedded cluster and a real pgBackRest, as an operator runs it:
// setup, a full and an incremental backup while the headless main job ingests the simulated
// exchange, the list with the recoverability window, verify with the restore drill (during
// ingest, and after it stopped, when the copy must hold exactly the source's trades), the audit
// rows, usage errors, and a damaged repository that verify must catch.
#include "app/ops/local_server.h"
#include "db/connection.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>
#include <csignal>
#include <pqxx/pqxx>

using namespace tickscope;
using tickscope::testing::TickscopeRun;

namespace {

std::int64_t scalar(const std::string &conninfo, const std::string &sql)
{
    auto connection = tickscope::db::connect(conninfo, "test_backups");
    pqxx::nontransaction tx{connection};
    return tx.exec(sql).one_field().as<std::int64_t>();
}

// N from "... holds N trade(s) in M transaction(s) ... K transaction(s) came later ...".
std::pair<qint64, qint64> drillFigures(const QString &out)
{
    static const QRegularExpression pattern{
        QStringLiteral(R"(holds (\d+) trade\(s\).*; (\d+) transaction\(s\) came later)")};
    const auto match = pattern.match(out);
    return match.hasMatch()
        ? std::pair{match.captured(1).toLongLong(), match.captured(2).toLongLong()}
        : std::pair<qint64, qint64>{-1, -1};
}

} // namespace

class TestBackups : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        m_data = m_sandbox.databaseDirectory();
        const QString port = QString::number(testing::TestCluster::freePort());
        TickscopeRun run = tickscope(
            {QStringLiteral("local-db"), QStringLiteral("init"), QStringLiteral("--port"), port});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = tickscope({QStringLiteral("local-db"), QStringLiteral("start")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = tickscope({QStringLiteral("migrate")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        m_conninfo = ops::LocalServer{m_data}.conninfo().toStdString();
    }

    void cleanupTestCase()
    {
        stopIngest();
        tickscope({QStringLiteral("local-db"), QStringLiteral("stop")});
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::addRow("no action") << QStringList{} << QStringLiteral("name an action");
        QTest::addRow("unknown action")
            << QStringList{QStringLiteral("restore")} << QStringLiteral("'restore' is no action");
        QTest::addRow("run without type")
            << QStringList{QStringLiteral("run")} << QStringLiteral("run needs --type");
        QTest::addRow("unknown type")
            << QStringList{QStringLiteral("run"), QStringLiteral("--type"),
                   QStringLiteral("weekly")}
            << QStringLiteral("--type 'weekly' is none of full, diff, incr");
        QTest::addRow("type with list")
            << QStringList{QStringLiteral("list"), QStringLiteral("--type"), QStringLiteral("full")}
            << QStringLiteral("--type goes with run only");
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const TickscopeRun run = tickscope(QStringList{QStringLiteral("backup")} + arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
    }

    // The cluster that --data-dir names, as local-db takes it (eeff8bb knew no such option).
    void dataDirNamesTheCluster()
    {
        const QString elsewhere = m_sandbox.filePath(QStringLiteral("no-cluster-here"));
        const TickscopeRun run = tickscope({QStringLiteral("backup"), QStringLiteral("list"),
            QStringLiteral("--data-dir"), elsewhere});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(elsewhere), qPrintable(run.err));
    }

    void backupsWhileIngesting()
    {
        TickscopeRun run = tickscope({QStringLiteral("backup"), QStringLiteral("list")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("archiver: off")), qPrintable(run.out));

        run = tickscope({QStringLiteral("backup"), QStringLiteral("setup")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("WAL archived through pgBackRest")),
            qPrintable(run.out));
        // The operator moves the repository, as docs/operations.md says, and runs setup again:
        // it needs no restart and keeps the repository where the operator put it (eeff8bb
        // wrote the default back).
        const QString configFile = m_data + QStringLiteral("/backup/pgbackrest.conf");
        const QString moved = m_data + QStringLiteral("/backup/elsewhere");
        m_repository = moved;
        {
            QFile file{configFile};
            QVERIFY(file.open(QIODevice::ReadOnly));
            QString text = QString::fromUtf8(file.readAll());
            file.close();
            text.replace(QRegularExpression(QStringLiteral("^repo1-path=.*$"),
                             QRegularExpression::MultilineOption),
                QStringLiteral("repo1-path=") + moved);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(text.toUtf8());
        }
        run = tickscope({QStringLiteral("backup"), QStringLiteral("setup")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY(!run.out.contains(QStringLiteral("restarted")));
        QVERIFY2(run.out.contains(QStringLiteral("repository ") + moved), qPrintable(run.out));
        {
            QFile file{configFile};
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QString text = QString::fromUtf8(file.readAll());
            QVERIFY2(
                text.contains(QStringLiteral("\nrepo1-path=") + moved + u'\n'), qPrintable(text));
            QCOMPARE(text.count(QStringLiteral("repo1-path=")), 1);
        }
        QVERIFY(QFileInfo::exists(moved + QStringLiteral("/archive/tickscope")));

        startIngest();
        QTRY_VERIFY_WITH_TIMEOUT(trades() > 100, 60'000);
        run = tickscope(
            {QStringLiteral("backup"), QStringLiteral("run"), QStringLiteral("--type=full")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral("full backup done")), qPrintable(run.out));
        const qint64 afterFull = trades();
        QTRY_VERIFY_WITH_TIMEOUT(trades() > afterFull + 100, 60'000);
        run = tickscope(
            {QStringLiteral("backup"), QStringLiteral("run"), QStringLiteral("--type=incr")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));

        run = tickscope({QStringLiteral("backup"), QStringLiteral("list")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral("stanza tickscope: ok")), qPrintable(run.out));
        QCOMPARE(run.out.count(QRegularExpression(QStringLiteral(R"(\n\d{8}-\d{6}F +full )"))), 1);
        QCOMPARE(run.out.count(
                     QRegularExpression(QStringLiteral(R"(\n\d{8}-\d{6}F_\d{8}-\d{6}I +incr )"))),
            1);
        QVERIFY2(
            run.out.contains(QStringLiteral("recoverable: any instant from")), qPrintable(run.out));
        QVERIFY2(run.out.contains(QStringLiteral("0 failed;")), qPrintable(run.out));

        // While ingest writes: the copy equals the source up to its point, later work counted.
        run = tickscope({QStringLiteral("backup"), QStringLiteral("verify")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        QVERIFY2(run.out.contains(QStringLiteral(": whole.")), qPrintable(run.out));
        QVERIFY2(drillFigures(run.out).first > afterFull, qPrintable(run.out));
        QVERIFY(!QFileInfo::exists(m_data + QStringLiteral("/backup/drill")));

        // Ingest stopped: the copy holds every trade of the source, nothing is later.
        stopIngest();
        run = tickscope({QStringLiteral("backup"), QStringLiteral("verify")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.out + run.err));
        const auto [restored, later] = drillFigures(run.out);
        QCOMPARE(restored, trades());
        QCOMPARE(later, 0);

        QCOMPARE(scalar(m_conninfo, "SELECT failed_count FROM pg_stat_archiver"), 0);
        QCOMPARE(scalar(m_conninfo,
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'backup.run' "
                     "AND outcome = 'succeeded'"),
            2);
        QCOMPARE(scalar(m_conninfo,
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'backup.verify' "
                     "AND outcome = 'succeeded' AND (detail->>'restored_rows')::bigint > 0"),
            2);
        QCOMPARE(scalar(m_conninfo,
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'backup.setup' "
                     "AND outcome = 'started'"),
            2);
    }

    void verifyCatchesDamage()
    {
        // Flip bytes in the largest file of the full backup: pgBackRest's checksums must notice.
        QString largest;
        qint64 largestSize = 0;
        QDirIterator files{
            m_repository + QStringLiteral("/backup"), QDir::Files, QDirIterator::Subdirectories};
        while (files.hasNext()) {
            const QFileInfo file{files.next()};
            if (file.path().contains(QStringLiteral("/pg_data")) && file.size() > largestSize) {
                largest = file.filePath();
                largestSize = file.size();
            }
        }
        QVERIFY(!largest.isEmpty());
        QFile damaged{largest};
        QVERIFY(damaged.open(QIODevice::ReadWrite));
        damaged.seek(largestSize / 2);
        damaged.write(QByteArray(16, '\x5a'));
        damaged.close();

        const TickscopeRun run = tickscope(
            {QStringLiteral("backup"), QStringLiteral("verify"), QStringLiteral("--no-drill")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("pgBackRest verify found damage")),
            qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("checksum invalid: 1")), qPrintable(run.err));
        QCOMPARE(scalar(m_conninfo,
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'backup.verify' "
                     "AND outcome = 'failed'"),
            1);
    }

private:
    TickscopeRun tickscope(const QStringList &arguments) { return m_sandbox.run(arguments); }

    qint64 trades() { return scalar(m_conninfo, "SELECT count(*) FROM market_data.trades"); }

    void startIngest()
    {
        m_ingest.setProcessEnvironment(m_sandbox.environment());
        m_ingest.start(QStringLiteral(TICKSCOPE_BINARY), {QStringLiteral("--headless")});
        QString out;
        QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(m_ingest.readAllStandardOutput()),
                                     out.contains(QStringLiteral("tickscope: ready |"))),
            60'000);
    }

    void stopIngest()
    {
        if (m_ingest.state() == QProcess::NotRunning)
            return;
        ::kill(static_cast<pid_t>(m_ingest.processId()), SIGINT);
        QVERIFY(m_ingest.waitForFinished(60'000));
        QCOMPARE(m_ingest.exitCode(), 0);
    }

    testing::EmbeddedSandbox m_sandbox;
    QString m_repository; // where backupsWhileIngesting() moved it
    QString m_data;
    std::string m_conninfo;
    QProcess m_ingest;
};

QTEST_GUILESS_MAIN(TestBackups)
#include "test_backups.moc"
