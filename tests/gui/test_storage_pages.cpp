// The Storage and Schema & policies pages against a real database (the Apache edition with
// pg_cron, as the embedded default runs), fed by the storage monitor as the console feeds them:
// what they show matches the database, a pending migration and a differing policy can be
// applied from the page after a confirmation (and are audited), a "no" changes nothing.
// Screenshots of both pages go to test-artifacts/.
#include "app/services/storage_monitor.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "db/policy_manager.h"
#include "tests/support/test_cluster.h"
#include "ui/main_window.h"
#include "ui/schema_page.h"
#include "ui/storage_page.h"
#include "widgets/time_series_chart.h"
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

void saveScreenshot(QWidget &window, const QString &name)
{
    QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
    QVERIFY(window.grab().save(
        QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/") + name + QStringLiteral(".png")));
}

// The row of `table` whose first cell is `key`, or -1.
int rowOf(const widgets::ValueTable *table, const QString &key)
{
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->cellText(row, 0) == key)
            return row;
    }
    return -1;
}

void showPage(ui::MainWindow &window, const QString &title)
{
    auto *list = window.findChild<QListWidget *>();
    const auto items = list->findItems(title, Qt::MatchExactly);
    QVERIFY(!items.isEmpty());
    list->setCurrentItem(items.front());
}

} // namespace

class TestStoragePages : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            // pg_cron of the test cluster works in the database named "tickscope". The schema
            // stops one migration short, for the page to offer the last one.
            m_conninfo = testing::TestCluster::instance().createDatabase("tickscope");
            auto connection = db::connect(m_conninfo, "test");
            m_migrations = db::loadMigrations(db::kEmbeddedMigrations).value();
            const auto migrated = db::Migrator(connection, m_migrations)
                                      .migrate({.targetVersion = m_migrations.back().version - 1,
                                          .client = "test"});
            if (!migrated)
                QFAIL(migrated.error().c_str());
            pqxx::work tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('ex', 'AAA', 'A', 'U')");
            tx.exec("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, price_units, price_scale, size_units, size_scale, side) SELECT "
                    "now() - n * interval '1 hour', n * 3600000000, 1, n, 100, 0, 1, 0, 'B' FROM "
                    "generate_series(1, 72) n");
            tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) SELECT 1, "
                    "date_trunc('minute', time) FROM market_data.trades");
            tx.commit();
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void schemaPageAppliesThePendingMigration()
    {
        ui::MainWindow window;
        app::StorageMonitor monitor{model::StoragePolicy{}, m_migrations};
        connectWindow(window, monitor);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        monitor.start(QString::fromStdString(m_conninfo));
        showPage(window, QStringLiteral("Schema & policies"));

        auto *migrations = window.findChild<widgets::ValueTable *>(QStringLiteral("migrations"));
        auto *apply = window.findChild<QPushButton *>(QStringLiteral("applyMigrations"));
        const int last = static_cast<int>(m_migrations.size()) - 1;
        QCOMPARE(migrations->rowCount(), last + 1);
        QCOMPARE(migrations->cellText(last, 4), QStringLiteral("pending"));
        QCOMPARE(migrations->cellText(0, 4), QStringLiteral("applied"));
        QVERIFY(apply->isEnabled());

        // "No" changes nothing.
        auto *page = window.findChild<ui::SchemaPage *>();
        QSignalSpy requests{page, &ui::SchemaPage::applyMigrationsRequested};
        page->setConfirmation([](QWidget *, const QString &) { return false; });
        apply->click();
        QCOMPARE(requests.size(), 0);

        QString asked;
        page->setConfirmation([&asked](QWidget *, const QString &question) {
            asked = question;
            return true;
        });
        // The page shows the migration's progress as it goes (a data move prints each chunk).
        auto *result = page->findChild<QLabel *>(QStringLiteral("result"));
        QStringList shown;
        QObject::connect(
            &monitor, &app::StorageMonitor::actionProgress, page, [&] { shown << result->text(); });
        apply->click();
        QVERIFY(asked.contains(QStringLiteral("Apply 1 pending migration")));
        QVERIFY2(
            shown.size() >= 2 && shown.first().startsWith(QStringLiteral("Working… applying ")),
            qPrintable(shown.join(QLatin1Char('|'))));
        QCOMPARE(migrations->cellText(last, 4), QStringLiteral("applied"));
        QVERIFY(!apply->isEnabled());
        QVERIFY(window.findChild<ui::SchemaPage *>()
                ->findChild<QLabel *>(QStringLiteral("result"))
                ->text()
                .startsWith(QStringLiteral("Done: schema migrated from version")));
        auto connection = db::connect(m_conninfo, "test");
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'migrate'"),
            1);
    }

    void schemaPageAppliesPoliciesAndStoragePageShowsTheDatabase()
    {
        auto connection = db::connect(m_conninfo, "test");
        // Policies in place but one setting behind: the page applies it.
        model::StoragePolicy policy;
        db::PolicyManager{connection}.apply(policy, {"tester", "host"}, false);
        policy.hypertables[0].dropAfter
            = model::PolicyInterval{30, model::PolicyInterval::Unit::Days};
        db::PolicyManager{connection}.runJobs({"tester", "host"});

        ui::MainWindow window;
        app::StorageMonitor monitor{policy, m_migrations};
        connectWindow(window, monitor);
        window.resize(1280, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        monitor.start(QString::fromStdString(m_conninfo));

        showPage(window, QStringLiteral("Schema & policies"));
        auto *policies = window.findChild<widgets::ValueTable *>(QStringLiteral("policies"));
        const int dropAfter = rowOf(policies, QStringLiteral("trades.drop_after"));
        QVERIFY(dropAfter >= 0);
        QCOMPARE(policies->cellText(dropAfter, 3), QStringLiteral("differs"));
        QCOMPARE(policies->cellText(dropAfter, 1), QStringLiteral("30 days"));
        QCOMPARE(policies->cellText(dropAfter, 2), QStringLiteral("1 year"));
        const int compression = rowOf(policies, QStringLiteral("trades.compress_after"));
        QCOMPARE(policies->cellText(compression, 3), QStringLiteral("unavailable"));
        window.findChild<ui::SchemaPage *>()->setConfirmation(
            [](QWidget *, const QString &) { return true; });
        saveScreenshot(window, QStringLiteral("schema_and_policies_page"));
        window.findChild<QPushButton *>(QStringLiteral("applyPolicies"))->click();
        QCOMPARE(policies->cellText(dropAfter, 3), QStringLiteral("ok"));
        QCOMPARE(window.findChild<ui::SchemaPage *>()
                     ->findChild<QLabel *>(QStringLiteral("result"))
                     ->text(),
            QStringLiteral("Done: 1 policy setting(s) changed"));
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'policy.apply' "
                     "AND target = 'trades.drop_after' AND detail->>'after' = '30 days'"),
            1);

        showPage(window, QStringLiteral("Storage"));
        auto *tables = window.findChild<widgets::ValueTable *>(QStringLiteral("hypertables"));
        const int trades = rowOf(tables, QStringLiteral("market_data.trades"));
        QVERIFY(trades >= 0);
        pqxx::nontransaction tx{connection};
        QCOMPARE(tables->cellText(trades, 2),
            QString::number(
                tx.query_value<int>("SELECT count(*) FROM show_chunks('market_data.trades')")));
        QCOMPARE(tables->cellText(trades, 3), QStringLiteral("1 day"));
        QCOMPARE(tables->cellText(trades, 4), QStringLiteral("unavailable"));
        QVERIFY(window.findChild<ui::StoragePage *>()
                ->findChild<QLabel *>(QStringLiteral("note"))
                ->text()
                .startsWith(QStringLiteral("Compression unavailable: compression needs "
                                           "TimescaleDB's TSL edition")));

        auto *jobs = window.findChild<widgets::ValueTable *>(QStringLiteral("jobs"));
        const int refresh = rowOf(jobs, QStringLiteral("tickscope_refresh_aggregates"));
        QVERIFY(refresh >= 0);
        QCOMPARE(jobs->cellText(refresh, 1), QStringLiteral("pg_cron"));
        QCOMPARE(jobs->cellText(refresh, 2), QStringLiteral("cron * * * * *"));

        auto *aggregates = window.findChild<widgets::ValueTable *>(QStringLiteral("aggregates"));
        QCOMPARE(aggregates->rowCount(), 6);
        // The queue was refreshed by runJobs: the 1m table ends one minute after the newest
        // trade's minute.
        QCOMPARE(aggregates->cellText(0, 0), QStringLiteral("aggregates.ohlcv_1m"));
        QCOMPARE(aggregates->cellText(0, 1),
            QString::fromStdString(tx.query_value<std::string>(
                "SELECT to_char((max(bucket) + interval '1 minute') AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD HH24:MI:SS') FROM aggregates.ohlcv_1m")));
        QCOMPARE(aggregates->cellText(0, 4), QStringLiteral("0"));
        QCOMPARE(window.findChild<widgets::TimeSeriesChart *>()->seriesCount(), 0);
        saveScreenshot(window, QStringLiteral("storage_page"));
    }

private:
    static void connectWindow(ui::MainWindow &window, app::StorageMonitor &monitor)
    {
        QObject::connect(&monitor, &app::StorageMonitor::storageStatusChanged, &window,
            &ui::MainWindow::showStorageStatus);
        QObject::connect(&monitor, &app::StorageMonitor::schemaStatusChanged, &window,
            &ui::MainWindow::showSchemaStatus);
        QObject::connect(&monitor, &app::StorageMonitor::actionProgress, &window,
            &ui::MainWindow::showActionProgress);
        QObject::connect(&monitor, &app::StorageMonitor::actionFinished, &window,
            &ui::MainWindow::showActionResult);
        QObject::connect(&window, &ui::MainWindow::applyMigrationsRequested, &monitor,
            &app::StorageMonitor::applyMigrations);
        QObject::connect(&window, &ui::MainWindow::applyPoliciesRequested, &monitor,
            &app::StorageMonitor::applyPolicies);
    }

    std::string m_conninfo;
    std::vector<db::Migration> m_migrations;
};

QTEST_MAIN(TestStoragePages)
#include "test_storage_pages.moc"
