// Coinbase Advanced Trade frames into the normalized model (hand-written captures of each message
// type): market trades oldest first with the side as configured, the level2 book from its
// snapshot, the envelope's sequence_num followed per connection (a jump loses that connection's
// books, a counter that starts again is a new connection), control frames, and a clear error for
// bad frames; the adapter's one-channel-a-message subscriptions.
#include "app/feeds/adapter_registry.h"
#include "app/feeds/coinbase/advanced_normalizer.h"
#include "tests/support/normalize_frame.h"

#include <QTest>

using namespace tickscope;
using namespace tickscope::testing;
using namespace tickscope::feeds::coinbase;

Q_DECLARE_METATYPE(TradeSide)

namespace {

const feeds::InstrumentList kInstruments{{{"coinbase_advanced", "BTC-USD", "BTC", "USD"},
    {"coinbase_advanced", "ETH-USD", "ETH", "USD"}}};

// An l2_data envelope of BTC-USD with `sequence`.
std::string level2(std::int64_t sequence, std::string_view type, std::string_view updates)
{
    return std::format(R"({{"channel":"l2_data","client_id":"","timestamp":)"
                       R"("2023-02-09T20:32:50.714964855Z","sequence_num":{},"events":[{{)"
                       R"("type":"{}","product_id":"BTC-USD","updates":[{}]}}]}})",
        sequence, type, updates);
}

constexpr std::string_view kBid
    = R"({"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.73",)"
      R"("new_quantity":"0.06317902"})";
constexpr std::string_view kOffer
    = R"({"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"21921.74",)"
      R"("new_quantity":"1.5"})";

std::string heartbeat(std::int64_t sequence)
{
    return std::format(R"({{"channel":"heartbeats","client_id":"","timestamp":)"
                       R"("2023-06-23T20:31:56.121961769Z","sequence_num":{},"events":[{{)"
                       R"("current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.52",)"
                       R"("heartbeat_counter":"3049"}}]}})",
        sequence);
}

feeds::NormalizedOutput onConnection(
    feeds::FeedNormalizer &normalizer, std::uint32_t connection, std::string_view frame)
{
    feeds::NormalizedOutput out;
    normalizer.normalize({feeds::RawKind::WebSocketText, connection, kReceivedAt, frame}, out);
    return out;
}

} // namespace

class TestCoinbaseAdvancedFeed : public QObject
{
    Q_OBJECT

private slots:
    void marketTrades_data()
    {
        QTest::addColumn<TradeSide>("meaning");
        QTest::addColumn<char>("firstSide"); // of the older trade, a SELL
        QTest::newRow("unknown: stored as such") << TradeSide::Unknown << 'U';
        QTest::newRow("the taker's") << TradeSide::Taker << 'S';
        QTest::newRow("the maker's: the aggressor bought") << TradeSide::Maker << 'B';
    }

    void marketTrades()
    {
        QFETCH(TradeSide, meaning);
        QFETCH(char, firstSide);
        AdvancedTradeNormalizer normalizer{kInstruments, meaning};
        // An update lists its trades newest first.
        const auto out = normalize(normalizer,
            R"({"channel":"market_trades","client_id":"","timestamp":"2023-02-09T20:19:35.39625135Z",)"
            R"("sequence_num":0,"events":[{"type":"snapshot","trades":[)"
            R"({"trade_id":"000000000","product_id":"ETH-USD","price":"1260.01","size":"0.3",)"
            R"("side":"BUY","time":"2019-08-14T20:42:27.265Z"},)"
            R"({"trade_id":"999999999","product_id":"ETH-USD","price":"1260.00","size":"2",)"
            R"("side":"SELL","time":"2019-08-14T20:42:27.264Z"}]}]})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.trades.size(), std::size_t(2));
        const model::Trade &older = out.trades[0];
        QCOMPARE(older.instrument, 1u);
        QCOMPARE(older.tradeId, qint64(999999999));
        QCOMPARE(older.price, dec("1260"));
        QCOMPARE(older.size, dec("2"));
        QCOMPARE(static_cast<char>(older.side), firstSide);
        QCOMPARE(older.exchangeTimeNs, qint64(1'565'815'347'264'000'000));
        // "000000000" is text, not the number 0: kept verbatim.
        QCOMPARE(out.trades[1].tradeRef, std::string("000000000"));
    }

    void bookFromItsSnapshot()
    {
        AdvancedTradeNormalizer normalizer{kInstruments, TradeSide::Unknown};
        auto out = normalize(normalizer, level2(0, "update", kBid));
        QCOMPARE(out.bookUpdatesDropped, 1); // before any snapshot
        out = normalize(
            normalizer, level2(1, "snapshot", std::string(kBid) + ',' + std::string(kOffer)));
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.snapshots[0].exchangeTimeNs, qint64(1'675'974'770'714'964'855));
        QCOMPARE(normalizer.book(0)->bestBid()->price, dec("21921.73"));
        QCOMPARE(normalizer.book(0)->bestAsk()->size, dec("1.5"));
        out = normalize(normalizer,
            level2(2, "update",
                R"({"side":"offer","event_time":"2023-02-09T20:32:50.7Z","price_level":)"
                R"("21921.74","new_quantity":"0"})"));
        QCOMPARE(out.deltas.size(), std::size_t(1));
        QVERIFY(!normalizer.book(0)->bestAsk());
        QVERIFY(out.gaps.empty());
    }

    // One counter per connection: a jump on connection 0 loses the books that came on it, over
    // the missing numbers; connection 1 counts on its own; a counter that starts again is a new
    // connection, no gap.
    void sequencePerConnection()
    {
        AdvancedTradeNormalizer normalizer{kInstruments, TradeSide::Unknown};
        QVERIFY(onConnection(normalizer, 0, level2(0, "snapshot", kBid)).gaps.empty());
        QVERIFY(onConnection(normalizer, 1, heartbeat(0)).gaps.empty());
        QVERIFY(onConnection(normalizer, 0, heartbeat(1)).gaps.empty());
        QVERIFY(onConnection(normalizer, 1, heartbeat(1)).gaps.empty());

        auto out = onConnection(normalizer, 0, heartbeat(5));
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::BookSequence);
        QCOMPARE(out.gaps[0].instrument, 0u);
        QCOMPARE(out.gaps[0].firstMissing, qint64(2));
        QCOMPARE(out.gaps[0].lastMissing, qint64(4));
        QCOMPARE(out.snapshotRequests, std::vector<std::uint32_t>{0});
        QVERIFY(normalizer.book(0)->empty());
        // Updates wait for the fresh snapshot; another jump meanwhile asks for nothing more.
        QCOMPARE(onConnection(normalizer, 0, level2(6, "update", kBid)).bookUpdatesDropped, 1);
        QVERIFY(onConnection(normalizer, 0, heartbeat(9)).gaps.empty());
        QCOMPARE(onConnection(normalizer, 0, level2(10, "snapshot", kOffer)).snapshots.size(),
            std::size_t(1));

        // Connection 0 comes back: its counter starts at 0 again.
        QVERIFY(onConnection(normalizer, 0, heartbeat(0)).gaps.empty());
        QVERIFY(onConnection(normalizer, 1, heartbeat(2)).gaps.empty());
    }

    void controlFrames()
    {
        AdvancedTradeNormalizer normalizer{kInstruments, TradeSide::Unknown};
        auto out = normalize(normalizer,
            R"({"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50.7Z",)"
            R"("sequence_num":0,"events":[{"subscriptions":{"level2":["BTC-USD","ETH-USD"],)"
            R"("heartbeats":["BTC-USD"]}}]})");
        QCOMPARE(out.events.size(), std::size_t(1));
        QCOMPARE(out.events[0].kind, model::FeedEvent::Kind::Subscribed);
        QCOMPARE(out.events[0].detail, std::string("level2 BTC-USD,ETH-USD; heartbeats BTC-USD"));
        out = normalize(normalizer, heartbeat(1));
        QCOMPARE(out.ignored.at("heartbeats"), 1);
        out = normalize(normalizer, R"({"type":"error","message":"failure to subscribe"})");
        QCOMPARE(out.events.size(), std::size_t(1));
        QCOMPARE(out.events[0].kind, model::FeedEvent::Kind::Error);
        QCOMPARE(out.events[0].detail, std::string("exchange error: failure to subscribe"));
        out = normalize(normalizer,
            R"({"channel":"market_trades","timestamp":"2023-02-09T20:32:50.7Z","sequence_num":2,)"
            R"("events":[{"type":"update","trades":[{"trade_id":"1","product_id":"SOL-USD",)"
            R"("price":"1","size":"1","side":"BUY","time":"2023-02-09T20:32:50.7Z"}]}]})");
        QCOMPARE(out.unknownSymbol, 1);
        QVERIFY(out.trades.empty());
    }

    void badFrames_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("error");
        QTest::newRow("no sequence_num") << QByteArray(
            R"({"channel":"heartbeats","timestamp":"2023-02-09T20:32:50.7Z",)"
            R"("events":[]})") << "heartbeats message without a sequence_num";
        QTest::newRow("events first")
            << QByteArray(R"({"events":[],"channel":"l2_data","sequence_num":1})")
            << "'events' comes before 'channel'";
        QTest::newRow("bad side") << QByteArray(level2(
            1, "update", R"({"side":"ask","event_time":"x","price_level":"1","new_quantity":"1"})"))
                                  << "book update side \"ask\" is neither bid nor offer";
        QTest::newRow("bad timestamp") << QByteArray(
            R"({"channel":"l2_data","timestamp":"yesterday","sequence_num":1,)"
            R"("events":[]})") << "timestamp \"yesterday\" is not an RFC 3339 time";
        QTest::newRow("trade side")
            << QByteArray(R"({"channel":"market_trades","timestamp":"2023-02-09T20:32:50.7Z",)"
                          R"("sequence_num":2,"events":[{"type":"update","trades":[{"trade_id":)"
                          R"("7","product_id":"BTC-USD","price":"1","size":"1","side":"buy",)"
                          R"("time":"2023-02-09T20:32:50.7Z"}]}]})")
            << "trade 7 side \"buy\" is neither BUY nor SELL";
    }

    void badFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, error);
        AdvancedTradeNormalizer normalizer{kInstruments, TradeSide::Unknown};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 1);
        QVERIFY2(QString::fromStdString(out.events.at(0).detail).contains(error),
            out.events.at(0).detail.c_str());
    }

    void adapterSubscribesAChannelAMessage()
    {
        feeds::FeedSettings settings{.feed = "coinbase_advanced",
            .adapter = "coinbase_advanced",
            .instruments = kInstruments.all()};
        settings.options["trade_side"] = "maker";
        const auto adapter = feeds::createAdapter(settings);
        const std::uint32_t both[] = {0, 1};
        const QByteArray products = R"("product_ids":["BTC-USD","ETH-USD"])";
        QCOMPARE(adapter->subscribeMessages(both),
            (QList<QByteArray>{R"({"channel":"heartbeats",)" + products + R"(,"type":"subscribe"})",
                R"({"channel":"market_trades",)" + products + R"(,"type":"subscribe"})",
                R"({"channel":"level2",)" + products + R"(,"type":"subscribe"})"}));
        QCOMPARE(adapter->resubscribeMessages(1),
            (QList<QByteArray>{
                R"({"channel":"level2","product_ids":["ETH-USD"],"type":"unsubscribe"})",
                R"({"channel":"level2","product_ids":["ETH-USD"],"type":"subscribe"})"}));
        QVERIFY(!adapter->feedThreadCanSkip(R"({"channel":"market_trades")"));
        QCOMPARE(
            adapter->streamUrl({}), QUrl(QStringLiteral("wss://advanced-trade-ws.coinbase.com")));
    }
};

QTEST_GUILESS_MAIN(TestCoinbaseAdvancedFeed)
#include "test_coinbase_advanced_feed.moc"
