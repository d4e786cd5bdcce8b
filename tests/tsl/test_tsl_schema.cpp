// The schema and the capability probe on TimescaleDB's TSL edition: the same migrations apply,
// and the probe reports the features that the Apache edition lacks.
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/edition_database.h"

#include <QFile>
#include <QTest>
#include <pqxx/pqxx>
#include <string>

using namespace tickscope;

class TestTslSchema : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
        try {
            m_conninfo = testing::TestCluster::instance(testing::EditionDatabase::kEdition)
                             .createDatabase("schema");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void probeSeesTheTimescaleEdition()
    {
        auto connection = db::connect(m_conninfo, "test");
        auto before = db::probeCapabilities(connection);
        QVERIFY(before.timescaleVersion.empty());
        QVERIFY(!before.timescaleAvailableVersion.empty());
        QCOMPARE(before.edition, model::TimescaleEdition::NotInstalled);

        pqxx::nontransaction{connection}.exec("CREATE EXTENSION IF NOT EXISTS timescaledb");
        const auto caps = db::probeCapabilities(connection);
        QCOMPARE(caps.edition, model::TimescaleEdition::Timescale);
        QVERIFY(caps.compression);
        QVERIFY(caps.continuousAggregates);
        QVERIFY(caps.policies);
        QVERIFY2(db::describeCapabilities(caps).find("(timescale edition: compression, "
                                                     "continuous aggregates, policies)")
                != std::string::npos,
            db::describeCapabilities(caps).c_str());
    }

    void migrationsApplyAndHypertablesHaveOneDayChunks()
    {
        auto connection = db::connect(m_conninfo, "test");
        const auto migrations = db::loadMigrations(db::kEmbeddedMigrations).value();
        db::Migrator migrator{connection, migrations};
        const auto report = migrator.migrate({.client = "test"});
        QVERIFY2(report, report ? "" : report.error().c_str());
        QCOMPARE(report->versionAfter, migrator.latestVersion());
        QVERIFY(migrator.status().pending.empty());

        pqxx::nontransaction tx{connection};
        QCOMPARE(tx.exec("SELECT count(*) FROM timescaledb_information.dimensions "
                         "WHERE hypertable_schema = 'market_data' AND column_name = 'time' "
                         "AND time_interval = interval '1 day'")
                     .one_field()
                     .as<int>(),
            3);
        // Compression, absent from the Apache edition, can be switched on for the trades.
        tx.exec("ALTER TABLE market_data.trades SET (timescaledb.compress, "
                "timescaledb.compress_segmentby = 'instrument_id', "
                "timescaledb.compress_orderby = 'time DESC, trade_id')");
    }

    // Production runs the image deploy/ builds: the same TimescaleDB as this tier.
    void deployPinsTheTestedVersion()
    {
        auto connection = db::connect(m_conninfo, "test");
        const auto tested = pqxx::nontransaction{connection}.query_value<std::string>(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'");
        QFile dockerfile{QStringLiteral(TICKSCOPE_SOURCE_DIR "/deploy/postgres/Dockerfile")};
        QVERIFY(dockerfile.open(QIODevice::ReadOnly));
        const QString pinned = QString::fromUtf8(dockerfile.readAll());
        QVERIFY2(pinned.contains(QStringLiteral("FROM timescale/timescaledb:%1-pg17\n")
                         .arg(QString::fromStdString(tested))),
            qPrintable(QStringLiteral("deploy/postgres/Dockerfile does not pin TimescaleDB %1")
                    .arg(QString::fromStdString(tested))));
    }

private:
    std::string m_conninfo; // an empty database
};

QTEST_GUILESS_MAIN(TestTslSchema)
#include "test_tsl_schema.moc"
