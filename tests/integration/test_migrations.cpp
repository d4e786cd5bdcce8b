// Migrations against a real PostgreSQL + TimescaleDB: apply, re-apply as a no-op, refuse edited
// files without changing anything, dry runs, targets, and two migrators at once.
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/test_cluster.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <pqxx/pqxx>
#include <thread>

using namespace tickscope;

namespace {

std::vector<db::Migration> embedded()
{
    return db::loadMigrations(db::kEmbeddedMigrations).value();
}

int ledgerRows(pqxx::connection &connection)
{
    pqxx::nontransaction tx{connection};
    return tx.exec("SELECT count(*) FROM audit.schema_migrations").one_field().as<int>();
}

bool relationExists(pqxx::connection &connection, const std::string &name)
{
    pqxx::nontransaction tx{connection};
    return !tx.exec("SELECT to_regclass($1) IS NULL", pqxx::params{name}).one_field().as<bool>();
}

} // namespace

class TestMigrations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            testing::TestCluster::instance();
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void appliesAllThenIsANoOp()
    {
        auto connection
            = db::connect(testing::TestCluster::instance().createDatabase("migrate_all"), "test");
        db::Migrator migrator{connection, embedded()};
        QCOMPARE(migrator.status().pending.size(), embedded().size());

        std::vector<std::string> progress;
        const auto first
            = migrator.migrate({.client = "test", .progress = [&](const std::string &line) {
                                    progress.push_back(line);
                                }});
        QVERIFY2(first, first ? "" : first.error().c_str());
        QCOMPARE(first->versionBefore, 0);
        QCOMPARE(first->versionAfter, migrator.latestVersion());
        QCOMPARE(first->applied.size(), embedded().size());
        QCOMPARE(progress.front(), std::string("applying 0001_extension_and_roles"));

        const auto rows = pqxx::nontransaction{connection}.exec(
            "SELECT version, name, checksum, applied_by, client, duration_ms "
            "FROM audit.schema_migrations ORDER BY version");
        QCOMPARE(static_cast<std::size_t>(rows.size()), embedded().size());
        for (int i = 0; i < rows.size(); ++i) {
            QCOMPARE(rows[i][0].as<int>(), embedded()[static_cast<std::size_t>(i)].version);
            QCOMPARE(rows[i][1].as<std::string>(), embedded()[static_cast<std::size_t>(i)].name);
            QCOMPARE(
                rows[i][2].as<std::string>(), embedded()[static_cast<std::size_t>(i)].checksum);
            QCOMPARE(rows[i][3].as<std::string>(), std::string("tickscope"));
            QCOMPARE(rows[i][4].as<std::string>(), std::string("test"));
            QVERIFY(rows[i][5].as<double>() > 0);
        }
        QVERIFY(relationExists(connection, "market_data.trades"));
        QCOMPARE(db::probeCapabilities(connection).timescaleVersion.empty(), false);

        const auto again = migrator.migrate({.client = "test"});
        QVERIFY(again);
        QVERIFY(again->applied.empty());
        QCOMPARE(again->versionAfter, migrator.latestVersion());
        QCOMPARE(ledgerRows(connection), static_cast<int>(embedded().size()));
        QVERIFY(migrator.status().pending.empty());
        QVERIFY(migrator.status().conflicts.empty());
    }

    void refusesAnEditedMigrationAndChangesNothing()
    {
        auto connection = db::connect(
            testing::TestCluster::instance().createDatabase("migrate_tampered"), "test");
        auto migrations = embedded();
        const std::vector firstTwo(migrations.begin(), migrations.begin() + 2);
        QVERIFY(db::Migrator(connection, firstTwo).migrate({.client = "test"}));
        QCOMPARE(ledgerRows(connection), 2);

        // The same files on disk, one applied file edited.
        QTemporaryDir dir;
        for (const auto &migration : migrations) {
            QFile file{dir.filePath(
                QString::asprintf("%04d_%s.sql", migration.version, migration.name.c_str()))};
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(migration.sql.c_str());
            if (migration.version == 2)
                file.write("\n-- edited after release\n");
        }
        const auto tampered = db::loadMigrations(dir.path());
        QVERIFY(tampered);
        db::Migrator migrator{connection, *tampered};
        QCOMPARE(migrator.status().conflicts.size(), std::size_t(1));

        const auto result = migrator.migrate({.client = "test"});
        QVERIFY(!result);
        QVERIFY2(QString::fromStdString(result.error())
                     .contains(QStringLiteral("0002_market_data was changed after it was applied")),
            result.error().c_str());
        QVERIFY(
            QString::fromStdString(result.error()).contains(QStringLiteral("nothing was changed")));
        QCOMPARE(ledgerRows(connection), 2);
        QVERIFY(!relationExists(connection, "audit.ingest_batches"));
    }

    void refusesADatabaseNewerThanTheBuild()
    {
        auto connection
            = db::connect(testing::TestCluster::instance().createDatabase("migrate_newer"), "test");
        QVERIFY(db::Migrator(connection, embedded()).migrate({.client = "test"}));
        const auto all = embedded();
        const std::vector older(all.begin(), all.begin() + 1);
        db::Migrator migrator{connection, older};
        const auto result = migrator.migrate({.client = "test"});
        QVERIFY(!result);
        QVERIFY(QString::fromStdString(result.error())
                .contains(QStringLiteral("unknown to this build")));
    }

    void dryRunChangesNothing()
    {
        auto connection
            = db::connect(testing::TestCluster::instance().createDatabase("migrate_dry"), "test");
        db::Migrator migrator{connection, embedded()};
        const auto report = migrator.migrate({.dryRun = true, .client = "test"});
        QVERIFY(report);
        QCOMPARE(report->applied.size(), embedded().size());
        QCOMPARE(report->versionAfter, 0);
        QVERIFY(!relationExists(connection, "audit.schema_migrations"));
        QVERIFY(!relationExists(connection, "market_data.trades"));
    }

    void stopsAtTheTarget()
    {
        auto connection = db::connect(
            testing::TestCluster::instance().createDatabase("migrate_target"), "test");
        db::Migrator migrator{connection, embedded()};
        const auto toOne = migrator.migrate({.targetVersion = 1, .client = "test"});
        QVERIFY(toOne);
        QCOMPARE(toOne->versionAfter, 1);
        QVERIFY(!relationExists(connection, "market_data.trades"));
        QCOMPARE(migrator.status().currentVersion(), 1);

        const auto beyond
            = migrator.migrate({.targetVersion = migrator.latestVersion() + 1, .client = "test"});
        QVERIFY(!beyond);
        QVERIFY(QString::fromStdString(beyond.error()).contains(QStringLiteral("out of range")));

        QVERIFY(migrator.migrate({.client = "test"}));
        const auto back = migrator.migrate({.targetVersion = 1, .client = "test"});
        QVERIFY(!back);
        QVERIFY(QString::fromStdString(back.error()).contains(QStringLiteral("never rolled back")));
    }

    void twoMigratorsAtOnceApplyEachFileOnce()
    {
        const std::string conninfo
            = testing::TestCluster::instance().createDatabase("migrate_race");
        std::string errors;
        std::mutex errorsLock;
        std::vector<std::thread> threads;
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&] {
                try {
                    auto connection = db::connect(conninfo, "test");
                    const auto result
                        = db::Migrator(connection, embedded()).migrate({.client = "test"});
                    if (!result) {
                        const std::lock_guard lock{errorsLock};
                        errors += result.error();
                    }
                } catch (const std::exception &error) {
                    const std::lock_guard lock{errorsLock};
                    errors += error.what();
                }
            });
        }
        for (auto &thread : threads)
            thread.join();
        QVERIFY2(errors.empty(), errors.c_str());
        auto connection = db::connect(conninfo, "test");
        QCOMPARE(ledgerRows(connection), static_cast<int>(embedded().size()));
    }

    void rollsBackAFailingMigration()
    {
        auto connection = db::connect(
            testing::TestCluster::instance().createDatabase("migrate_failing"), "test");
        auto migrations = embedded();
        migrations.push_back({.version = migrations.back().version + 1,
            .name = "broken",
            .sql = "CREATE TABLE audit.half_done (id int);\nSELECT no_such_function();",
            .checksum = "x"});
        db::Migrator migrator{connection, migrations};
        const auto result = migrator.migrate({.client = "test"});
        QVERIFY(!result);
        QVERIFY(QString::fromStdString(result.error())
                .contains(QStringLiteral("failed and was rolled back")));
        QVERIFY(!relationExists(connection, "audit.half_done"));
        QCOMPARE(migrator.status().currentVersion(), migrations.back().version - 1);
    }
};

QTEST_GUILESS_MAIN(TestMigrations)
#include "test_migrations.moc"
