// The three roles can do what they are for and nothing more.
#include "db/capability_probe.h"
#include "db/policy_manager.h"
#include "db/storage_queries.h"
#include "tests/support/schema_fixture.h"

#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

// Each test user's password is "secret-" and its name (see initTestCase).
pqxx::connection connectAs(const std::string &conninfo, const std::string &user)
{
    return db::connect(conninfo + " user=" + user + " password=secret-" + user, "test");
}

// Runs `sql` as `user` in a transaction that is rolled back: "ok", "denied" or the other error.
// (libpqxx 7.10 leaves sqlstate() empty, so the exception's type tells.)
std::string attempt(const std::string &conninfo, const std::string &user, const std::string &sql)
{
    auto connection = connectAs(conninfo, user);
    pqxx::work tx{connection};
    try {
        tx.exec(sql);
        return "ok";
    } catch (const pqxx::insufficient_privilege &) {
        return "denied";
    } catch (const pqxx::sql_error &error) {
        return error.what();
    }
}

constexpr auto kInsertTrade
    = "INSERT INTO market_data.trades VALUES (now(), 0, 1, 7, NULL, NULL, 15, 1, 2, 0, 'B')";

} // namespace

class TestRoles : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("roles");
            auto connection = db::connect(m_conninfo, "test");
            pqxx::nontransaction tx{connection};
            for (const char *role : {"ingest", "reader", "admin"})
                tx.exec(std::format("DROP ROLE IF EXISTS {0}_user; CREATE ROLE {0}_user LOGIN "
                                    "PASSWORD 'secret-{0}_user' IN ROLE tickscope_{0}",
                    role));
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT')");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void privileges_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("outcome");
        const QString ok = QStringLiteral("ok");
        const QString denied = QStringLiteral("denied");
        auto row = [](const char *name, const char *user, const char *sql, const QString &state) {
            QTest::newRow(name) << QString::fromLatin1(user) << QString::fromLatin1(sql) << state;
        };
        row("ingest inserts trades", "ingest_user", kInsertTrade, ok);
        row("ingest inserts trades idempotently", "ingest_user",
            "INSERT INTO market_data.trades VALUES (now(), 0, 1, 7, NULL, NULL, 15, 1, 2, 0, 'B') "
            "ON CONFLICT DO NOTHING",
            ok);
        row("ingest reads instruments", "ingest_user", "SELECT * FROM market_data.instruments", ok);
        row("ingest appends feed events", "ingest_user",
            "INSERT INTO audit.feed_events (feed, event) VALUES ('binance', 'connect')", ok);
        row("ingest appends batches", "ingest_user",
            "INSERT INTO audit.ingest_batches (feed, target_table, row_count, checksum, "
            "started_at, "
            "duration_ms) VALUES ('binance', 'trades', 1, 42, now(), 1)",
            ok);
        row("ingest moves its checkpoint", "ingest_user",
            "INSERT INTO audit.ingest_checkpoints VALUES ('binance', 1, 2) ON CONFLICT (feed) DO "
            "UPDATE SET journal_offset = excluded.journal_offset",
            ok);
        row("ingest records a journal epoch", "ingest_user",
            "INSERT INTO audit.journal_epochs (feed, journal_id, reason) VALUES ('binance', "
            "'00000000000000000000000000000000', 'test')",
            ok);
        row("ingest quarantines a record", "ingest_user",
            "INSERT INTO audit.quarantine (feed, journal_segment, journal_offset, record_kind, "
            "payload, error) VALUES ('binance', 0, 1, 'frame', '\\x00ff', 'test')",
            ok);
        row("ingest records an outage gap", "ingest_user",
            "INSERT INTO audit.gaps (instrument_id, kind, gap_start, gap_end, note) VALUES (1, "
            "'outage', now() - interval '1 minute', now(), 'journal disk full')",
            ok);
        row("ingest cannot read the quarantine", "ingest_user", "SELECT * FROM audit.quarantine",
            denied);
        row("reader reads the quarantine and epochs", "reader_user",
            "SELECT * FROM audit.quarantine, audit.journal_epochs", ok);
        row("ingest cannot read trades", "ingest_user", "SELECT * FROM market_data.trades", denied);
        row("ingest cannot read audit", "ingest_user", "SELECT * FROM audit.ingest_batches",
            denied);
        row("ingest cannot read operator actions", "ingest_user",
            "SELECT * FROM audit.operator_actions", denied);
        row("ingest cannot delete trades", "ingest_user", "DELETE FROM market_data.trades", denied);
        row("ingest cannot update trades", "ingest_user",
            "UPDATE market_data.trades SET price_units = 1", denied);
        row("ingest cannot truncate", "ingest_user", "TRUNCATE market_data.trades", denied);
        row("ingest cannot drop", "ingest_user", "DROP TABLE market_data.trades", denied);
        row("ingest cannot alter", "ingest_user", "ALTER TABLE market_data.trades ADD COLUMN x int",
            denied);
        row("ingest cannot create tables", "ingest_user", "CREATE TABLE market_data.x (id int)",
            denied);
        row("reader reads trades", "reader_user", "SELECT * FROM market_data.ticks", ok);
        row("reader reads audit", "reader_user",
            "SELECT * FROM audit.gaps, audit.schema_migrations", ok);
        row("reader cannot insert", "reader_user", kInsertTrade, denied);
        row("reader cannot drop", "reader_user", "DROP TABLE market_data.trades", denied);
        row("admin alters tables", "admin_user", "ALTER TABLE market_data.trades ADD COLUMN x int",
            ok);
        row("admin creates tables", "admin_user", "CREATE TABLE aggregates.scratch (id int)", ok);
        row("admin changes chunk interval", "admin_user",
            "SELECT set_chunk_time_interval('market_data.trades', interval '12 hours')", ok);
    }

    void privileges()
    {
        QFETCH(QString, user);
        QFETCH(QString, sql);
        QFETCH(QString, outcome);
        QCOMPARE(QString::fromStdString(attempt(m_conninfo, user.toStdString(), sql.toStdString())),
            outcome);
    }

    void probeDescribesTheRole_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("description");
        QTest::newRow("ingest") << QStringLiteral("ingest_user")
                                << QStringLiteral("ingest_user (tickscope_ingest)");
        QTest::newRow("reader") << QStringLiteral("reader_user")
                                << QStringLiteral("reader_user (tickscope_reader)");
        QTest::newRow("admin") << QStringLiteral("admin_user")
                               << QStringLiteral("admin_user (tickscope_admin)");
    }

    void probeDescribesTheRole()
    {
        QFETCH(QString, user);
        QFETCH(QString, description);
        auto connection = connectAs(m_conninfo, user.toStdString());
        const auto caps = db::probeCapabilities(connection);
        QVERIFY(!caps.superuser);
        QVERIFY(!caps.canCreateSchemas);
        QCOMPARE(QString::fromStdString(db::describeRole(caps)), description);
    }

    // What tickscope_admin may write (its procedures, aggregates.levels) is never run with a
    // superuser's rights when a superuser watches storage or runs the jobs (the embedded
    // database's own login is one). On eeff8bb both made admin_user a superuser.
    void anAdminCannotBecomeASuperuser()
    {
        auto admin = connectAs(m_conninfo, "admin_user");
        pqxx::nontransaction{admin}.exec(R"sql(
            CREATE FUNCTION audit.escalate() RETURNS int LANGUAGE plpgsql AS $$
            BEGIN ALTER ROLE admin_user SUPERUSER; RETURN 1; END $$;
            CREATE OR REPLACE PROCEDURE audit.sample_storage(job_id integer DEFAULT NULL,
                config jsonb DEFAULT NULL) LANGUAGE plpgsql AS $$
            BEGIN PERFORM audit.escalate(); END $$;
        )sql");
        auto superuser = db::connect(m_conninfo, "test");
        QCOMPARE(pqxx::nontransaction{superuser}.query_value<std::string>("SHOW is_superuser"),
            std::string("on"));
        try {
            db::PolicyManager{superuser}.runJobs({.osUser = "test", .host = "test"});
            QFAIL("the redefined procedure ran without the admin's rights failing it");
        } catch (const pqxx::sql_error &error) {
            QVERIFY2(
                std::string_view(error.what()).find("permission denied") != std::string_view::npos,
                error.what());
        }
        QVERIFY(!isSuperuser("admin_user"));
        QVERIFY(pqxx::nontransaction{superuser}.query_value<bool>(
            "SELECT current_user = session_user"));

        pqxx::nontransaction{admin}.exec(
            "UPDATE aggregates.levels SET relation = 'aggregates.ohlcv_1m, audit.escalate() e' "
            "WHERE relation = 'aggregates.ohlcv_1m'");
        try {
            db::readStorageStatus(superuser, model::StoragePolicy{});
        } catch (const std::exception &) {
            // Refusing the level is fine; running it is not.
        }
        QVERIFY(!isSuperuser("admin_user"));
    }

private:
    bool isSuperuser(const std::string &role)
    {
        auto connection = db::connect(m_conninfo, "test");
        return pqxx::nontransaction{connection}.query_value<bool>(
            "SELECT rolsuper FROM pg_roles WHERE rolname = $1", pqxx::params{role});
    }

    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestRoles)
#include "test_roles.moc"
