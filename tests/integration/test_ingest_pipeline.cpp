// The whole ingest path against the simulated exchange and a real TimescaleDB: every trade the
// simulator sent is stored once, the gaps it injected are in audit.gaps with their exact ranges,
// a malformed frame is recorded and skipped, and the book rebuilt from the journal equals the
// simulator's after the resynchronisation.
#include "app/feeds/binance/binance_normalizer.h"
#include "app/ingest/journal_reader.h"
#include "app/ingest/journal_writer.h"
#include "app/ingest_service.h"
#include "app/sim/binance_simulator.h"
#include "app/simulated_feed.h"
#include "db/connection.h"
#include "tests/integration/schema_fixture.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <functional>
#include <pqxx/pqxx>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

using namespace tickscope;

namespace {

// A mount namespace of this test's own, for the tmpfs of fullJournalDiskPausesAndResumes; made
// before any thread exists, as unshare(CLONE_NEWNS) refuses a threaded process.
// Mounts are made private so that none propagates out; inside scripts/devenv's chroot they are
// already (unshare --mount) and "/" is no mount point, so that step may fail there.
const bool g_privateMounts = [] {
    if (::geteuid() != 0 || ::unshare(CLONE_NEWNS) != 0)
        return false;
    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    return true;
}();

std::vector<std::pair<std::int64_t, std::int64_t>> rangesOf(const QJsonArray &array)
{
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto &range : array)
        out.emplace_back(range.toArray()[0].toInteger(), range.toArray()[1].toInteger());
    return out;
}

app::Config configFor(const sim::BinanceSimulator &simulator, const QString &journal)
{
    app::Config config;
    config.journalDirectory = journal;
    config.flushInterval = std::chrono::milliseconds(50);
    config.feeds.push_back(app::simulatedFeed(simulator, "binance"));
    return config;
}

// Runs the service until the simulator has finished and everything in flight is committed.
void runUntilFinished(app::IngestService &service, sim::BinanceSimulator &simulator,
    const std::function<void()> &meanwhile = {})
{
    QSignalSpy finished{&simulator, &sim::BinanceSimulator::finished};
    service.start();
    if (meanwhile)
        meanwhile();
    QVERIFY(finished.wait(60'000));
    QTest::qWait(500); // what is still in flight arrives
    QSignalSpy stopped{&service, &app::IngestService::stopped};
    service.stop();
    QVERIFY(stopped.wait(60'000));
}

// Every trade the simulator sent is stored exactly once.
void verifyTrades(pqxx::connection &connection, const QJsonObject &report,
    const std::vector<std::string> &symbols)
{
    pqxx::nontransaction tx{connection};
    for (const auto &symbol : symbols) {
        const QJsonObject sent
            = report[QStringLiteral("symbols")][QString::fromStdString(symbol)].toObject();
        const auto stored
            = tx.exec("SELECT count(*), count(DISTINCT trade_id), min(trade_id), max(trade_id) "
                      "FROM market_data.ticks WHERE symbol = $1",
                    pqxx::params{symbol})
                  .one_row();
        QCOMPARE(stored[1].as<std::int64_t>(), stored[0].as<std::int64_t>());
        QCOMPARE(stored[2].as<std::int64_t>(), sent[QStringLiteral("first_trade_id")].toInteger());
        QCOMPARE(stored[3].as<std::int64_t>(), sent[QStringLiteral("last_trade_id")].toInteger());
        QCOMPARE(stored[0].as<std::int64_t>(), sent[QStringLiteral("trades_sent")].toInteger());
    }
}

} // namespace

class TestIngestPipeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("pipeline");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void simulatorToDatabase()
    {
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options;
        options.symbols = {"BTCUSDT", "ETHUSDT"};
        options.tradesPerSecond = 3000;
        options.duration = std::chrono::seconds(4);
        options.seed = 7;
        options.startOnFirstConnection = true;
        auto faults = sim::FaultPlan::parse(u"skip-trades@1:5,skip-depth@1.5:3,malformed@2");
        QVERIFY(faults);
        options.faults = *faults;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        const app::Config config = configFor(simulator, journal.path());
        app::IngestService service{config, m_conninfo};
        runUntilFinished(service, simulator);

        const QJsonObject report = simulator.report();
        auto connection = db::connect(m_conninfo, "test");
        verifyTrades(connection, report, options.symbols);
        pqxx::nontransaction tx{connection};
        for (const auto &symbol : options.symbols) {
            const QJsonObject sent
                = report[QStringLiteral("symbols")][QString::fromStdString(symbol)].toObject();
            for (const auto &[kind, key] :
                {std::pair{"trade_id", "trade_gaps"}, std::pair{"book_sequence", "depth_gaps"}}) {
                const auto expected = rangesOf(sent[QString::fromLatin1(key)].toArray());
                std::vector<std::pair<std::int64_t, std::int64_t>> found;
                for (const auto &row :
                    tx.exec("SELECT first_missing, last_missing FROM audit.gaps g "
                            "JOIN market_data.instruments i USING (instrument_id) "
                            "WHERE i.symbol = $1 AND g.kind = $2 ORDER BY first_missing",
                        pqxx::params{symbol, kind}))
                    found.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
                QCOMPARE(found, expected);
            }
        }
        QVERIFY(!rangesOf(report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")]
                                [QStringLiteral("trade_gaps")]
                                    .toArray())
                .empty());
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'error' AND detail "
                         "LIKE 'malformed%'")
                     .one_field()
                     .as<std::int64_t>(),
            report[QStringLiteral("malformed_frames_sent")].toInteger());
        QVERIFY(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'connect'")
                    .one_field()
                    .as<int>()
            >= 1);
        QVERIFY(tx.exec("SELECT count(*) FROM audit.ingest_batches").one_field().as<int>() > 0);
        QVERIFY(
            tx.exec("SELECT count(*) FROM market_data.book_snapshots").one_field().as<int>() >= 3);
        const auto checkpoint
            = tx.exec("SELECT journal_segment, journal_offset FROM audit.ingest_checkpoints "
                      "WHERE feed = 'binance'")
                  .one_row();
        QVERIFY(checkpoint[1].as<std::int64_t>() > 0);

        // The book rebuilt from the journal is the simulator's book, level for level.
        feeds::InstrumentList instruments{config.feeds.front().instruments};
        feeds::binance::BinanceNormalizer normalizer{
            instruments, feeds::binance::TimeUnit::Milliseconds};
        ingest::journal::JournalReader reader{
            (journal.path() + QStringLiteral("/binance")).toStdString()};
        QVERIFY(reader.seek({}));
        feeds::NormalizedOutput output;
        for (;;) {
            auto record = reader.next();
            QVERIFY(record);
            if (!*record)
                break;
            normalizer.normalize(
                {(*record)->kind, (*record)->tag, (*record)->receivedAtNs, (*record)->payload},
                output);
            output.clear();
        }
        QNetworkAccessManager network;
        for (std::uint32_t i = 0; i < instruments.size(); ++i) {
            QNetworkReply *reply = network.get(QNetworkRequest{
                QUrl(QStringLiteral("http://127.0.0.1:%1/api/v3/depth?symbol=%2&limit=100")
                        .arg(simulator.restPort())
                        .arg(QString::fromStdString(instruments.at(i).symbol)))});
            QSignalSpy done{reply, &QNetworkReply::finished};
            QVERIFY(done.wait(10'000));
            const QByteArray body = reply->readAll();
            reply->deleteLater();
            feeds::binance::MessageParser parser{
                instruments, feeds::binance::TimeUnit::Milliseconds};
            const auto truth = parser.parseDepthSnapshot(body.toStdString(), i, 0);
            QVERIFY(truth);
            const auto &book = normalizer.bookSync(i);
            QCOMPARE(book.state(), feeds::binance::BookSync::State::Live);
            QCOMPARE(book.lastUpdateId(), truth->sequence);
            QCOMPARE(book.book().bids(), truth->bids);
            QCOMPARE(book.book().asks(), truth->asks);
        }
        // A backfill that a stop interrupted: the gap is open and its trades are not stored.
        // The next start asks for them again.
        const auto first = report[QStringLiteral("symbols")][QStringLiteral("ETHUSDT")]
                                 [QStringLiteral("first_trade_id")]
                                     .toInteger();
        tx.exec(
            "DELETE FROM market_data.trades WHERE trade_id BETWEEN $1 AND $2 AND instrument_id = "
            "(SELECT instrument_id FROM market_data.instruments WHERE symbol = 'ETHUSDT')",
            pqxx::params{first + 100, first + 109});
        tx.exec("INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing) SELECT "
                "instrument_id, 'trade_id', $1, $2 FROM market_data.instruments WHERE symbol = "
                "'ETHUSDT'",
            pqxx::params{first + 100, first + 109});
        app::IngestService again{config, m_conninfo};
        again.start();
        QTRY_COMPARE_WITH_TIMEOUT(tx.exec("SELECT status FROM audit.gaps WHERE first_missing = $1",
                                        pqxx::params{first + 100})
                                      .one_field()
                                      .as<std::string>(),
            std::string("backfilled"), 20'000);
        QSignalSpy againStopped{&again, &app::IngestService::stopped};
        again.stop();
        QVERIFY(againStopped.wait(30'000));
        QCOMPARE(tx.exec("SELECT count(*) FROM market_data.ticks WHERE symbol = 'ETHUSDT' AND "
                         "trade_id BETWEEN $1 AND $2",
                       pqxx::params{first + 100, first + 109})
                     .one_field()
                     .as<int>(),
            10);
        simulator.stop();
    }

    void databaseAwayForTenSeconds()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_outage");
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options;
        options.symbols = {"BTCUSDT"};
        options.tradesPerSecond = 2000;
        options.duration = std::chrono::seconds(16);
        options.seed = 11;
        options.startOnFirstConnection = true;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::IngestService service{configFor(simulator, journal.path()), conninfo};
        bool sawDatabaseDown = false;
        connect(&service, &app::IngestService::writerStatusChanged, this,
            [&sawDatabaseDown](const model::WriterStatus &status) {
                sawDatabaseDown
                    = sawDatabaseDown || status.state == model::WriterStatus::State::DatabaseDown;
            });
        runUntilFinished(service, simulator, [] {
            QTest::qWait(3000);
            testing::TestCluster::instance().stopServer();
            QTest::qWait(10'000);
            testing::TestCluster::instance().startServer();
        });
        QVERIFY(sawDatabaseDown);
        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        simulator.stop();
    }

    // kill -9 of `tickscope ingest` in the middle of the stream, and a restart: every trade the
    // simulator sent, before the kill and while the ingestor was gone, is stored exactly once.
    void killedIngestorLosesNothing()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_kill");
        QTemporaryDir dir;
        sim::BinanceSimulator::Options options;
        options.symbols = {"BTCUSDT", "ETHUSDT"};
        options.tradesPerSecond = 2000;
        options.duration = std::chrono::seconds(14);
        options.seed = 13;
        options.startOnFirstConnection = true;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        const QString configPath = dir.filePath(QStringLiteral("tickscope.toml"));
        QFile config{configPath};
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral(
            "[exchanges.binance]\nsymbols = [\"BTCUSDT\", \"ETHUSDT\"]\n"
            "websocket_url = \"ws://127.0.0.1:%1\"\nrest_url = \"http://127.0.0.1:%2\"\n"
            "[journal]\ndirectory = \"%3\"\n[ingest]\nflush_interval_ms = 50\n")
                .arg(simulator.port())
                .arg(simulator.restPort())
                .arg(dir.filePath(QStringLiteral("journal")))
                .toUtf8());
        config.close();
        const QStringList arguments{QStringLiteral("ingest"), QStringLiteral("--config"),
            configPath, QStringLiteral("--db"), QString::fromStdString(conninfo)};
        QSignalSpy finished{&simulator, &sim::BinanceSimulator::finished};

        QProcess first;
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        first.start(QStringLiteral(TICKSCOPE_BINARY), arguments);
        QTRY_VERIFY_WITH_TIMEOUT(
            simulator.report()[QStringLiteral("connections")].toInt() >= 1, 30'000);
        QTest::qWait(4000);
        ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
        QTRY_COMPARE_WITH_TIMEOUT(first.state(), QProcess::NotRunning, 10'000);
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        QTest::qWait(2000); // trades go on while nobody listens

        QProcess second;
        second.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        second.start(QStringLiteral(TICKSCOPE_BINARY), arguments);
        QVERIFY(finished.wait(60'000));
        QTest::qWait(3000); // backfill and the last batches
        ::kill(static_cast<pid_t>(second.processId()), SIGINT);
        QTRY_COMPARE_WITH_TIMEOUT(second.state(), QProcess::NotRunning, 60'000);
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0);

        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        pqxx::nontransaction tx{connection};
        QVERIFY(tx.exec("SELECT count(*) FROM audit.gaps WHERE kind = 'trade_id' AND status = "
                        "'backfilled'")
                    .one_field()
                    .as<int>()
            >= 1);
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.gaps WHERE kind = 'trade_id' AND status <> "
                         "'backfilled'")
                     .one_field()
                     .as<int>(),
            0);
        simulator.stop();
    }

    // Finding 5: the journal's disk fills up (a small tmpfs, mounted in a mount namespace of this
    // test's own). The feed pauses instead of dying, the command would not exit 0 silently, the
    // window is recorded as an outage gap, and when space returns the feed resumes; the trades
    // of the window are backfilled by trade id, so every trade is stored once.
    void fullJournalDiskPausesAndResumes()
    {
        if (!g_privateMounts)
            QSKIP("needs root for a private tmpfs (CI runs as root)");
        QTemporaryDir dir;
        const QByteArray mountPoint = dir.path().toUtf8();
        QVERIFY(::mount("tmpfs", mountPoint.constData(), "tmpfs", 0, "size=4m") == 0);
        struct Unmount
        {
            QByteArray path;
            ~Unmount() { ::umount2(path.constData(), MNT_DETACH); }
        } unmount{mountPoint};
        // Leave about 300 kB free.
        const QString fillerPath = dir.filePath(QStringLiteral("filler"));
        {
            QFile filler{fillerPath};
            QVERIFY(filler.open(QIODevice::WriteOnly));
            const auto free = ingest::journal::freeBytes(mountPoint.toStdString());
            QVERIFY(free);
            QVERIFY(filler.write(QByteArray(static_cast<qsizetype>(*free - 300'000), 'x')) > 0);
        }

        const std::string conninfo = testing::migratedDatabase("pipeline_disk_full");
        sim::BinanceSimulator::Options options;
        options.symbols = {"BTCUSDT"};
        options.tradesPerSecond = 3000;
        options.duration = std::chrono::seconds(16);
        options.seed = 17;
        options.startOnFirstConnection = true;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::Config config = configFor(simulator, dir.filePath(QStringLiteral("journal")));
        config.journalMinFreeBytes = 1 << 20;
        app::IngestService service{config, conninfo};
        bool paused = false;
        connect(&service, &app::IngestService::feedStatusChanged, this,
            [&paused](const model::FeedStatus &status) {
                paused = paused || status.state == model::FeedStatus::State::Paused;
            });
        runUntilFinished(service, simulator, [&] {
            QTRY_VERIFY_WITH_TIMEOUT(paused, 30'000);
            QTest::qWait(1500);
            QVERIFY(QFile::remove(fillerPath));
        });
        QVERIFY(service.failures().isEmpty());

        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        pqxx::nontransaction tx{connection};
        const auto outage = tx.exec("SELECT extract(epoch FROM gap_end - gap_start), note FROM "
                                    "audit.gaps WHERE kind = 'outage'")
                                .one_row();
        QVERIFY(outage[0].as<double>() >= 1.0);
        QCOMPARE(outage[1].as<std::string>(), std::string("journal disk full"));
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'resume'")
                     .one_field()
                     .as<int>(),
            1);
        simulator.stop();
    }

private:
    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestIngestPipeline)
#include "test_ingest_pipeline.moc"
