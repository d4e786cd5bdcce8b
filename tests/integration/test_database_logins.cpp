// Each part of Tickscope logs in with no more rights than it needs (issue 26, defect 5): the
// console's readers and the query API can never write, whatever login the target names; the
// embedded database's monitors are its operator acting as tickscope_admin, never its superuser.
// On eeff8bb the readers of another server used the target's (writing) login, a reader login
// was not a setting, and the monitors ran as the embedded superuser.
#include "app/ops/local_server.h"
#include "app/services/database_session.h"
#include "db/backup_queries.h"
#include "db/capability_probe.h"
#include "db/policy_manager.h"
#include "db/replication_queries.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"

#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

// session_user, current_user, and whether an INSERT into market_data.trades is refused.
struct Identity
{
    std::string login;
    std::string actingAs;
    bool insertRefused = false;
};

Identity identityOf(const std::string &conninfo)
{
    auto connection = db::connect(conninfo, "test");
    pqxx::work tx{connection};
    Identity identity;
    std::tie(identity.login, identity.actingAs)
        = tx.query1<std::string, std::string>("SELECT session_user::text, current_user::text");
    try {
        pqxx::subtransaction attempt{tx};
        attempt.exec(
            "INSERT INTO market_data.trades VALUES (now(), 0, 1, 7, NULL, NULL, 15, 1, 2, 0, 'B')");
    } catch (const pqxx::insufficient_privilege &) {
        identity.insertRefused = true;
    } catch (const pqxx::sql_error &error) {
        // A read-only session refuses it before privileges are looked at.
        identity.insertRefused
            = std::string_view(error.what()).find("read-only transaction") != std::string::npos;
    }
    return identity;
}

app::DatabaseTarget targetWithReader(const std::string &conninfo, const std::string &reader)
{
    return {conninfo, false, "test", reader};
}

std::expected<std::unique_ptr<app::DatabaseSession>, std::string> open(
    const app::DatabaseTarget &target)
{
    return app::DatabaseSession::open(target, {.purpose = "test"});
}

} // namespace

class TestDatabaseLogins : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("logins");
            auto connection = db::connect(m_conninfo, "test");
            pqxx::nontransaction tx{connection};
            tx.exec(R"sql(
                DROP ROLE IF EXISTS logins_writer, logins_reader, logins_granted, logins_stranger;
                CREATE ROLE logins_writer LOGIN PASSWORD 'secret'
                    IN ROLE tickscope_ingest, tickscope_reader;
                CREATE ROLE logins_reader LOGIN PASSWORD 'secret' IN ROLE tickscope_reader;
                CREATE ROLE logins_granted LOGIN PASSWORD 'secret' IN ROLE tickscope_reader;
                GRANT INSERT ON audit.gaps TO logins_granted;
                CREATE ROLE logins_stranger LOGIN PASSWORD 'secret';
            )sql");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    // No reader_conninfo: the target's login acts as tickscope_reader, read-only.
    void readersOfASuperuserTargetActAsTheReaderRole()
    {
        auto session = open({m_conninfo, false, "test", {}});
        QVERIFY2(session, session ? "" : session.error().c_str());
        const Identity reader = identityOf((*session)->readerConninfo());
        QCOMPARE(reader.actingAs, std::string("tickscope_reader"));
        QVERIFY(reader.insertRefused);
        QCOMPARE(identityOf((*session)->operatorConninfo()).actingAs, reader.login);
        auto connection = db::connect((*session)->readerConninfo(), "test");
        QCOMPARE(db::describeRole(db::probeCapabilities(connection)),
            reader.login + " as tickscope_reader (tickscope_reader)");
    }

    void aLoginOutsideTheReaderRoleReadsAsItself()
    {
        // It may not read the migration ledger either: the schema is left as it is.
        auto session = app::DatabaseSession::open(
            {m_conninfo + " user=logins_stranger password=secret", false, "test"},
            {.purpose = "test", .migrate = false});
        QVERIFY2(session, session ? "" : session.error().c_str());
        QCOMPARE(identityOf((*session)->readerConninfo()).actingAs, std::string("logins_stranger"));
    }

    void aReaderLoginThatCanWriteIsRefused_data()
    {
        QTest::addColumn<QString>("login");
        QTest::addColumn<QString>("why");
        QTest::newRow("superuser") << QString() << QStringLiteral("(a superuser)");
        QTest::newRow("ingest member")
            << QStringLiteral("logins_writer") << QStringLiteral("(a member of tickscope_ingest)");
        QTest::newRow("a table granted")
            << QStringLiteral("logins_granted") << QStringLiteral("(may write audit.gaps)");
    }

    void aReaderLoginThatCanWriteIsRefused()
    {
        QFETCH(QString, login);
        QFETCH(QString, why);
        const std::string reader = login.isEmpty()
            ? m_conninfo
            : m_conninfo + " user=" + login.toStdString() + " password=secret";
        const auto session = open(targetWithReader(m_conninfo, reader));
        QVERIFY(!session);
        const QString message = QString::fromStdString(session.error());
        QVERIFY2(message.contains(QStringLiteral("[database] reader_conninfo logs in as")),
            qPrintable(message));
        QVERIFY2(message.contains(why), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("only a member of tickscope_reader")),
            qPrintable(message));
    }

    void aReaderLoginIsTakenAsItIs()
    {
        const std::string reader = m_conninfo + " user=logins_reader password=secret";
        auto session = open(targetWithReader(m_conninfo, reader));
        QVERIFY2(session, session ? "" : session.error().c_str());
        QCOMPARE((*session)->readerConninfo(), reader);
        const Identity identity = identityOf(reader);
        QCOMPARE(identity.actingAs, std::string("logins_reader"));
        QVERIFY(identity.insertRefused);
    }

    // The embedded database: readers as tickscope_viewer, monitors as tickscope_operator acting
    // as tickscope_admin, which sees what the monitors show without being a superuser.
    void embeddedMonitorsAreNotTheSuperuser()
    {
        testing::EmbeddedSandbox sandbox;
        QVERIFY(sandbox.isValid());
        for (const char *variable : {"PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE"})
            qunsetenv(variable);
        qputenv("TICKSCOPE_LOCAL_DB_DIR", sandbox.databaseDirectory().toUtf8());
        ops::LocalServer server{sandbox.databaseDirectory()};
        const auto made
            = server.init(testing::TestCluster::freePort(), testing::TestCluster::kFastSettings);
        QVERIFY2(made, made ? "" : qPrintable(made.error()));
        {
            auto session = app::DatabaseSession::open(
                {{}, true, "test"}, {.purpose = "test", .embeddedPolicy = model::StoragePolicy{}});
            QVERIFY2(session, session ? "" : session.error().c_str());

            const Identity reader = identityOf((*session)->readerConninfo());
            QCOMPARE(reader.login, ops::LocalServer::kReaderUser.toStdString());
            QVERIFY(reader.insertRefused);

            const std::string operatorLogin = (*session)->operatorConninfo();
            const Identity monitor = identityOf(operatorLogin);
            QCOMPARE(monitor.login, ops::LocalServer::kAdminUser.toStdString());
            QCOMPARE(monitor.actingAs, std::string("tickscope_admin"));
            auto connection = db::connect(operatorLogin, "test");
            QVERIFY(pqxx::nontransaction{connection}.query_value<bool>(
                "SELECT NOT rolsuper AND pg_has_role('pg_monitor', 'USAGE') FROM pg_roles "
                "WHERE rolname = session_user"));
            // What the replication and backup pages read needs pg_monitor; the policies the
            // session applied (pg_cron jobs, visible to their owner only) all match.
            QVERIFY(!db::readReplicationStatus(connection).dataDirectory.empty());
            (void)db::readArchiverStatus(connection); // throws where it may not read
            for (const auto &setting : db::PolicyManager{connection}.compare({}))
                QVERIFY2(setting.state != model::PolicySetting::State::Differs,
                    qPrintable(QString::fromStdString(setting.name + ": " + setting.actual)));
        }
        (void)server.stop();
        qunsetenv("TICKSCOPE_LOCAL_DB_DIR");
    }

private:
    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestDatabaseLogins)
#include "test_database_logins.moc"
