// The tickscope executable as a person runs it: local-db, migrate and the headless main job,
// against clusters it creates itself, plus its answers to bad arguments.
#include "app/ops/local_server.h"
#include "db/connection.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <future>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace tickscope;

namespace {

using testing::runTickscope;
using Run = testing::TickscopeRun;

// A listener on 127.0.0.1:`port` that plays a PostgreSQL server asking for the password in
// clear (AuthenticationCleartextPassword) of the first client, as another local user could
// while the embedded server is down. Yields what the client sent after that ("" if nothing).
std::string harvest(quint16 port, std::atomic<bool> &listening)
{
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(server, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::listen(server, 1) != 0) {
        ::close(server);
        listening = true;
        return "cannot listen";
    }
    listening = true;
    pollfd waiting{.fd = server, .events = POLLIN, .revents = 0};
    std::string received;
    if (::poll(&waiting, 1, 10'000) == 1) {
        const int client = ::accept(server, nullptr, nullptr);
        char buffer[1024];
        ::recv(client, buffer, sizeof buffer, 0); // the startup packet
        const char askForCleartext[] = {'R', 0, 0, 0, 8, 0, 0, 0, 3};
        ::send(client, askForCleartext, sizeof askForCleartext, MSG_NOSIGNAL);
        pollfd answer{.fd = client, .events = POLLIN, .revents = 0};
        if (::poll(&answer, 1, 3'000) == 1) {
            const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
            if (got > 0)
                received.assign(buffer, static_cast<std::size_t>(got));
        }
        ::close(client);
    }
    ::close(server);
    return received;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")}
                                         << QStringLiteral("unknown command 'frobnicate'");
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("--frob")} << QStringLiteral("Unknown option 'frob'");
        QTest::newRow("local-db without action")
            << QStringList{QStringLiteral("local-db")} << QStringLiteral("expected one action");
        QTest::newRow("local-db unknown action") << QStringList{QStringLiteral("local-db"),
            QStringLiteral("restart")} << QStringLiteral("unknown action 'restart'");
        QTest::newRow("local-db port not a number")
            << QStringList{QStringLiteral("local-db"), QStringLiteral("init"),
                   QStringLiteral("--port"), QStringLiteral("abc")}
            << QStringLiteral("--port must be a whole number from 1024 to 65535, not 'abc'");
        QTest::newRow("local-db port too high") << QStringList{QStringLiteral("local-db"),
            QStringLiteral("start"), QStringLiteral("--port=70000")}
                                                << QStringLiteral("--port must be a whole number");
        QTest::newRow("migrate target zero") << QStringList{QStringLiteral("migrate"),
            QStringLiteral("--target"),
            QStringLiteral("0")} << QStringLiteral("--target must be a whole number from 1 to");
        QTest::newRow("migrate status with dry-run") << QStringList{QStringLiteral("migrate"),
            QStringLiteral("--status"),
            QStringLiteral("--dry-run")} << QStringLiteral("--status cannot be combined");
        QTest::newRow("migrate stray argument") << QStringList{QStringLiteral("migrate"),
            QStringLiteral("now")} << QStringLiteral("unexpected argument 'now'");
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Run run = runTickscope(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(run.err.contains(QStringLiteral("--help' for usage")));
    }

    void helpTexts_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("main") << QStringList{QStringLiteral("--help")}
                              << QStringLiteral("Usage: tickscope [options]");
        QTest::newRow("local-db") << QStringList{QStringLiteral("local-db"),
            QStringLiteral("--help")}
                                  << QStringLiteral(
                                         "Usage: tickscope local-db "
                                         "init|start|stop|status|add-standby|cluster [options]");
        QTest::newRow("migrate") << QStringList{QStringLiteral("migrate"), QStringLiteral("--help")}
                                 << QStringLiteral("--dry-run");
    }

    void helpTexts()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        const Run run = runTickscope(arguments);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(expected), qPrintable(run.out));
    }

    // As root, init hands its directory to the postgres user: one that holds anything is
    // refused and left as it was (on eeff8bb it was chowned and chmodded whole).
    void initRefusesADirectoryThatHoldsSomething()
    {
        QTemporaryDir dir;
        makeTraversable(dir);
        const QString data = dir.filePath(QStringLiteral("mine"));
        QVERIFY(QDir().mkpath(data));
        QFile kept{data + QStringLiteral("/notes.txt")};
        QVERIFY(kept.open(QIODevice::WriteOnly));
        kept.write("the desk's notes\n");
        kept.close();
        const auto mode
            = QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther;
        QVERIFY(kept.setPermissions(mode));
        const QFileInfo before{kept.fileName()};
        const Run run = runTickscope(
            {QStringLiteral("local-db"), QStringLiteral("init"), QStringLiteral("--data-dir"), data,
                QStringLiteral("--port"), QString::number(testing::TestCluster::freePort())});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("is not empty")), qPrintable(run.err));
        const QFileInfo after{kept.fileName()};
        QCOMPARE(after.ownerId(), before.ownerId());
        QCOMPARE(after.permissions(), before.permissions());
        QCOMPARE(QDir(data).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden),
            QStringList{QStringLiteral("notes.txt")});
    }

    // While the embedded server is down, whoever listens on its port gets no password: the
    // client asks for SCRAM (on eeff8bb it sent the password to anyone who asked for it).
    void theEmbeddedLoginSendsItsPasswordToNoListener()
    {
        QTemporaryDir dir;
        makeTraversable(dir);
        const QString data = dir.filePath(QStringLiteral("db"));
        const quint16 port = testing::TestCluster::freePort();
        const Run made = runTickscope({QStringLiteral("local-db"), QStringLiteral("init"),
            QStringLiteral("--data-dir"), data, QStringLiteral("--port"), QString::number(port)});
        QVERIFY2(made.exitCode == 0, qPrintable(made.err));
        std::atomic<bool> listening = false;
        auto harvested = std::async(std::launch::async, [&] { return harvest(port, listening); });
        QTRY_VERIFY(listening.load());
        const std::string conninfo = ops::LocalServer{data}.conninfo().toStdString();
        QVERIFY_THROWS_EXCEPTION(std::exception, db::connect(conninfo, "test"));
        const std::string sent = harvested.get();
        QVERIFY2(sent.empty() || sent.front() != 'p', "the password went to the listener");
    }

    void localDbLifecycle()
    {
        QTemporaryDir dir;
        makeTraversable(dir);
        const QString data = dir.filePath(QStringLiteral("db"));
        const QString port = QString::number(testing::TestCluster::freePort());
        const QStringList where{QStringLiteral("--data-dir"), data};

        Run run = runTickscope(
            QStringList{QStringLiteral("local-db"), QStringLiteral("status")} + where);
        QCOMPARE(run.exitCode, 4);
        QVERIFY(run.out.contains(QStringLiteral("not initialized")));

        run = runTickscope(QStringList{QStringLiteral("local-db"), QStringLiteral("init"),
                               QStringLiteral("--port"), port}
            + where);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = runTickscope(QStringList{QStringLiteral("local-db"), QStringLiteral("init")} + where);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("already exists")));

        run = runTickscope(
            QStringList{QStringLiteral("local-db"), QStringLiteral("start")} + where);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.out.contains(QStringLiteral("running (pid")));
        run = runTickscope(
            QStringList{QStringLiteral("local-db"), QStringLiteral("start")} + where);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("already running")));

        run = runTickscope(
            QStringList{QStringLiteral("local-db"), QStringLiteral("status")} + where);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("127.0.0.1:") + port));
        QVERIFY(run.out.contains(QStringLiteral("conninfo:       host=127.0.0.1 port=") + port));

        // migrate and the headless main job find the embedded database without --db.
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const QString &variable : environment.keys())
            if (variable.startsWith(QStringLiteral("PG")))
                environment.remove(variable);
        environment.insert(QStringLiteral("TICKSCOPE_LOCAL_DB_DIR"), data);
        environment.insert(
            QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
        run = runTickscope({QStringLiteral("migrate"), QStringLiteral("--status")}, environment);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("schema:   version 0 of")), qPrintable(run.out));
        QVERIFY(run.out.contains(QStringLiteral("TimescaleDB 2.")));
        QVERIFY(run.out.contains(QStringLiteral("0001_extension_and_roles")));
        run = runTickscope({QStringLiteral("migrate"), QStringLiteral("--dry-run")}, environment);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("would apply 0001_extension_and_roles")));
        run = runTickscope({QStringLiteral("migrate")}, environment);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.out.contains(QStringLiteral("schema is at version")));
        run = runTickscope({QStringLiteral("migrate")}, environment);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("schema is up to date")));

        headlessMainJob(environment);
        // A journal it cannot use: the job says why and exits 1, instead of waiting for ever for
        // feeds that never started to stop.
        {
            const QString configDir = dir.filePath(QStringLiteral("config/tickscope"));
            QDir().mkpath(configDir);
            QFile config(configDir + QStringLiteral("/tickscope.toml"));
            QVERIFY(config.open(QIODevice::WriteOnly));
            config.write("[http]\nlisten = \"off\"\n[journal]\ndirectory = "
                         "\"/proc/tickscope-no-journal\"\n");
            config.close();
            const auto failed = runTickscope({QStringLiteral("--headless")}, environment);
            QFile::remove(config.fileName());
            QCOMPARE(failed.exitCode, 1);
            QVERIFY2(
                failed.out.contains(QStringLiteral("tickscope: stopped")), qPrintable(failed.out));
            QVERIFY2((failed.out + failed.err).contains(QStringLiteral("tickscope-no-journal")),
                qPrintable(failed.err));
        }
        // It applied the default storage policies to the embedded database: pg_cron runs the
        // aggregates' refresh and the retention.
        run = runTickscope({QStringLiteral("policies"), QStringLiteral("show")}, environment);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("No difference.")), qPrintable(run.out));
        QVERIFY(run.out.contains(QRegularExpression(
            QStringLiteral(R"(jobs.tickscope_refresh_aggregates +cron \* \* \* \* \* +cron)"))));

        run = runTickscope(QStringList{QStringLiteral("local-db"), QStringLiteral("stop")} + where);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("stopped")));
        run = runTickscope(QStringList{QStringLiteral("local-db"), QStringLiteral("stop")} + where);
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("not running")));
        run = runTickscope(
            QStringList{QStringLiteral("local-db"), QStringLiteral("status")} + where);
        QCOMPARE(run.exitCode, 3);
        run = runTickscope({QStringLiteral("migrate")}, environment);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("is not running")));
    }

    // A wrong password in --db: the command fails and says why, and the password appears in no
    // output (stdout, stderr), whatever form the connection string takes.
    void passwordsNeverShown_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QString>("conninfo");
        const QString port = QString::number(testing::TestCluster::instance().port());
        const QString keyValue = QStringLiteral(
            "host=127.0.0.1 port=%1 dbname=postgres user=tickscope password=Pa55-s3cret-wrong")
                                     .arg(port);
        const QString uri
            = QStringLiteral("postgresql://tickscope:Pa55-s3cret-wrong@127.0.0.1:%1/postgres")
                  .arg(port);
        const QString badKey = QStringLiteral("password=Pa55-s3cret-wrong frobnicate=1");
        for (const auto &[name, conninfo] : {std::pair{"key=value", keyValue},
                 std::pair{"URI", uri}, std::pair{"bad key", badKey}}) {
            QTest::addRow("migrate, %s", name)
                << QStringList{QStringLiteral("migrate"), QStringLiteral("--status")} << conninfo;
            QTest::addRow("ingest, %s", name) << QStringList{QStringLiteral("ingest"),
                QStringLiteral("--duration"), QStringLiteral("1")}
                                              << conninfo;
        }
    }

    void passwordsNeverShown()
    {
        QFETCH(QStringList, command);
        QFETCH(QString, conninfo);
        QTemporaryDir dir;
        QFile config{dir.filePath(QStringLiteral("tickscope.toml"))};
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\n"
                     "websocket_url = \"ws://127.0.0.1:9\"\nrest_url = \"http://127.0.0.1:9\"\n");
        config.close();
        const Run run = runTickscope(command
            + QStringList{
                QStringLiteral("--config"), config.fileName(), QStringLiteral("--db"), conninfo});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("cannot connect to")), qPrintable(run.err));
        // (A conninfo libpq cannot parse is refused before anything reads a password from it.)
        if (!conninfo.contains(QStringLiteral("frobnicate")))
            QVERIFY2(run.err.contains(QStringLiteral("warning: --db holds a password")),
                qPrintable(run.err));
        QVERIFY2(!(run.out + run.err).contains(QStringLiteral("s3cret")), qPrintable(run.err));
    }

    void startOnATakenPortSaysSo()
    {
        QTemporaryDir dir;
        makeTraversable(dir);
        const QStringList where{QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("db"))};
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        const QString port = QString::number(squatter.serverPort());
        Run run = runTickscope(QStringList{QStringLiteral("local-db"), QStringLiteral("init"),
                                   QStringLiteral("--port"), port}
            + where);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        run = runTickscope(
            QStringList{QStringLiteral("local-db"), QStringLiteral("start")} + where);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(
            run.err.contains(QStringLiteral("port %1 on 127.0.0.1 is already in use").arg(port)),
            qPrintable(run.err));
    }

private:
    // As root, the server runs as "postgres", which must be able to enter the directory.
    static void makeTraversable(const QTemporaryDir &dir)
    {
        QFile::setPermissions(
            dir.path(), QFile::permissions(dir.path()) | QFile::ExeOther | QFile::ExeGroup);
    }

    void headlessMainJob(const QProcessEnvironment &environment)
    {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(QStringLiteral(TICKSCOPE_BINARY), {QStringLiteral("--headless")});
        QString out;
        QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(process.readAllStandardOutput()),
                                     out.contains(QStringLiteral("tickscope: ready |"))),
            60'000);
        QVERIFY2(out.contains(QStringLiteral("(embedded)")), qPrintable(out));
        // The console reads as the embedded database's reader login, not as its superuser.
        QVERIFY2(
            out.contains(QStringLiteral("ready | tickscope_viewer@127.0.0.1:")), qPrintable(out));
        QVERIFY(out.contains(QStringLiteral("| schema ")));
        ::kill(static_cast<pid_t>(process.processId()), SIGINT);
        QVERIFY(process.waitForFinished(60'000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        QVERIFY(process.readAllStandardOutput().contains("tickscope: stopped"));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
