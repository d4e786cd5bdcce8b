// OKX end to end over a real socket: the simulated OKX exchange, `tickscope`'s ingest service and
// a real TimescaleDB. Every trade sent is stored once with the values sent; the trade-id hole and
// the book sequence break that were injected are in audit.gaps with their exact ranges; a
// spoiled checksum is recorded as a checksum gap; both books are resubscribed and end equal to
// the simulator's; and the journal replayed into a fresh database gives the same rows.
#include "app/feeds/okx/okx_normalizer.h"
#include "app/ingest/journal_reader.h"
#include "app/sim/okx_simulator.h"
#include "db/connection.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/simulated_ingest.h"

#include <QJsonArray>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <format>

using namespace tickscope;
using namespace tickscope::testing;

namespace {

template<typename Side> std::vector<model::PriceLevel> levelsOf(const Side &side)
{
    std::vector<model::PriceLevel> levels;
    for (const auto &[ticks, lots] : side)
        levels.push_back({*model::Decimal::parse(std::format("{}.{:02}", ticks / 100, ticks % 100)),
            *model::Decimal::parse(std::format("{}.{:05}", lots / 100000, lots % 100000))});
    return levels;
}

} // namespace

class TestOkxIngest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("okx");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void simulatorToDatabase()
    {
        QTemporaryDir journal;
        const std::vector<std::string> symbols{"BTC-USDT", "ETH-USDT"};
        auto options = simulation(symbols, 3000, 4, 21);
        auto faults = sim::FaultPlan::parse(
            u"skip-trades@1:5,skip-depth@1.5:3:ETH-USDT,bad-checksum@2:BTC-USDT,malformed@2.5");
        QVERIFY(faults);
        options.faults = *faults;
        sim::OkxSimulator simulator{options};
        QVERIFY(simulator.start());
        const app::Config config = configFor(simulator, journal.path());
        QCOMPARE(config.feeds.front().instruments.front().symbol, std::string("BTC-USDT"));
        app::IngestService service{config, m_conninfo};
        runUntilFinished(service, simulator, m_conninfo);

        const QJsonObject report = simulator.report();
        QCOMPARE(report[QStringLiteral("bad_checksums_sent")].toInteger(), 1);
        auto connection = db::connect(m_conninfo, "test");
        verifyTrades(connection, report, symbols);
        pqxx::nontransaction tx{connection};
        for (const auto &symbol : symbols) {
            const QJsonObject sent
                = report[QStringLiteral("symbols")][QString::fromStdString(symbol)].toObject();
            QCOMPARE(storedGaps(tx, symbol, "trade_id"),
                rangesOf(sent[QStringLiteral("trade_gaps")].toArray()));
            QCOMPARE(storedGaps(tx, symbol, "book_sequence"),
                rangesOf(sent[QStringLiteral("depth_gaps")].toArray()));
        }
        QCOMPARE(storedGaps(tx, "BTC-USDT", "trade_id").size(), std::size_t(1));
        QCOMPARE(storedGaps(tx, "ETH-USDT", "book_sequence").size(), std::size_t(1));

        QCOMPARE(tx.exec("SELECT count(*) FROM audit.gaps g JOIN market_data.instruments i "
                         "USING (instrument_id) WHERE g.kind = 'checksum' AND i.symbol = "
                         "'BTC-USDT' AND g.note LIKE '%computed%'")
                     .one_field()
                     .as<int>(),
            1);
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'error' AND detail "
                         "LIKE 'malformed%'")
                     .one_field()
                     .as<std::int64_t>(),
            report[QStringLiteral("malformed_frames_sent")].toInteger());
        // A snapshot on the first subscription and one after each resubscription.
        QCOMPARE(
            tx.exec("SELECT count(*) FROM market_data.book_snapshots").one_field().as<int>(), 4);
        QVERIFY(tx.exec("SELECT count(*) FROM market_data.book_deltas").one_field().as<int>() > 50);
        QCOMPARE(
            tx.exec("SELECT count(DISTINCT side) FROM market_data.trades").one_field().as<int>(),
            2);

        // The books rebuilt from the journal are the simulator's, level for level.
        const QString feedJournal = journal.path() + QStringLiteral("/okx");
        const feeds::InstrumentList instruments{config.feeds.front().instruments};
        feeds::okx::OkxNormalizer normalizer{instruments};
        ingest::journal::JournalReader reader{feedJournal.toStdString()};
        QVERIFY(reader.seek({}));
        feeds::NormalizedOutput output;
        std::int64_t resubscriptions = 0;
        for (;;) {
            auto record = reader.next();
            QVERIFY(record);
            if (!*record)
                break;
            normalizer.normalize(
                {(*record)->kind, (*record)->tag, (*record)->receivedAtNs, (*record)->payload},
                output);
            resubscriptions += static_cast<std::int64_t>(output.snapshotRequests.size());
            output.clear();
        }
        QCOMPARE(resubscriptions, 2);
        for (std::uint32_t i = 0; i < instruments.size(); ++i) {
            const sim::SimulatedMarket *truth = simulator.market(instruments.at(i).symbol);
            QVERIFY(truth);
            QCOMPARE(normalizer.book(i)->bids(), levelsOf(truth->bids()));
            QCOMPARE(normalizer.book(i)->asks(), levelsOf(truth->asks()));
        }

        // `tickscope replay --exchange okx` of the journal into a fresh database: the same rows.
        const QStringList live = tableDigests(m_conninfo);
        const std::string fresh = testing::migratedDatabase("okx_replayed");
        QProcess replay;
        replay.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        replay.start(QStringLiteral(TICKSCOPE_BINARY),
            {QStringLiteral("replay"), QStringLiteral("--exchange"), QStringLiteral("okx"),
                QStringLiteral("--journal"), feedJournal, QStringLiteral("--db"),
                QString::fromStdString(fresh)});
        QSignalSpy finished{&replay, &QProcess::finished};
        QVERIFY(finished.wait(60'000));
        QCOMPARE(replay.exitCode(), 0);
        QCOMPARE(tableDigests(fresh), live);
    }

private:
    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestOkxIngest)
#include "test_okx_ingest.moc"
