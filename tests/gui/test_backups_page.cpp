// The Backups page against an embedded-style cluster and a real pgBackRest, fed by the backup
// worker as the console feeds it: before setup it says why nothing is listed; setup, a full
// backup and verify (with the restore drill) run from its buttons after a confirmation and are
// audited; the list matches pgBackRest's, and a gap inside the recoverability window is laid
// over the timeline. A "no" starts nothing. The screenshot goes to test-artifacts/.
#include "app/ops/local_server.h"
#include "app/services/backup_monitor.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/test_cluster.h"
#include "ui/backups_page.h"
#include "ui/main_window.h"
#include "widgets/span_timeline.h"
#include "widgets/value_table.h"

#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

QString resultText(ui::MainWindow &window)
{
    return window.findChild<ui::BackupsPage *>()
        ->findChild<QLabel *>(QStringLiteral("result"))
        ->text();
}

} // namespace

class TestBackupsPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        const QString data = m_sandbox.databaseDirectory();
        // BackupOperations finds the embedded cluster where the console would.
        qputenv("TICKSCOPE_LOCAL_DB_DIR", data.toUtf8());
        m_server = std::make_unique<ops::LocalServer>(data);
        const auto made
            = m_server->init(testing::TestCluster::freePort(), testing::TestCluster::kFastSettings);
        QVERIFY2(made, qPrintable(made ? QString() : made.error()));
        const auto started = m_server->start();
        QVERIFY2(started, qPrintable(started ? QString() : started.error()));
        m_conninfo = m_server->conninfo().toStdString();
        try {
            testing::migrate(m_conninfo);
            auto connection = db::connect(m_conninfo, "test");
            pqxx::work tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('ex', 'AAA', 'A', 'U')");
            tx.exec("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, price_units, price_scale, size_units, size_scale, side) SELECT "
                    "now() - n * interval '1 second', n::bigint * 1000000, 1, n, 100, 0, 1, 0, "
                    "'B' FROM generate_series(1, 5000) n");
            tx.commit();
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void cleanupTestCase()
    {
        if (m_server)
            (void)m_server->stop();
    }

    void setupBackupAndVerifyFromThePage()
    {
        ui::MainWindow window;
        auto *page = window.backupsPage();
        app::BackupMonitor monitor{app::Config{}};
        connect(
            &monitor, &app::BackupMonitor::overviewChanged, page, &ui::BackupsPage::showOverview);
        connect(&monitor, &app::BackupMonitor::progressed, page, &ui::BackupsPage::showProgress);
        connect(&monitor, &app::BackupMonitor::actionFinished, page,
            &ui::BackupsPage::showActionResult);
        connect(page, &ui::BackupsPage::setupRequested, &monitor, &app::BackupMonitor::setup);
        connect(page, &ui::BackupsPage::backupRequested, &monitor, &app::BackupMonitor::runBackup);
        connect(page, &ui::BackupsPage::verifyRequested, &monitor, &app::BackupMonitor::verify);
        window.resize(1280, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *list = window.findChild<QListWidget *>();
        list->setCurrentItem(list->findItems(QStringLiteral("Backups"), Qt::MatchExactly).front());
        monitor.start(QString::fromStdString(m_conninfo), true, QStringLiteral("test"));

        auto *note = page->findChild<QLabel *>(QStringLiteral("note"));
        auto *full = page->findChild<QPushButton *>(QStringLiteral("full"));
        QVERIFY2(note->text().contains(QStringLiteral("not set up yet")), qPrintable(note->text()));
        QVERIFY(!full->isEnabled());
        QVERIFY(page->findChild<QLabel *>(QStringLiteral("archiver"))
                ->text()
                .contains(QStringLiteral("WAL archiving is off")));

        // "No" starts nothing.
        QSignalSpy setups{page, &ui::BackupsPage::setupRequested};
        page->setConfirmation([](QWidget *, const QString &) { return false; });
        page->findChild<QPushButton *>(QStringLiteral("setup"))->click();
        QCOMPARE(setups.size(), 0);

        page->setConfirmation([](QWidget *, const QString &) { return true; });
        page->findChild<QPushButton *>(QStringLiteral("setup"))->click();
        QVERIFY2(resultText(window).startsWith(QStringLiteral("Done: stanza 'tickscope' ready")),
            qPrintable(resultText(window)));
        QVERIFY(full->isEnabled());

        full->click();
        QVERIFY2(resultText(window).startsWith(QStringLiteral("Done: full backup done")),
            qPrintable(resultText(window)));
        auto *backups = page->findChild<widgets::ValueTable *>(QStringLiteral("backups"));
        QCOMPARE(backups->rowCount(), 1);
        QCOMPARE(backups->cellText(0, 1), QStringLiteral("full"));
        QCOMPARE(backups->cellText(0, 7), QStringLiteral("sound"));
        QVERIFY(resultText(window).contains(backups->cellText(0, 0)));

        // A gap after the backup, and WAL archived more than a second past it (the window's
        // end has one-second resolution): it lies inside the window.
        {
            auto connection = db::connect(m_conninfo, "test");
            pqxx::nontransaction tx{connection};
            tx.exec("INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, "
                    "gap_start, gap_end) VALUES (1, 'trade_id', 5001, 5010, "
                    "now() - interval '300 ms', now())");
            QTest::qWait(1100);
            tx.exec("INSERT INTO audit.feed_events (feed, event) VALUES ('test', 'connect')");
            const auto segment = tx.query_value<std::string>(
                "SELECT pg_walfile_name(lsn) FROM pg_switch_wal() lsn");
            QTRY_VERIFY_WITH_TIMEOUT(tx.query_value<bool>("SELECT coalesce(last_archived_wal >= "
                                         + tx.quote(segment) + ", false) FROM pg_stat_archiver"),
                30'000);
        }
        monitor.refresh();
        auto *gaps = page->findChild<widgets::ValueTable *>(QStringLiteral("gaps"));
        QCOMPARE(gaps->rowCount(), 1);
        QCOMPARE(gaps->cellText(0, 2), QStringLiteral("ex"));
        QCOMPARE(gaps->cellText(0, 3), QStringLiteral("AAA"));
        QCOMPARE(gaps->cellText(0, 5), QStringLiteral("open"));
        QCOMPARE(page->findChild<widgets::SpanTimeline *>()->spans().size(), std::size_t{1});
        QVERIFY(page->findChild<QLabel *>(QStringLiteral("window"))
                ->text()
                .contains(QStringLiteral("1 data gap(s)")));

        page->findChild<QPushButton *>(QStringLiteral("verify"))->click();
        QVERIFY2(resultText(window).contains(QStringLiteral(": whole.")),
            qPrintable(resultText(window)));
        QVERIFY2(resultText(window).contains(QStringLiteral("holds 5000 trade(s)")),
            qPrintable(resultText(window)));
        QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
        QVERIFY(window.grab().save(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/backups_page.png")));

        auto connection = db::connect(m_conninfo, "test");
        pqxx::nontransaction tx{connection};
        for (const char *action : {"backup.setup", "backup.run", "backup.verify"})
            QCOMPARE(tx.query_value<int>("SELECT count(*) FROM audit.operator_actions WHERE "
                                         "outcome = 'succeeded' AND action = "
                         + tx.quote(action)),
                1);
    }

private:
    testing::EmbeddedSandbox m_sandbox;
    std::unique_ptr<ops::LocalServer> m_server;
    std::string m_conninfo;
};

QTEST_MAIN(TestBackupsPage)
#include "test_backups_page.moc"
