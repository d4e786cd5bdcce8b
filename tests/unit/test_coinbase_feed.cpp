// Coinbase Exchange feed frames into the normalized model (hand-written captures of each message
// type), clear errors for bad frames, and the level2_batch book: dropped before its snapshot,
// then absolute sizes by price, a new snapshot replacing it.
#include "app/feeds/coinbase/coinbase_adapter.h"
#include "app/feeds/coinbase/coinbase_normalizer.h"
#include "tests/support/normalize_frame.h"

#include <QTest>

using namespace tickscope;
using namespace tickscope::testing;
using namespace tickscope::feeds::coinbase;

namespace {

const feeds::InstrumentList kInstruments{
    {{"coinbase", "BTC-USD", "BTC", "USD"}, {"coinbase", "ETH-USD", "ETH", "USD"}}};

} // namespace

class TestCoinbaseFeed : public QObject
{
    Q_OBJECT

private slots:
    void matches_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<char>("side"); // the aggressor's
        QTest::newRow("maker sold: taker bought")
            << QByteArray(R"({"type":"match","trade_id":10,"sequence":50,)"
                          R"("maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8",)"
                          R"("taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1",)"
                          R"("time":"2014-11-07T08:19:27.028459Z","product_id":"ETH-USD",)"
                          R"("size":"5.23512","price":"400.23","side":"sell"})")
            << 'B';
        QTest::newRow("last match, maker bought: taker sold") << QByteArray(
            R"({"side":"buy","price":"400.23","size":"5.23512",)"
            R"("product_id":"ETH-USD","time":"2014-11-07T08:19:27.028459Z",)"
            R"("trade_id":10,"type":"last_match"})") << 'S';
    }

    void matches()
    {
        QFETCH(QByteArray, frame);
        QFETCH(char, side);
        CoinbaseNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.trades.size(), std::size_t(1));
        const model::Trade &trade = out.trades[0];
        QCOMPARE(trade.instrument, 1u);
        QCOMPARE(trade.tradeId, qint64(10));
        QCOMPARE(trade.price, dec("400.23"));
        QCOMPARE(trade.size, dec("5.23512"));
        QCOMPARE(char(trade.side), side);
        QCOMPARE(trade.exchangeTimeNs, qint64(1'415'348'367'028'459'000));
    }

    void controlFrames_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("kind"); // FeedEvent::Kind, or -1 for none
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("ignored");
        using Kind = model::FeedEvent::Kind;
        QTest::newRow("subscriptions")
            << QByteArray(R"({"type":"subscriptions","channels":[{"name":"level2_batch",)"
                          R"("product_ids":["ETH-USD","ETH-EUR"]},{"name":"heartbeat",)"
                          R"("product_ids":["ETH-USD"]}]})")
            << int(Kind::Subscribed) << "level2_batch ETH-USD,ETH-EUR; heartbeat ETH-USD" << "";
        QTest::newRow("error")
            << QByteArray(R"({"type":"error","message":"Failed to subscribe","reason":)"
                          R"("NOPE-USD is not a valid product"})")
            << int(Kind::Error)
            << "exchange error: Failed to subscribe: NOPE-USD is not a valid product" << "";
        QTest::newRow("heartbeat")
            << QByteArray(R"({"type":"heartbeat","sequence":90,"last_trade_id":20,)"
                          R"("product_id":"BTC-USD","time":"2014-11-07T08:19:28.464459Z"})")
            << -1 << "" << "heartbeat";
        QTest::newRow("a channel not stored")
            << QByteArray(R"({"type":"ticker","product_id":"BTC-USD","price":"1"})") << -1 << ""
            << "ticker";
    }

    void controlFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(QString, ignored);
        CoinbaseNormalizer normalizer{kInstruments};
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
        QTest::newRow("side") << QByteArray(
            R"({"type":"match","trade_id":1,"time":"2014-11-07T08:19:27Z","product_id":)"
            R"("BTC-USD","size":"1","price":"1","side":"up"})")
                              << "side \"up\"";
        // Found by fuzz_exchange_coinbase: an array left open made the parser ask a document
        // simdjson had given up (undefined behaviour) on eeff8bb.
        QTest::newRow("channels left open")
            << QByteArray(R"({"type":"unsubscribe","channels":["matches"})") << "malformed";
        QTest::newRow("trade id as a string") << QByteArray(
            R"({"type":"match","trade_id":"1","time":"2014-11-07T08:19:27Z","product_id":)"
            R"("BTC-USD","size":"1","price":"1","side":"buy"})")
                                              << "'trade_id' is not an integer";
        QTest::newRow("time") << QByteArray(
            R"({"type":"match","trade_id":1,"time":"yesterday","product_id":"BTC-USD",)"
            R"("size":"1","price":"1","side":"buy"})")
                              << "not an RFC 3339 time";
        QTest::newRow("change side")
            << QByteArray(R"({"type":"l2update","product_id":"BTC-USD","time":)"
                          R"("2019-08-14T20:42:27.265Z","changes":[["bid","1","1"]]})")
            << "side \"bid\"";
        QTest::newRow("snapshot without asks")
            << QByteArray(R"({"type":"snapshot","product_id":"BTC-USD","bids":[]})")
            << "snapshot lacks its levels";
        QTest::newRow("no type") << QByteArray(R"({"product_id":"BTC-USD"})") << "without a type";
    }

    void badFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, error);
        CoinbaseNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 1);
        QVERIFY2(QString::fromStdString(out.events.at(0).detail).contains(error),
            out.events.at(0).detail.c_str());
    }

    void level2Book()
    {
        CoinbaseNormalizer normalizer{kInstruments};
        const std::string update = R"({"type":"l2update","product_id":"BTC-USD","time":)"
                                   R"("2019-08-14T20:42:27.265Z","changes":[["buy",)"
                                   R"("10101.80000000","0.162567"],["sell","10102.55","0"]]})";
        auto out = normalize(normalizer, update);
        QCOMPARE(out.bookUpdatesDropped, 1);
        QVERIFY(out.deltas.empty());
        out = normalize(normalizer,
            R"({"type":"snapshot","product_id":"BTC-USD","bids":[["10101.10","0.45054140"]],)"
            R"("asks":[["10102.55","0.57753524"],["10103","1"]]})");
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.snapshots[0].sequence, model::kSequenceFromJournal);
        out = normalize(normalizer, update);
        QCOMPARE(out.deltas.size(), std::size_t(1));
        QCOMPARE(out.deltas[0].exchangeTimeNs, qint64(1'565'815'347'265'000'000));
        const feeds::LocalBook &book = *normalizer.book(0);
        QCOMPARE(book.bestBid(), (model::PriceLevel{dec("10101.8"), dec("0.162567")}));
        QCOMPARE(book.bestAsk(), (model::PriceLevel{dec("10103"), dec("1")}));
    }

    // GET /products/<id>/trades, newest first; `side` is the maker's, as in a match.
    void tradesPage()
    {
        CoinbaseNormalizer normalizer{kInstruments};
        const auto out = normalizeBackfill(normalizer, "ETH-USD",
            R"([{"time":"2024-03-01T12:00:00.123456Z","trade_id":74,"price":"10.00000000",)"
            R"("size":"0.01000000","side":"buy"},{"time":"2024-03-01T12:00:00.000001Z",)"
            R"("trade_id":73,"price":"10.01000000","size":"1.00000000","side":"sell"}])");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.backfillAnswered, std::vector<std::uint32_t>{1});
        QCOMPARE(out.backfilledTrades.size(), std::size_t(2));
        const model::Trade &newest = out.backfilledTrades[0];
        QCOMPARE(newest.tradeId, qint64(74));
        QCOMPARE(newest.price, dec("10"));
        QCOMPARE(newest.size, dec("0.01"));
        QCOMPARE(newest.side, model::Side::Sell); // a buying maker met a selling taker
        QCOMPARE(newest.exchangeTimeNs, qint64(1'709'294'400'123'456'000));
        QCOMPARE(out.backfilledTrades[1].side, model::Side::Buy);

        QVERIFY(refusedWith(normalizeBackfill(normalizer, "ETH-USD", R"({"message":"NotFound"})"),
            "Coinbase answered: NotFound"));
        QVERIFY(refusedWith(normalizeBackfill(normalizer, "ETH-USD",
                                R"([{"time":"yesterday","trade_id":1,"price":"1","size":"1",)"
                                R"("side":"buy"}])"),
            "time \"yesterday\" is not an RFC 3339 time"));
    }

    void adapterSubscribesInOneMessage()
    {
        feeds::FeedSettings settings{
            .feed = "coinbase", .adapter = "coinbase", .instruments = kInstruments.all()};
        const auto adapter = describeAdapter().create(settings);
        const std::uint32_t both[] = {0, 1};
        QCOMPARE(adapter->subscribeMessages(both),
            QList<QByteArray>{QByteArray(R"({"channels":["matches","level2_batch","heartbeat"],)"
                                         R"("product_ids":["BTC-USD","ETH-USD"],)"
                                         R"("type":"subscribe"})")});
        QVERIFY(adapter->feedThreadCanSkip(R"({"type":"match","trade_id":1})"));
        QVERIFY(!adapter->feedThreadCanSkip(R"({"type":"l2update"})"));
        QCOMPARE(adapter->backfillUrl(0, 75, 1000),
            QUrl(QStringLiteral(
                "https://api.exchange.coinbase.com/products/BTC-USD/trades?after=75&limit=1000")));
    }
};

QTEST_GUILESS_MAIN(TestCoinbaseFeed)
#include "test_coinbase_feed.moc"
