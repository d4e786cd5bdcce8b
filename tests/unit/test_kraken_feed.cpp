// Kraken WebSocket v2 frames into the normalized model (hand-written captures of each message
// type), clear errors for bad frames, and the books: the checksum guide's book verified at the
// instrument's precisions (3310070434), truncation to the subscribed depth, and what a mismatch
// leads to.
#include "app/feeds/kraken/kraken_adapter.h"
#include "app/feeds/kraken/kraken_normalizer.h"
#include "tests/support/kraken_checksum_guide.h"
#include "tests/support/normalize_frame.h"

#include <QTest>

using namespace tickscope;
using namespace tickscope::testing;
using namespace tickscope::feeds::kraken;

namespace {

const feeds::InstrumentList kInstruments{
    {{"kraken", "BTC/USD", "BTC", "USD"}, {"kraken", "MATIC/USD", "MATIC", "USD"}}};

// The `instrument` snapshot with BTC/USD's precisions (price 1, quantity 8), as Kraken sends it:
// every pair, configured or not.
constexpr std::string_view kInstrument
    = R"({"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC"}],"pairs":[)"
      R"({"symbol":"ETH/USD","price_precision":2,"qty_precision":8},)"
      R"({"symbol":"BTC/USD","base":"BTC","quote":"USD","price_precision":1,)"
      R"("qty_precision":8,"price_increment":0.1,"status":"online"}]}})";

} // namespace

class TestKrakenFeed : public QObject
{
    Q_OBJECT

private slots:
    void trades()
    {
        KrakenNormalizer normalizer{kInstruments, 10};
        const auto out = normalize(normalizer,
            R"({"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"buy",)"
            R"("price":0.5147,"qty":6423.46326,"ord_type":"limit","trade_id":4665846,)"
            R"("timestamp":"2023-09-25T07:48:36.925533Z"},{"symbol":"MATIC/USD","side":"sell",)"
            R"("price":1e-4,"qty":1,"ord_type":"market","trade_id":4665847,)"
            R"("timestamp":"2023-09-25T07:48:36.925534Z"}]})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.trades.size(), std::size_t(2));
        const model::Trade &first = out.trades[0];
        QCOMPARE(first.instrument, 1u);
        QCOMPARE(first.tradeId, qint64(4665846));
        QCOMPARE(first.price, dec("0.5147"));
        QCOMPARE(first.size, dec("6423.46326"));
        QCOMPARE(first.side, model::Side::Buy); // Kraken names the taker's side
        QCOMPARE(first.exchangeTimeNs, qint64(1'695'628'116'925'533'000));
        QCOMPARE(out.trades[1].price, dec("0.0001"));
        QCOMPARE(out.trades[1].side, model::Side::Sell);
    }

    void controlFrames_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("kind"); // FeedEvent::Kind, or -1 for none
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("ignored");
        using Kind = model::FeedEvent::Kind;
        QTest::newRow("status online")
            << QByteArray(R"({"channel":"status","type":"update","data":[{"api_version":"v2",)"
                          R"("connection_id":13834774380200032777,"system":"online",)"
                          R"("version":"2.0.0"}]})")
            << -1 << "" << "status";
        QTest::newRow("status maintenance")
            << QByteArray(R"({"channel":"status","type":"update","data":[{"system":)"
                          R"("maintenance"}]})")
            << int(Kind::Error) << "exchange status: maintenance" << "";
        QTest::newRow("heartbeat") << QByteArray(R"({"channel":"heartbeat"})") << -1 << ""
                                   << "heartbeat";
        QTest::newRow("pong") << QByteArray(
            R"({"method":"pong","req_id":101,"time_in":"2023-09-24T14:10:23.799685Z",)"
            R"("time_out":"2023-09-24T14:10:23.799703Z"})")
                              << -1 << "" << "pong";
        QTest::newRow("subscribe ack")
            << QByteArray(R"({"method":"subscribe","result":{"channel":"book","depth":10,)"
                          R"("snapshot":true,"symbol":"BTC/USD"},"success":true,)"
                          R"("time_in":"2023-10-06T17:35:55.219022Z",)"
                          R"("time_out":"2023-10-06T17:35:55.219067Z","req_id":2})")
            << int(Kind::Subscribed) << "subscribe book BTC/USD" << "";
        QTest::newRow("subscribe refused")
            << QByteArray(R"({"error":"Currency pair not supported XBT/USD","method":"subscribe",)"
                          R"("req_id":2,"success":false,"symbol":"XBT/USD"})")
            << int(Kind::Error) << "subscribe XBT/USD failed: Currency pair not supported" << "";
        QTest::newRow("a channel not stored")
            << QByteArray(R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD"}]})")
            << -1 << "" << "ticker";
    }

    void controlFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(QString, ignored);
        KrakenNormalizer normalizer{kInstruments, 10};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 0);
        if (kind < 0) {
            QVERIFY(out.events.empty());
        } else {
            QCOMPARE(out.events.size(), std::size_t(1));
            QCOMPARE(int(out.events[0].kind), kind);
            QVERIFY2(QString::fromStdString(out.events[0].detail).contains(text),
                out.events[0].detail.c_str());
        }
        if (!ignored.isEmpty())
            QCOMPARE(out.ignored.at(ignored.toStdString()), 1);
    }

    void badFrames_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("error");
        QTest::newRow("price as a string")
            << QByteArray(R"({"channel":"trade","type":"update","data":[{"symbol":"BTC/USD",)"
                          R"("side":"buy","price":"1.5","qty":1,"trade_id":1,)"
                          R"("timestamp":"2023-09-25T07:48:36.925533Z"}]})")
            << "'price' is not a number";
        QTest::newRow("time without zone")
            << QByteArray(R"({"channel":"trade","type":"update","data":[{"symbol":"BTC/USD",)"
                          R"("side":"buy","price":1.5,"qty":1,"trade_id":1,)"
                          R"("timestamp":"2023-09-25T07:48:36"}]})")
            << "is not an RFC 3339 time";
        QTest::newRow("side") << QByteArray(
            R"({"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"up",)"
            R"("price":1.5,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:48:36Z"}]})")
                              << "side \"up\"";
        QTest::newRow("negative checksum")
            << QByteArray(R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD",)"
                          R"("bids":[],"asks":[],"checksum":-1}]})")
            << "not an unsigned 32-bit integer";
        QTest::newRow("level without qty")
            << QByteArray(R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD",)"
                          R"("bids":[{"price":1}],"asks":[]}]})")
            << "without a quantity";
        QTest::newRow("book type")
            << QByteArray(R"({"channel":"book","type":"partial","data":[{"symbol":"BTC/USD",)"
                          R"("bids":[],"asks":[]}]})")
            << "type \"partial\"";
        QTest::newRow("neither push nor reply") << QByteArray(R"({"hello":1})") << "neither";
    }

    void badFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, error);
        KrakenNormalizer normalizer{kInstruments, 10};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 1);
        QVERIFY2(QString::fromStdString(out.events.at(0).detail).contains(error),
            out.events.at(0).detail.c_str());
    }

    void checksumGuideBookVerifies()
    {
        KrakenNormalizer normalizer{kInstruments, 10};
        QCOMPARE(normalize(normalizer, kInstrument).malformed, 0);
        auto out = normalize(normalizer, kKrakenGuideSnapshot);
        QCOMPARE(out.malformed, 0);
        QVERIFY2(out.gaps.empty(), out.gaps.empty() ? "" : out.gaps[0].cause.c_str());
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.snapshots[0].sequence, model::kSequenceFromJournal);
        QCOMPARE(out.snapshots[0].exchangeTimeNs, qint64(1'696'613'755'440'295'000));

        out = normalize(normalizer, krakenGuideUpdate());
        QVERIFY2(out.gaps.empty(), out.gaps.empty() ? "" : out.gaps[0].cause.c_str());
        QCOMPARE(out.deltas.size(), std::size_t(1));
        const feeds::LocalBook &book = *normalizer.book(0);
        QCOMPARE(book.asks().size(), std::size_t(10)); // 45299.5 cut off
        QCOMPARE(book.asks().front(), (model::PriceLevel{dec("45285"), dec("0.25")}));
        QCOMPARE(book.asks().back().price, dec("45297.5"));
        QCOMPARE(book.bids().front(), (model::PriceLevel{dec("45283.5"), dec("0.5")}));
    }

    void checksumNeedsThePrecisions()
    {
        // A capture without the instrument channel: the snapshot's checksum matches at one pair
        // of precisions (1, 8), which then check every update. On eeff8bb nothing was checked.
        KrakenNormalizer inferred{kInstruments, 10};
        auto out = normalize(inferred, kKrakenGuideSnapshot);
        QVERIFY(out.gaps.empty());
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.bookChecksumsChecked, 1);
        out = normalize(inferred, krakenGuideUpdate());
        QVERIFY(out.gaps.empty());
        QCOMPARE(out.bookChecksumsChecked, 1);
        out = normalize(inferred, krakenGuideUpdate(12345));
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::Checksum);

        // A snapshot whose checksum matches at no precisions leaves them unknown: unchecked,
        // nothing refused.
        KrakenNormalizer unchecked{kInstruments, 10};
        std::string garbled = kKrakenGuideSnapshot;
        garbled.replace(garbled.find("3310070434"), 10, "1234567890");
        out = normalize(unchecked, garbled);
        QVERIFY(out.gaps.empty());
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.bookChecksumsChecked, 0);
        // At the wrong precisions the guide's book fails, as it would hashed as sent.
        KrakenNormalizer wrong{kInstruments, 10};
        normalize(wrong,
            R"({"channel":"instrument","type":"snapshot","data":{"pairs":[{"symbol":"BTC/USD",)"
            R"("price_precision":2,"qty_precision":8}]}})");
        out = normalize(wrong, kKrakenGuideSnapshot);
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::Checksum);
    }

    void mismatchResubscribes()
    {
        KrakenNormalizer normalizer{kInstruments, 10};
        normalize(normalizer, kInstrument);
        normalize(normalizer, kKrakenGuideSnapshot);
        auto out = normalize(normalizer, krakenGuideUpdate(12345));
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::Checksum);
        QVERIFY2(QString::fromStdString(out.gaps[0].cause).contains("12345 sent, 4154301202"),
            out.gaps[0].cause.c_str());
        QCOMPARE(out.snapshotRequests, std::vector<std::uint32_t>{0});
        QVERIFY(out.deltas.empty());
        QVERIFY(normalizer.book(0)->empty());
        out = normalize(normalizer, krakenGuideUpdate());
        QCOMPARE(out.bookUpdatesDropped, 1);
        QVERIFY(out.gaps.empty() && out.snapshotRequests.empty());
        out = normalize(normalizer, kKrakenGuideSnapshot);
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QVERIFY(out.gaps.empty());
    }

    // The documented example of public/Trades: times in seconds, kept to the microsecond the
    // WebSocket sends; side b or s is the taker's.
    void tradeHistory()
    {
        KrakenNormalizer normalizer{kInstruments, 10};
        const auto out = normalizeBackfill(normalizer, "BTC/USD",
            R"({"error":[],"result":{"XXBTZUSD":[)"
            R"(["30243.40000","0.34507674",1688669597.8277369,"b","m","",61044952],)"
            R"(["30243.30000","0.00376960",1688669598.2804112,"s","l","",61044953]],)"
            R"("last":"1688671969993150842"}})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.backfillAnswered, std::vector<std::uint32_t>{0});
        QCOMPARE(out.backfilledTrades.size(), std::size_t(2));
        const model::Trade &first = out.backfilledTrades[0];
        QCOMPARE(first.tradeId, qint64(61044952));
        QCOMPARE(first.price, dec("30243.4"));
        QCOMPARE(first.size, dec("0.34507674"));
        QCOMPARE(first.side, model::Side::Buy);
        QCOMPARE(first.exchangeTimeNs, qint64(1'688'669'597'827'736'000));
        QCOMPARE(out.backfilledTrades[1].side, model::Side::Sell);

        QVERIFY(refusedWith(normalizeBackfill(normalizer, "BTC/USD",
                                R"({"error":["EQuery:Unknown asset pair"],"result":{}})"),
            "Kraken answered: EQuery:Unknown asset pair"));
        // Rows from before Kraken added the trade id cannot fill a gap of ids.
        QVERIFY(refusedWith(normalizeBackfill(normalizer, "BTC/USD",
                                R"({"error":[],"result":{"XXBTZUSD":[["1.0","1.0",1688669597.5,)"
                                R"("b","m",""]],"last":"1"}})"),
            "without its trade_id"));
    }

    void adapterSubscribesAndResubscribes()
    {
        feeds::FeedSettings settings{
            .feed = "kraken", .adapter = "kraken", .instruments = kInstruments.all()};
        settings.options["depth"] = "25";
        const auto adapter = describeAdapter().create(settings);
        const std::uint32_t both[] = {0, 1};
        const auto subscribe = adapter->subscribeMessages(both);
        QCOMPARE(subscribe.size(), qsizetype(3));
        QCOMPARE(subscribe[0],
            QByteArray(R"({"method":"subscribe","params":{"channel":"instrument"}})"));
        QCOMPARE(subscribe[1],
            QByteArray(R"({"method":"subscribe","params":{"channel":"trade",)"
                       R"("symbol":["BTC/USD","MATIC/USD"]}})"));
        QCOMPARE(subscribe[2],
            QByteArray(R"({"method":"subscribe","params":{"channel":"book","depth":25,)"
                       R"("symbol":["BTC/USD","MATIC/USD"]}})"));
        const auto again = adapter->resubscribeMessages(1);
        QCOMPARE(again.size(), qsizetype(2));
        QVERIFY(again[0].contains(R"("method":"unsubscribe")") && again[0].contains("MATIC/USD"));
        QCOMPARE(adapter->backfillUrl(1, 1688669597827736999, 1000),
            QUrl(QStringLiteral("https://api.kraken.com/0/public/Trades?pair=MATICUSD&"
                                "since=1688669597827736999&count=1000")));
        QVERIFY(again[1].contains(R"("method":"subscribe")") && !again[1].contains("BTC/USD"));
        QCOMPARE(adapter->keepAliveMessage(), QByteArray(R"({"method":"ping"})"));
        QVERIFY(adapter->feedThreadCanSkip(R"({"channel":"trade","type":"update","data":[]})"));
        QVERIFY(!adapter->feedThreadCanSkip(kKrakenGuideSnapshot));
        const auto depth = describeAdapter().checkOption("depth", "20");
        QVERIFY(depth && !depth->unknownKey);
        QCOMPARE(depth->message,
            std::string(R"(must be "10" or "25" or "100" or "500" or "1000", not "20")"));
    }
};

QTEST_GUILESS_MAIN(TestKrakenFeed)
#include "test_kraken_feed.moc"
