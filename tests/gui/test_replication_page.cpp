// The Replication page and the alerts panel against a real primary and a standby made by
// ops::addStandby (as `tickscope local-db add-standby` makes it), fed by the replication and
// alert monitors as the console feeds them: the streaming standby with its lag, its active
// slot, the disks; then, with the standby stopped, no standby, an inactive slot holding WAL back,
// and a critical standby_gone alert in the panel (a tray notification's signal), acknowledged
// from the panel with a note that the history shows. Screenshots go to test-artifacts/.
#include "app/ops/local_server.h"
#include "app/ops/standby.h"
#include "app/services/alert_monitor.h"
#include "app/services/replication_monitor.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/test_cluster.h"
#include "ui/alerts_panel.h"
#include "ui/main_window.h"
#include "ui/replication_page.h"
#include "widgets/value_table.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

class TestReplicationPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        m_primary = std::make_unique<ops::LocalServer>(m_sandbox.databaseDirectory());
        const auto made = m_primary->init(testing::TestCluster::freePort());
        QVERIFY2(made, qPrintable(made ? QString() : made.error()));
        QVERIFY(m_primary->start().has_value());
        try {
            testing::migrate(m_primary->conninfo().toStdString());
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
        m_standbyPort = testing::TestCluster::freePort();
        const auto standby = ops::addStandby(*m_primary,
            m_sandbox.filePath(QStringLiteral("standby")), m_standbyPort, [](const QString &) { });
        QVERIFY2(standby, qPrintable(standby ? QString() : standby.error()));
    }

    void cleanupTestCase()
    {
        (void)ops::LocalServer{m_sandbox.filePath(QStringLiteral("standby"))}.stop();
        if (m_primary)
            (void)m_primary->stop();
    }

    void showsStandbysSlotsAndDisks()
    {
        ui::MainWindow window;
        app::ReplicationMonitor monitor;
        connect(&monitor, &app::ReplicationMonitor::statusChanged, window.replicationPage(),
            &ui::ReplicationPage::showStatus);
        model::AlertSettings settings;
        std::ranges::find(settings.rules, "standby_gone", &model::AlertRule::name)->duration
            = std::chrono::seconds{1};
        app::AlertMonitor alerts{settings, std::chrono::hours{24}};
        auto *panel = window.alertsPanel();
        connect(&monitor, &app::ReplicationMonitor::statusChanged, &alerts,
            &app::AlertMonitor::observeReplication);
        connect(&alerts, &app::AlertMonitor::alertsChanged, panel, &ui::AlertsPanel::showAlerts);
        connect(panel, &ui::AlertsPanel::acknowledgeRequested, &alerts,
            &app::AlertMonitor::acknowledge);
        connect(&alerts, &app::AlertMonitor::acknowledged, panel,
            &ui::AlertsPanel::showAcknowledgeResult);
        QSignalSpy critical{panel, &ui::AlertsPanel::criticalAlertRaised};
        alerts.start(m_primary->conninfo());
        window.resize(1280, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *list = window.findChild<QListWidget *>();
        list->setCurrentItem(
            list->findItems(QStringLiteral("Replication"), Qt::MatchExactly).front());
        monitor.start(m_primary->conninfo(), true, m_sandbox.databaseDirectory());

        auto *page = window.replicationPage();
        auto *standbys = page->findChild<widgets::ValueTable *>(QStringLiteral("standbys"));
        auto *slotTable = page->findChild<widgets::ValueTable *>(QStringLiteral("slots"));
        const QString name = ops::standbySlotName(m_standbyPort);
        // Streaming; its lag is what a loaded machine makes it (test_replication checks zero
        // when idle).
        QTRY_VERIFY_WITH_TIMEOUT(
            (monitor.refresh(),
                standbys->rowCount() == 1
                    && standbys->cellText(0, 9) == QStringLiteral("streaming")),
            60'000);
        QCOMPARE(standbys->cellText(0, 0), name);
        QCOMPARE(slotTable->rowCount(), 1);
        QCOMPARE(slotTable->cellText(0, 0), name);
        QCOMPARE(slotTable->cellText(0, 5), QStringLiteral("active"));
        QVERIFY(page->findChild<QLabel *>(QStringLiteral("role"))
                ->text()
                .contains(QStringLiteral("streaming to 1 standby")));
        auto *disks = page->findChild<widgets::ValueTable *>(QStringLiteral("disks"));
        QCOMPARE(disks->rowCount(), 1); // data, WAL and journal share the temporary disk
        QCOMPARE(disks->cellText(0, 0), QStringLiteral("data and WAL and journal"));
        QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
        QVERIFY(
            window.grab().save(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/replication_page.png")));

        QVERIFY(
            ops::LocalServer{m_sandbox.filePath(QStringLiteral("standby"))}.stop().value_or(false));
        {
            auto connection = db::connect(m_primary->conninfo().toStdString(), "test");
            pqxx::nontransaction{connection}.exec(
                "CREATE TABLE filler AS SELECT generate_series(1, 100000) n");
        }
        QTRY_VERIFY_WITH_TIMEOUT((monitor.refresh(), standbys->rowCount() == 0), 30'000);
        QCOMPARE(slotTable->cellText(0, 5), QStringLiteral("inactive"));
        QVERIFY2(slotTable->cellText(0, 2).endsWith(QStringLiteral(" MB")),
            qPrintable(slotTable->cellText(0, 2)));

        auto *alertTable = panel->findChild<widgets::ValueTable *>(QStringLiteral("alerts"));
        QTRY_VERIFY_WITH_TIMEOUT((monitor.refresh(), alertTable->rowCount() == 1), 30'000);
        QCOMPARE(alertTable->cellText(0, 0), QStringLiteral("critical"));
        QCOMPARE(alertTable->cellText(0, 1), QStringLiteral("standby_gone"));
        QCOMPARE(alertTable->cellText(0, 2), name);
        QCOMPARE(critical.size(), 1);
        QCOMPARE(panel->windowTitle(), QStringLiteral("Alerts (1 active)"));

        panel->setNotePrompt([](QWidget *, const QString &) -> std::optional<QString> {
            return QStringLiteral("standby host rebooting");
        });
        alertTable->selectRow(0);
        auto *acknowledge = panel->findChild<QPushButton *>(QStringLiteral("acknowledge"));
        QVERIFY(acknowledge->isEnabled());
        acknowledge->click();
        QVERIFY2(panel->findChild<QLabel *>(QStringLiteral("result"))
                     ->text()
                     .startsWith(QStringLiteral("Done")),
            qPrintable(panel->findChild<QLabel *>(QStringLiteral("result"))->text()));
        QVERIFY2(alertTable->cellText(0, 6).endsWith(QStringLiteral(": standby host rebooting")),
            qPrintable(alertTable->cellText(0, 6)));
        panel->findChild<QComboBox *>(QStringLiteral("filter"))->setCurrentIndex(1);
        QCOMPARE(alertTable->rowCount(), 1);
        QCOMPARE(alertTable->cellText(0, 7), QStringLiteral("active"));
        QVERIFY(window.grab().save(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/alerts_panel.png")));
        // Still gone: no second notification.
        monitor.refresh();
        QCOMPARE(critical.size(), 1);
    }

private:
    testing::EmbeddedSandbox m_sandbox;
    std::unique_ptr<ops::LocalServer> m_primary;
    int m_standbyPort = 0;
};

QTEST_MAIN(TestReplicationPage)
#include "test_replication_page.moc"
