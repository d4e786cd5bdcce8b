// The config file and how the database to use is chosen.
#include "app/config.h"
#include "app/database_target.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace tickscope::app;

class TestConfig : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        for (const char *variable :
            {"PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"})
            qunsetenv(variable);
    }

    void parses_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty file") << QByteArray() << QString() << QString();
        QTest::newRow("conninfo string")
            << QByteArray("[database]\nconninfo = \"host=db.example port=5433\"\n")
            << QStringLiteral("host=db.example port=5433") << QString();
        QTest::newRow("URI") << QByteArray("[database]\nconninfo = 'postgresql://u@h/db'\n")
                             << QStringLiteral("postgresql://u@h/db") << QString();
        QTest::newRow("unknown section") << QByteArray("[databse]\nconninfo = \"x\"\n") << QString()
                                         << QStringLiteral("unknown section [databse] (line 1");
        QTest::newRow("unknown key") << QByteArray("[database]\nconinfo = \"x\"\n") << QString()
                                     << QStringLiteral("unknown key database.coninfo (line 2");
        QTest::newRow("wrong type")
            << QByteArray("[database]\nconninfo = 5\n") << QString()
            << QStringLiteral("database.conninfo must be a non-empty string");
        QTest::newRow("empty string")
            << QByteArray("[database]\nconninfo = \"\"\n") << QString()
            << QStringLiteral("database.conninfo must be a non-empty string");
        QTest::newRow("not a table") << QByteArray("database = 1\n") << QString()
                                     << QStringLiteral("'database' must be a table");
        QTest::newRow("syntax error")
            << QByteArray("[database\n") << QString() << QStringLiteral("line 1");
    }

    void parses()
    {
        QFETCH(QByteArray, toml);
        QFETCH(QString, conninfo);
        QFETCH(QString, error);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tickscope.toml"));
        QFile file{path};
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(toml);
        file.close();

        const auto config = loadConfig(path, true);
        if (!error.isEmpty()) {
            QVERIFY(!config);
            QVERIFY2(
                QString::fromStdString(config.error()).contains(error), config.error().c_str());
            QVERIFY(QString::fromStdString(config.error()).startsWith(path));
            return;
        }
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(QString::fromStdString(config->databaseConninfo.value_or("")), conninfo);
        QCOMPARE(config->path, path);
    }

    void missingFileIsAnErrorOnlyWhenNamed()
    {
        const QString path = QStringLiteral("/nonexistent/tickscope.toml");
        QVERIFY(loadConfig(path, false));
        QVERIFY(!loadConfig(path, false)->databaseConninfo);
        const auto named = loadConfig(path, true);
        QVERIFY(!named);
        QVERIFY(QString::fromStdString(named.error()).contains(QStringLiteral("does not exist")));
    }

    void databaseTargetOrder()
    {
        Config config;
        QVERIFY(resolveDatabaseTarget(std::nullopt, config).embedded);

        qputenv("PGHOST", "127.0.0.1");
        DatabaseTarget target = resolveDatabaseTarget(std::nullopt, config);
        QVERIFY(!target.embedded);
        QCOMPARE(target.conninfo, std::string());
        QCOMPARE(target.source, std::string("environment (PGHOST)"));

        config.databaseConninfo = "dbname=from_config";
        QCOMPARE(resolveDatabaseTarget(std::nullopt, config).conninfo, "dbname=from_config");
        target = resolveDatabaseTarget(std::string("dbname=from_cli"), config);
        QCOMPARE(target.conninfo, std::string("dbname=from_cli"));
        QCOMPARE(target.source, std::string("--db"));
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "test_config.moc"
