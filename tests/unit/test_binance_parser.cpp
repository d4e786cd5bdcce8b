// Binance frames into the normalized model, and a clear error for every kind of bad frame.
#include "app/feeds/binance/message_parser.h"

#include <QTest>

using namespace tickscope;
using namespace tickscope::feeds::binance;

namespace {

const feeds::InstrumentList kInstruments{
    {{"binance", "BTCUSDT", "BTC", "USDT"}, {"binance", "ETHUSDT", "ETH", "USDT"}}};
constexpr std::int64_t kReceivedAt = 1'700'000'000'123'456'789;

} // namespace

class TestBinanceParser : public QObject
{
    Q_OBJECT

private slots:
    void trades_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("timeUnit");
        QTest::addColumn<uint>("instrument");
        QTest::addColumn<qint64>("tradeId");
        QTest::addColumn<QString>("price");
        QTest::addColumn<QString>("size");
        QTest::addColumn<char>("side");
        QTest::addColumn<qint64>("timeNs");
        QTest::newRow("raw, buyer is maker: taker sold")
            << QByteArray(
                   R"({"e":"trade","E":1700000000001,"s":"BTCUSDT","t":12345,)"
                   R"("p":"67000.12000000","q":"0.00100000","T":1700000000000,"m":true,"M":true})")
            << int(TimeUnit::Milliseconds) << 0u << qint64(12345) << "67000.12" << "0.001" << 'S'
            << qint64(1'700'000'000'000'000'000);
        QTest::newRow("combined stream, buyer is taker")
            << QByteArray(R"({"stream":"ethusdt@trade","data":{"e":"trade","E":1,"s":"ETHUSDT",)"
                          R"("t":7,"p":"3000.5","q":"2","T":1700000000000,"m":false,"M":true}})")
            << int(TimeUnit::Milliseconds) << 1u << qint64(7) << "3000.5" << "2" << 'B'
            << qint64(1'700'000'000'000'000'000);
        QTest::newRow("microseconds")
            << QByteArray(R"({"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1",)"
                          R"("T":1700000000000001,"m":false})")
            << int(TimeUnit::Microseconds) << 0u << qint64(1) << "1" << "1" << 'B'
            << qint64(1'700'000'000'000'001'000);
        QTest::newRow("fields in another order") << QByteArray(
            R"({"m":true,"T":1700000000000,"q":"5","p":"6","t":9,"s":"BTCUSDT","e":"trade"})")
                                                 << int(TimeUnit::Milliseconds) << 0u << qint64(9)
                                                 << "6" << "5" << 'S'
                                                 << qint64(1'700'000'000'000'000'000);
    }

    void trades()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, timeUnit);
        MessageParser parser{kInstruments, TimeUnit(timeUnit)};
        const auto message = parser.parse(frame.toStdString(), kReceivedAt);
        QVERIFY2(message, message ? "" : message.error().c_str());
        const auto *trade = std::get_if<model::Trade>(&*message);
        QVERIFY(trade);
        QTEST(trade->instrument, "instrument");
        QTEST(qint64(trade->tradeId), "tradeId");
        QTEST(QString::fromStdString(trade->price.toString()), "price");
        QTEST(QString::fromStdString(trade->size.toString()), "size");
        QTEST(char(trade->side), "side");
        QTEST(qint64(trade->exchangeTimeNs), "timeNs");
        QCOMPARE(trade->receivedAtNs, kReceivedAt);
    }

    void depthUpdate()
    {
        MessageParser parser{kInstruments, TimeUnit::Milliseconds};
        const auto message = parser.parse(
            R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1700000000100,)"
            R"("s":"BTCUSDT","U":157,"u":160,"b":[["0.0024","10"],["0.0023","0.00000000"]],)"
            R"("a":[["0.0026","100"]]}})",
            kReceivedAt);
        QVERIFY2(message, message ? "" : message.error().c_str());
        const auto *delta = std::get_if<model::BookDelta>(&*message);
        QVERIFY(delta);
        QCOMPARE(delta->firstSequence, 157);
        QCOMPARE(delta->sequence, 160);
        QCOMPARE(delta->exchangeTimeNs, 1'700'000'000'100'000'000);
        QCOMPARE(delta->bids.size(), std::size_t(2));
        QCOMPARE(delta->bids[0].price.toString(), std::string("0.0024"));
        QVERIFY(delta->bids[1].size.isZero());
        QCOMPARE(delta->asks.size(), std::size_t(1));
    }

    void controlFrames()
    {
        MessageParser parser{kInstruments, TimeUnit::Milliseconds};
        auto ack = parser.parse(R"({"result":null,"id":42})", kReceivedAt);
        QVERIFY(ack && std::holds_alternative<SubscribeAck>(*ack));
        QCOMPARE(std::get<SubscribeAck>(*ack).id, 42);

        auto error = parser.parse(
            R"({"code":2,"msg":"Invalid request: missing id","id":null})", kReceivedAt);
        QVERIFY(error && std::holds_alternative<ErrorReply>(*error));
        QCOMPARE(std::get<ErrorReply>(*error).code, 2);
        QCOMPARE(std::get<ErrorReply>(*error).message, std::string("Invalid request: missing id"));

        for (const char *frame :
            {R"({"e":"serverShutdown","E":1700000000000})",
                R"({"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1700000000000}})"}) {
            auto shutdown = parser.parse(frame, kReceivedAt);
            QVERIFY(shutdown && std::holds_alternative<ServerShutdown>(*shutdown));
            QCOMPARE(std::get<ServerShutdown>(*shutdown).eventTimeNs, 1'700'000'000'000'000'000);
        }

        auto other = parser.parse(R"({"e":"aggTrade","s":"BTCUSDT"})", kReceivedAt);
        QVERIFY(other && std::holds_alternative<Ignored>(*other));
        QCOMPARE(std::get<Ignored>(*other).channel, std::string("aggTrade"));
    }

    // With trade_stream = aggTrade an aggregate is stored as its last trade id, covering f..l;
    // @trade frames are then the channel not stored. A ticker's string "l" is no trade id.
    void aggregatedTrades()
    {
        MessageParser parser{kInstruments, TimeUnit::Milliseconds, TradeStream::AggTrade};
        const auto parsed = parser.parse(
            R"({"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":1764000000002,)"
            R"("s":"ETHUSDT","a":5933014,"p":"0.00100","q":"100","f":100,"l":105,)"
            R"("T":1764000000001,"m":true,"M":true}})",
            kReceivedAt);
        QVERIFY2(parsed, parsed ? "" : parsed.error().c_str());
        const auto &trade = std::get<model::Trade>(*parsed);
        QCOMPARE(trade.instrument, 1u);
        QCOMPARE(trade.tradeId, qint64(105));
        QCOMPARE(trade.idsCovered, qint64(6));
        QCOMPARE(trade.price, *model::Decimal::parse("0.001"));
        QCOMPARE(trade.size, *model::Decimal::parse("100"));
        QCOMPARE(trade.side, model::Side::Sell); // the buyer made the market
        QCOMPARE(trade.exchangeTimeNs, qint64(1'764'000'000'001'000'000));

        const auto single = parser.parse(
            R"({"e":"trade","E":1,"s":"BTCUSDT","t":7,"p":"1","q":"1","T":1700000000000,"m":false})",
            kReceivedAt);
        QVERIFY(single && std::holds_alternative<Ignored>(*single));
        QCOMPARE(std::get<Ignored>(*single).channel, std::string("trade"));
        const auto ticker = parser.parse(
            R"({"e":"24hrTicker","E":1,"s":"BTCUSDT","l":"0.0010","h":"0.0025"})", kReceivedAt);
        QVERIFY(ticker && std::holds_alternative<Ignored>(*ticker));

        for (const auto &[frame, error] : {
                 std::pair{
                     R"({"e":"aggTrade","s":"BTCUSDT","p":"1","q":"1","f":9,"l":8,"T":1,"m":true})",
                     "aggTrade trade ids f=9 l=8 are no range"},
                 std::pair{R"({"e":"aggTrade","s":"BTCUSDT","p":"1","q":"1","f":9,"T":1,"m":true})",
                     "aggTrade lacks f or l"},
                 std::pair{R"({"e":"aggTrade","s":"BTCUSDT","q":"1","f":9,"l":9,"T":1,"m":true})",
                     "aggTrade lacks one of f, l, T, m, p, q"},
             }) {
            const auto bad = parser.parse(frame, kReceivedAt);
            QVERIFY(!bad);
            QCOMPARE(bad.error(), std::string(error));
        }
    }

    // Captures made by other recorders mix in channels Tickscope does not store; their frames
    // (whose "a" and "b" are no levels, some without "e") are ignored by channel, never malformed.
    void ignoresOtherChannelsByName_data()
    {
        QTest::addColumn<QString>("frame");
        QTest::addColumn<QString>("channel");
        QTest::newRow("combined bookTicker")
            << R"({"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})"
            << "bookTicker";
        QTest::newRow("raw bookTicker")
            << R"({"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})"
            << "bookTicker";
        QTest::newRow("kline")
            << R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1764000000000,"s":"BTCUSDT","k":{"t":1764000000000,"i":"1m","o":"0.0010","x":false}}})"
            << "kline_1m";
        QTest::newRow("24h ticker")
            << R"({"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1764000000000,"s":"BTCUSDT","p":"0.0015","b":"0.0024","B":"10","a":"0.0026","A":"100","q":"18"}})"
            << "ticker";
        QTest::newRow("raw aggTrade")
            << R"({"e":"aggTrade","E":1764000000002,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":1764000000002,"m":true,"M":true})"
            << "aggTrade";
    }

    void ignoresOtherChannelsByName()
    {
        QFETCH(QString, frame);
        QFETCH(QString, channel);
        MessageParser parser{kInstruments, TimeUnit::Milliseconds};
        const auto parsed = parser.parse(frame.toStdString(), kReceivedAt);
        QVERIFY2(parsed, parsed ? "" : parsed.error().c_str());
        QVERIFY(std::holds_alternative<Ignored>(*parsed));
        QCOMPARE(QString::fromStdString(std::get<Ignored>(*parsed).channel), channel);
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("error");
        QTest::newRow("not JSON") << QByteArray("hello") << "not a JSON object";
        QTest::newRow("truncated") << QByteArray(R"({"e":"trade","s":"BTC)") << "";
        QTest::newRow("array") << QByteArray("[1,2]") << "not a JSON object";
        QTest::newRow("nothing known") << QByteArray(R"({"x":1})") << "neither an event";
        QTest::newRow("missing trade id")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","p":"1","q":"1","T":1,"m":true})")
            << "trade lacks one of";
        QTest::newRow("price as number")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","t":1,"p":1.5,"q":"1","T":1,"m":true})")
            << "'p' is not a string";
        QTest::newRow("bad price")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","t":1,"p":"1e5","q":"1","T":1,"m":true})")
            << "trade price \"1e5\" is not a positive decimal";
        QTest::newRow("zero quantity")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"0.000","T":1,"m":true})")
            << "trade quantity \"0.000\" is not a positive decimal";
        QTest::newRow("negative trade id")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","t":-5,"p":"1","q":"1","T":1,"m":true})")
            << "trade id -5 is negative";
        QTest::newRow("time zero")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","t":5,"p":"1","q":"1","T":0,"m":true})")
            << "trade time 0 is out of range";
        QTest::newRow("m not a boolean")
            << QByteArray(R"({"e":"trade","s":"BTCUSDT","t":5,"p":"1","q":"1","T":1,"m":"yes"})")
            << "'m' is not a boolean";
        QTest::newRow("depth levels not an array")
            << QByteArray(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":4,"u":5,"b":"1","a":[]})")
            << "depthUpdate 'b' is not an array of levels";
        QTest::newRow("depth range reversed")
            << QByteArray(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":4,"b":[],"a":[]})")
            << "U=5 u=4 is invalid";
        QTest::newRow("depth level of three") << QByteArray(
            R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":1,"b":[["1","2","3"]],"a":[]})")
                                              << "level of 3 values";
        QTest::newRow("depth negative quantity") << QByteArray(
            R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":1,"b":[["1","-2"]],"a":[]})")
                                                 << "bad quantity \"-2\"";
        QTest::newRow("depth without asks")
            << QByteArray(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":1,"b":[]})")
            << "depthUpdate lacks one of";
        // Found by fuzz_exchange_binance: simdjson threw out of the parser on eeff8bb.
        QTest::newRow("id not a value")
            << QByteArray(R"({"result":null,"id":nu"v":ll})") << "'id' is not a value";
        QTest::newRow("trailing garbage")
            << QByteArray(R"({"result":null,"id":1} {"x":2})") << "trailing content";
    }

    void rejects()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, error);
        MessageParser parser{kInstruments, TimeUnit::Milliseconds};
        const auto message = parser.parse(frame.toStdString(), kReceivedAt);
        QVERIFY(!message);
        QVERIFY2(QString::fromStdString(message.error()).contains(error), message.error().c_str());
        // The parser is usable after an error.
        QVERIFY(parser.parse(R"({"result":null,"id":1})", kReceivedAt));
    }

    void historicalTrades();

    void depthSnapshot()
    {
        MessageParser parser{kInstruments, TimeUnit::Milliseconds};
        const auto snapshot = parser.parseDepthSnapshot(
            R"({"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]})",
            1, kReceivedAt);
        QVERIFY2(snapshot, snapshot ? "" : snapshot.error().c_str());
        QCOMPARE(snapshot->sequence, 1027024);
        QCOMPARE(snapshot->instrument, 1u);
        QCOMPARE(snapshot->bids.front().size.toString(), std::string("431"));
        QCOMPARE(snapshot->asks.front().price.toString(), std::string("4.000002"));

        const auto error = parser.parseDepthSnapshot(
            R"({"code":-1121,"msg":"Invalid symbol."})", 0, kReceivedAt);
        QVERIFY(!error);
        QVERIFY(QString::fromStdString(error.error()).contains(QStringLiteral("Invalid symbol")));
    }
};

void TestBinanceParser::historicalTrades()
{
    MessageParser parser{kInstruments, TimeUnit::Milliseconds};
    const auto trades = parser.parseHistoricalTrades(
        R"([{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012","time":1499865549590,"isBuyerMaker":true,"isBestMatch":true},)"
        R"({"id":28458,"price":"4.1","qty":"1","quoteQty":"4.1","time":1499865549591,"isBuyerMaker":false,"isBestMatch":true}])",
        1, kReceivedAt);
    QVERIFY2(trades, trades ? "" : trades.error().c_str());
    QCOMPARE(trades->size(), std::size_t(2));
    QCOMPARE((*trades)[0].tradeId, 28457);
    QCOMPARE((*trades)[0].price.toString(), std::string("4.000001"));
    QCOMPARE((*trades)[0].side, model::Side::Sell);
    QCOMPARE((*trades)[0].instrument, 1u);
    QCOMPARE((*trades)[0].exchangeTimeNs, 1'499'865'549'590'000'000);
    QCOMPARE((*trades)[1].side, model::Side::Buy);
    QVERIFY(parser.parseHistoricalTrades("[]", 0, kReceivedAt)->empty());
    for (const char *bad : {R"({"code":-1121,"msg":"Invalid symbol."})",
             R"([{"id":1,"price":"0","qty":"1","time":1,"isBuyerMaker":true}])",
             R"([{"id":1,"price":"1","qty":"1","isBuyerMaker":true}])"})
        QVERIFY(!parser.parseHistoricalTrades(bad, 0, kReceivedAt));
}

QTEST_GUILESS_MAIN(TestBinanceParser)
#include "test_binance_parser.moc"
