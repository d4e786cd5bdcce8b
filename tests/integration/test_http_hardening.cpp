// The HTTP endpoint of the running job under what a hostile client on the desk's network can do:
// the headless main job ingests the simulated exchange into its embedded database, with a token
// and a descriptor limit of 1024, while 2,000 connections sit idle, 50 more send their head a
// byte a second (slow loris) and others send a 64 KiB head, a 10 KiB URL and a 100 MB body.
// Throughout, a client with the token gets /api/v1/latest, and one without it gets 401 on every
// path (/metrics too); the oversized requests are refused by size; afterwards every trade the
// feed received is stored (ids contiguous, no gap recorded) and the feed kept committing.
// On eeff8bb the idle connections took every descriptor of the job: the token's client waited
// unanswered.
#include "app/cli/cli.h"
#include "db/connection.h"
#include "tests/support/http_get.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>
#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <format>
#include <netinet/in.h>
#include <poll.h>
#include <pqxx/pqxx>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace tickscope;

namespace {

const QByteArray kToken = "hardening-test-token-0123456789";
constexpr rlim_t kJobDescriptors = 1024;

// A client socket of our own on 127.0.0.1:port, connecting without waiting (a server that no
// longer accepts leaves it in the listen backlog); -1 when the system refused one.
int openConnection(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Sends all of `bytes` (waiting up to 5 s for room); false when the peer closed.
bool sendAll(int fd, QByteArrayView bytes)
{
    QElapsedTimer clock;
    clock.start();
    while (!bytes.isEmpty() && clock.elapsed() < 5'000) {
        const ssize_t sent
            = ::send(fd, bytes.data(), static_cast<size_t>(bytes.size()), MSG_NOSIGNAL);
        if (sent > 0) {
            bytes = bytes.sliced(sent);
            continue;
        }
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)
            return false;
        pollfd writable{.fd = fd, .events = POLLOUT, .revents = 0};
        ::poll(&writable, 1, 100);
    }
    return bytes.isEmpty();
}

// What the server answered on `fd` before closing it, waiting up to 15 s.
QByteArray answerOf(int fd)
{
    QByteArray answer;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 15'000) {
        pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
        if (::poll(&readable, 1, 100) <= 0)
            continue;
        char buffer[4096];
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0)
            break;
        answer.append(buffer, got);
    }
    return answer;
}

} // namespace

class TestHttpHardening : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        // Our own side of the attack needs more descriptors than the job is given.
        rlimit own{};
        QVERIFY(getrlimit(RLIMIT_NOFILE, &own) == 0);
        own.rlim_cur = own.rlim_max;
        QVERIFY(setrlimit(RLIMIT_NOFILE, &own) == 0);
        m_idleConnections = static_cast<int>(std::min<rlim_t>(2'000, own.rlim_cur - 300));
        QVERIFY2(m_idleConnections > static_cast<int>(kJobDescriptors),
            "this test needs a descriptor limit above 1324");

        m_port = testing::TestCluster::freePort();
        QDir().mkpath(m_sandbox.filePath(QStringLiteral("config/tickscope")));
        QFile token{m_sandbox.filePath(QStringLiteral("api_token"))};
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write(kToken + '\n');
        token.close();
        token.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
        QFile config{m_sandbox.filePath(QStringLiteral("config/tickscope/tickscope.toml"))};
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral("[http]\nlisten = \"127.0.0.1:%1\"\ntoken_file = \"%2\"\n")
                .arg(m_port)
                .arg(token.fileName())
                .toUtf8());
        config.close();

        for (const char *step : {"init", "start"}) {
            const auto run = m_sandbox.run({QStringLiteral("local-db"), QString::fromLatin1(step)});
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        }
        const auto status = m_sandbox.run({QStringLiteral("local-db"), QStringLiteral("status")});
        static const QRegularExpression conninfoLine{QStringLiteral(R"(conninfo:\s+(.+))")};
        const auto match = conninfoLine.match(status.out);
        QVERIFY2(match.hasMatch(), qPrintable(status.out));
        m_conninfo = match.captured(1).trimmed().toStdString();

        m_job.setProcessEnvironment(m_sandbox.environment());
        m_job.setChildProcessModifier([] {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            const rlimit limit{kJobDescriptors, kJobDescriptors};
            ::setrlimit(RLIMIT_NOFILE, &limit);
        });
        m_job.start(QStringLiteral(TICKSCOPE_BINARY), {QStringLiteral("--headless")});
        QString out;
        QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(m_job.readAllStandardOutput()),
                                     out.contains(QStringLiteral("tickscope: ready |"))),
            90'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            get(QStringLiteral("/api/v1/latest?exchange=simulated")).status, 200, 30'000);
    }

    void cleanupTestCase()
    {
        for (const int fd : m_attack)
            ::close(fd);
        if (m_job.state() != QProcess::NotRunning) {
            ::kill(static_cast<pid_t>(m_job.processId()), SIGKILL);
            m_job.waitForFinished(10'000);
        }
        m_sandbox.run({QStringLiteral("local-db"), QStringLiteral("stop")});
    }

    void oversizedRequestsAreRefusedBySize_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::newRow("64 KiB head") << "GET /api/v1/latest HTTP/1.1\r\nX-Padding: "
                + QByteArray(64 * 1024, 'a')
                + "\r\n\r\n" << QByteArray("HTTP/1.1 431 ");
        QTest::newRow("10 KiB URL")
            << "GET /api/v1/latest?symbol=" + QByteArray(10 * 1024, 'a') + " HTTP/1.1\r\n\r\n"
            << QByteArray("HTTP/1.1 414 ");
        QTest::newRow("100 MB body") << "POST /api/v1/latest HTTP/1.1\r\nAuthorization: Bearer "
                + kToken + "\r\nContent-Length: 100000000\r\n\r\n" + QByteArray(64 * 1024, 'b')
                                     << QByteArray("HTTP/1.1 413 ");
        QTest::newRow("chunked body") << "GET /api/v1/latest HTTP/1.1\r\nAuthorization: Bearer "
                + kToken + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                                      << QByteArray("HTTP/1.1 413 ");
    }

    void oversizedRequestsAreRefusedBySize()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, statusLine);
        const int fd = openConnection(m_port);
        QVERIFY(fd >= 0);
        sendAll(fd, request); // the server may close before it has taken all of it
        const QByteArray answer = answerOf(fd);
        ::close(fd);
        QVERIFY2(answer.startsWith(statusLine), answer.left(200).constData());
        QVERIFY(answer.contains("Connection: close\r\n"));
        QVERIFY(answer.contains("{\"error\":"));
    }

    void theTokensClientIsAnsweredThroughIdleAndSlowConnections()
    {
        const std::int64_t attackStartNs = QDateTime::currentMSecsSinceEpoch() * 1'000'000;
        for (int i = 0; i < m_idleConnections; ++i) {
            const int fd = openConnection(m_port);
            QVERIFY2(fd >= 0, qPrintable(QString::number(i)));
            m_attack.push_back(fd);
            if (i % 200 == 0)
                QTest::qWait(1); // let our own event loop breathe
        }
        std::vector<int> slow;
        for (int i = 0; i < 50; ++i) {
            const int fd = openConnection(m_port);
            QVERIFY(fd >= 0);
            slow.push_back(fd);
            m_attack.push_back(fd);
        }
        QTest::qWait(500);
        for (const int fd : slow)
            sendAll(fd, "GET /api/v1/latest HTTP/1.1\r\nX-Slow: ");

        // For 20 s the slow ones trickle a byte a second while the token's client asks.
        int answered = 0;
        for (int second = 0; second < 20; ++second) {
            for (const int fd : slow)
                ::send(fd, "a", 1, MSG_NOSIGNAL);
            const auto reply = get(QStringLiteral("/api/v1/latest?exchange=simulated"));
            QVERIFY2(reply.status == 200,
                qPrintable(QStringLiteral("second %1: %2 %3")
                        .arg(second)
                        .arg(reply.status)
                        .arg(QString::fromUtf8(reply.body))));
            QVERIFY(!QJsonDocument::fromJson(reply.body).object()[u"trades"].toArray().isEmpty());
            ++answered;
            QCOMPARE(get(QStringLiteral("/api/v1/latest"), QByteArray()).status, 401);
            QCOMPARE(get(QStringLiteral("/metrics"), QByteArray()).status, 401);
            QCOMPARE(
                get(QStringLiteral("/nothing"), QByteArray()).status, 401); // routes are not listed
            QTest::qWait(1'000);
        }
        QCOMPARE(answered, 20);
        for (const int fd : m_attack)
            ::close(fd);
        m_attack.clear();

        // The scrape counts what the endpoint turned away: idle connections made room, many
        // times the cap over (how many the job accepted before ours closed varies with load).
        const QString scrape = QString::fromUtf8(get(QStringLiteral("/metrics")).body);
        static const QRegularExpression evictedLine{
            QStringLiteral(R"(tickscope_http_refused_total\{reason="evicted"\} (\d+))")};
        const auto evicted = evictedLine.match(scrape);
        QVERIFY2(evicted.hasMatch(), qPrintable(scrape));
        QVERIFY2(
            evicted.captured(1).toInt() > m_idleConnections / 4, qPrintable(evicted.captured()));

        // The feed committed through it all, and lost nothing.
        QTest::qWait(3'000);
        auto connection = db::connect(m_conninfo, "test");
        pqxx::read_transaction tx{connection};
        const auto newest = tx.query_value<std::int64_t>(
            "SELECT (extract(epoch FROM max(market_data.received_at(time, received_after_us))) "
            "* 1e9)::bigint FROM market_data.trades");
        QVERIFY(newest > attackStartNs + 20'000'000'000LL);
        for (const auto &[symbol, trades, span] : tx.query<std::string, std::int64_t, std::int64_t>(
                 "SELECT i.symbol, count(*), max(t.trade_id) - min(t.trade_id) + 1 "
                 "FROM market_data.trades t JOIN market_data.instruments i "
                 "USING (instrument_id) WHERE i.exchange = 'simulated' "
                 "GROUP BY i.symbol")) {
            QVERIFY2(trades == span,
                std::format("{}: {} trades over {} ids", symbol, trades, span).c_str());
        }
        QCOMPARE(tx.query_value<int>("SELECT count(*) FROM audit.gaps"), 0);
    }

private:
    testing::HttpAnswer get(const QString &path, const QByteArray &token = kToken)
    {
        return testing::httpGet(m_port, path, token, std::chrono::seconds(5));
    }

    testing::EmbeddedSandbox m_sandbox;
    quint16 m_port = 0;
    int m_idleConnections = 0;
    std::string m_conninfo;
    std::vector<int> m_attack;
    QProcess m_job;
};

QTEST_GUILESS_MAIN(TestHttpHardening)
#include "test_http_hardening.moc"
