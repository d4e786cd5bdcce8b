// Bybit v5 spot frames into the normalized model (hand-written captures of each message type),
// clear errors for bad frames, and the books: snapshot, deltas by update id, stale ones dropped,
// a jump recorded as a gap and resubscribed, a snapshot at any time (u = 1 after a restart)
// replacing the book.
#include "app/feeds/bybit/bybit_adapter.h"
#include "app/feeds/bybit/bybit_normalizer.h"
#include "tests/support/normalize_frame.h"

#include <QTest>

using namespace tickscope;
using namespace tickscope::testing;
using namespace tickscope::feeds::bybit;

namespace {

const feeds::InstrumentList kInstruments{
    {{"bybit", "BTCUSDT", "BTC", "USDT"}, {"bybit", "ETHUSDT", "ETH", "USDT"}}};

std::string book(
    std::string_view type, std::int64_t u, std::string_view bids = "", std::string_view asks = "")
{
    // Spot puts ts before type.
    return std::format(R"({{"topic":"orderbook.50.BTCUSDT","ts":1672304484978,"type":"{}",)"
                       R"("data":{{"s":"BTCUSDT","b":[{}],"a":[{}],"u":{},"seq":7961638724}},)"
                       R"("cts":1672304484976}})",
        type, bids, asks, u);
}

} // namespace

class TestBybitFeed : public QObject
{
    Q_OBJECT

private slots:
    void trades()
    {
        BybitNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer,
            R"({"topic":"publicTrade.ETHUSDT","type":"snapshot","ts":1672304486868,"data":[)"
            R"({"T":1672304486865,"s":"ETHUSDT","S":"Buy","v":"0.001","p":"16578.50",)"
            R"("L":"PlusTick","i":"2290000000068442891","BT":false,"RPI":false,"seq":1},)"
            R"({"T":1672304486866,"s":"ETHUSDT","S":"Sell","v":"2","p":"16578.4",)"
            R"("i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false}]})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.trades.size(), std::size_t(2));
        QCOMPARE(out.trades[0].instrument, 1u);
        QCOMPARE(out.trades[0].tradeId, qint64(2290000000068442891));
        QCOMPARE(out.trades[0].price, dec("16578.5"));
        QCOMPARE(out.trades[0].size, dec("0.001"));
        QCOMPARE(out.trades[0].side, model::Side::Buy); // Bybit names the taker's side
        QCOMPARE(out.trades[0].exchangeTimeNs, qint64(1'672'304'486'865'000'000));
        QVERIFY(!out.trades[1].hasNumericId());
        QCOMPARE(out.trades[1].tradeRef, std::string("20f43950-d8dd-5b31-9112-a178eb6023af"));
        QCOMPARE(out.trades[1].side, model::Side::Sell);
    }

    void replies_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("kind"); // FeedEvent::Kind, or -1 for none
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("ignored");
        using Kind = model::FeedEvent::Kind;
        QTest::newRow("subscribed")
            << QByteArray(R"({"success":true,"ret_msg":"subscribe","conn_id":"2324d924",)"
                          R"("req_id":"10001","op":"subscribe"})")
            << int(Kind::Subscribed) << "subscribe done" << "";
        QTest::newRow("refused") << QByteArray(
            R"({"success":false,"ret_msg":"error:handler not found,topic:)"
            R"(orderbook.50.NOPE","conn_id":"a","op":"subscribe"})")
                                 << int(Kind::Error) << "subscribe failed: error:handler not found"
                                 << "";
        QTest::newRow("pong") << QByteArray(
            R"({"success":true,"ret_msg":"pong","conn_id":"a","op":"ping"})")
                              << -1 << "" << "pong";
        QTest::newRow("a topic not stored")
            << QByteArray(R"({"topic":"tickers.BTCUSDT","ts":1,"type":"snapshot","data":{}})") << -1
            << "" << "tickers";
    }

    void replies()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(QString, ignored);
        BybitNormalizer normalizer{kInstruments};
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
            R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,)"
            R"("s":"BTCUSDT","S":"buy","v":"1","p":"1","i":"1"}]})")
                              << "neither Buy nor Sell";
        QTest::newRow("price zero") << QByteArray(
            R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,)"
            R"("s":"BTCUSDT","S":"Buy","v":"1","p":"0","i":"1"}]})")
                                    << "trade p \"0\"";
        QTest::newRow("book without u")
            << QByteArray(R"({"topic":"orderbook.50.BTCUSDT","ts":1,"type":"delta","data":)"
                          R"({"s":"BTCUSDT","b":[],"a":[]}})")
            << "lacks one of u, b, a";
        QTest::newRow("book type") << QByteArray(book("partial", 5)) << "type \"partial\"";
        QTest::newRow("level of three values")
            << QByteArray(book("delta", 5, R"(["1","2","3"])")) << "a level of 3 values";
        QTest::newRow("neither push nor reply") << QByteArray(R"({"hello":1})") << "neither";
    }

    void badFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, error);
        BybitNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 1);
        QVERIFY2(QString::fromStdString(out.events.at(0).detail).contains(error),
            out.events.at(0).detail.c_str());
    }

    void bookFollowsUpdateIds()
    {
        BybitNormalizer normalizer{kInstruments};
        auto out = normalize(normalizer, book("delta", 7, R"(["1","1"])"));
        QCOMPARE(out.bookUpdatesDropped, 1); // before any snapshot
        out = normalize(normalizer,
            book("snapshot", 18521288, R"(["16493.50","0.006"],["16493.00","0.100"])",
                R"(["16611.00","0.029"])"));
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.snapshots[0].sequence, qint64(18521288));
        QCOMPARE(out.snapshots[0].exchangeTimeNs, qint64(1'672'304'484'976'000'000)); // cts
        out = normalize(normalizer, book("delta", 18521289, R"(["16493.50","0"])"));
        QCOMPARE(out.deltas.size(), std::size_t(1));
        QCOMPARE(normalizer.book(0)->bids(),
            (std::vector<model::PriceLevel>{{dec("16493"), dec("0.1")}}));
        out = normalize(normalizer, book("delta", 18521289, R"(["16493.00","5"])"));
        QCOMPARE(out.bookUpdatesDropped, 1); // stale
        QCOMPARE(normalizer.book(0)->bestBid()->size, dec("0.1"));

        out = normalize(normalizer, book("delta", 18521292));
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::BookSequence);
        QCOMPARE(out.gaps[0].firstMissing, qint64(18521290));
        QCOMPARE(out.gaps[0].lastMissing, qint64(18521291));
        QCOMPARE(out.snapshotRequests, std::vector<std::uint32_t>{0});
        QVERIFY(normalizer.book(0)->empty());

        // After a restart Bybit sends a snapshot with u = 1: it replaces the book.
        out = normalize(normalizer, book("snapshot", 1, R"(["100","1"])", R"(["101","1"])"));
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        out = normalize(normalizer, book("delta", 2, R"(["99","3"])"));
        QVERIFY(out.gaps.empty());
        QVERIFY(!out.bookCrossed);
        QCOMPARE(normalizer.book(0)->bids().size(), std::size_t(2));
        // A bid at the best ask: the book is crossed, which its integrity series counts.
        out = normalize(normalizer, book("delta", 3, R"(["101","1"])"));
        QVERIFY(out.bookCrossed);
        out = normalize(normalizer, book("delta", 4, R"(["101","0"])"));
        QVERIFY(!out.bookCrossed);
    }

    void adapterSubscribesTenTopicsARequest()
    {
        std::vector<model::Instrument> many;
        for (int i = 0; i < 6; ++i)
            many.push_back({"bybit", std::format("C{}USDT", i), std::format("C{}", i), "USDT"});
        feeds::FeedSettings settings{.feed = "bybit", .adapter = "bybit", .instruments = many};
        const auto adapter = describeAdapter().create(settings);
        const std::uint32_t all[] = {0, 1, 2, 3, 4, 5};
        const auto subscribe = adapter->subscribeMessages(all);
        QCOMPARE(subscribe.size(), qsizetype(2)); // 12 topics
        QCOMPARE(subscribe[1],
            QByteArray(
                R"({"args":["publicTrade.C5USDT","orderbook.50.C5USDT"],"op":"subscribe"})"));
        const auto again = adapter->resubscribeMessages(2);
        QCOMPARE(again[0], QByteArray(R"({"args":["orderbook.50.C2USDT"],"op":"unsubscribe"})"));
        QCOMPARE(again[1], QByteArray(R"({"args":["orderbook.50.C2USDT"],"op":"subscribe"})"));
        QCOMPARE(adapter->keepAliveMessage(), QByteArray(R"({"op":"ping"})"));
        QCOMPARE(adapter->traits().tradeIds, feeds::ExchangeTraits::TradeIds::Opaque);
    }
};

QTEST_GUILESS_MAIN(TestBybitFeed)
#include "test_bybit_feed.moc"
