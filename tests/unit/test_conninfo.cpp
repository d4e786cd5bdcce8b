// The conninfo rules of db/connection.h, without a server: a password is recognised in both
// forms, a server on another machine gets sslmode=verify-full unless a mode was chosen, and a
// conninfo naming several hosts (a cluster's nodes) gets a session target unless one was chosen.
#include "db/connection.h"

#include <QTest>
#include <libpq-fe.h>

using namespace tickscope;

namespace {

std::string keyOf(const std::string &conninfo, std::string_view key)
{
    PQconninfoOption *options = PQconninfoParse(conninfo.c_str(), nullptr);
    std::string value = "<invalid>";
    if (options) {
        value.clear();
        for (PQconninfoOption *option = options; option->keyword; ++option)
            if (key == option->keyword && option->val)
                value = option->val;
        PQconninfoFree(options);
    }
    return value;
}

} // namespace

class TestConninfo : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        for (const char *variable : {"PGSSLMODE", "PGSERVICE", "PGHOST", "PGTARGETSESSIONATTRS"})
            qunsetenv(variable);
    }

    void secureDefaults_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("sslmode"); // after withSecureDefaults; empty: libpq's own
        QTest::addRow("remote host") << "host=db.example dbname=market" << "verify-full";
        QTest::addRow("remote URI") << "postgresql://u@db.example:5433/market" << "verify-full";
        QTest::addRow("remote among several") << "host=localhost,db2.example" << "verify-full";
        QTest::addRow("remote hostaddr") << "hostaddr=10.1.2.3" << "verify-full";
        QTest::addRow("loopback") << "host=127.0.0.1 port=54320" << "";
        QTest::addRow("loopback network") << "host=127.8.9.10" << "";
        // A name that merely starts like a loopback address is another machine.
        QTest::addRow("name starting with 127.") << "host=127.example.com" << "verify-full";
        QTest::addRow("localhost") << "host=localhost" << "";
        QTest::addRow("unix socket") << "host=/var/run/postgresql" << "";
        QTest::addRow("mode chosen") << "host=db.example sslmode=require" << "require";
        QTest::addRow("service") << "service=prod" << "";
        QTest::addRow("nothing") << "" << "";
    }

    void secureDefaults()
    {
        QFETCH(QString, conninfo);
        QFETCH(QString, sslmode);
        const std::string secured = db::withSecureDefaults(conninfo.toStdString());
        QCOMPARE(QString::fromStdString(keyOf(secured, "sslmode")), sslmode);
        // Everything else is as it was.
        for (const char *key : {"host", "hostaddr", "port", "dbname", "user", "service"})
            QCOMPARE(keyOf(secured, key), keyOf(conninfo.toStdString(), key));
    }

    void environmentChoosesTooAndValuesSurviveQuoting()
    {
        const std::string awkward = R"(host=db.example password='it\'s \\ odd' user=alice)";
        QCOMPARE(keyOf(awkward, "password"), std::string(R"(it's \ odd)"));
        const std::string secured = db::withSecureDefaults(awkward);
        QCOMPARE(keyOf(secured, "password"), keyOf(awkward, "password"));
        QCOMPARE(keyOf(secured, "sslmode"), std::string("verify-full"));
        qputenv("PGSSLMODE", "disable");
        QCOMPARE(db::withSecureDefaults("host=db.example"), std::string("host=db.example"));
        qunsetenv("PGSSLMODE");
        qputenv("PGHOST", "db.example");
        QCOMPARE(keyOf(db::withSecureDefaults(""), "sslmode"), std::string("verify-full"));
        qunsetenv("PGHOST");
    }

    void sessionTargets_data()
    {
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("target"); // after withSessionTarget(.., "prefer-standby")
        QTest::addRow("one host") << "host=127.0.0.1 port=5432" << "";
        QTest::addRow("three hosts")
            << "host=127.0.0.1,127.0.0.1,127.0.0.1 port=5432,5433,5434" << "prefer-standby";
        QTest::addRow("URI with hosts")
            << "postgresql://u@db1:5432,db2:5432/market" << "prefer-standby";
        QTest::addRow("hostaddrs") << "hostaddr=10.0.0.1,10.0.0.2" << "prefer-standby";
        QTest::addRow("target chosen") << "host=db1,db2 target_session_attrs=any" << "any";
        QTest::addRow("service") << "service=prod" << "";
    }

    void sessionTargets()
    {
        QFETCH(QString, conninfo);
        QFETCH(QString, target);
        const std::string targeted
            = db::withSessionTarget(conninfo.toStdString(), "prefer-standby");
        QCOMPARE(QString::fromStdString(keyOf(targeted, "target_session_attrs")), target);
        for (const char *key : {"host", "hostaddr", "port", "dbname", "user"})
            QCOMPARE(keyOf(targeted, key), keyOf(conninfo.toStdString(), key));
        qputenv("PGTARGETSESSIONATTRS", "read-only");
        QCOMPARE(keyOf(db::withSessionTarget("host=db1,db2", "read-write"), "target_session_attrs"),
            std::string());
        qunsetenv("PGTARGETSESSIONATTRS");
    }

    void passwords()
    {
        QVERIFY(db::setsPassword("host=db password=x"));
        QVERIFY(db::setsPassword("postgresql://u:x@db/m"));
        QVERIFY(!db::setsPassword("host=db passfile=/home/u/.pgpass"));
        QVERIFY(!db::setsPassword("postgresql://u@db/m"));
        QVERIFY(!db::setsPassword("not = a conninfo '"));
    }
};

QTEST_GUILESS_MAIN(TestConninfo)
#include "test_conninfo.moc"
