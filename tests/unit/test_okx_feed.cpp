// OKX v5 frames into the normalized model (hand-written captures of each message type), a clear
// error for bad frames, and the books: the prevSeqId chain with its non-gap cases, the CRC32 over
// the exact text after each message, and what a break or a mismatch leads to; history-trades
// answers for backfill.
#include "app/feeds/okx/okx_adapter.h"
#include "app/feeds/okx/okx_normalizer.h"
#include "tests/support/normalize_frame.h"

#include <QTest>
#include <limits>

using namespace tickscope;
using namespace tickscope::testing;
using namespace tickscope::feeds::okx;

namespace {

const feeds::InstrumentList kInstruments{
    {{"okx", "BTC-USDT", "BTC", "USDT"}, {"okx", "ETH-USDT", "ETH", "USDT"}}};

// A books push of BTC-USDT; levels as "[price,size,0,orders]" text.
std::string books(std::string_view action, std::int64_t prevSeqId, std::int64_t seqId,
    std::string_view bids, std::string_view asks, std::int32_t checksum)
{
    return std::format(R"({{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{}",)"
                       R"("data":[{{"asks":[{}],"bids":[{}],"ts":"1597026383085",)"
                       R"("checksum":{},"prevSeqId":{},"seqId":{}}}]}})",
        action, asks, bids, checksum, prevSeqId, seqId);
}

// The documented example book: bids 3366.1 x 7, 3366 x 6; asks 3366.8 x 9, 3368 x 8.
const std::string kSnapshot
    = books("snapshot", -1, 10, R"(["3366.1","7","0","1"],["3366","6","0","2"])",
        R"(["3366.8","9","0","1"],["3368","8","0","3"])", -1881014294);
// Then 3366 bid removed and an ask at 3372: the second documented value.
std::string update(std::int64_t prevSeqId, std::int64_t seqId, std::int32_t checksum = 831078360)
{
    return books(
        "update", prevSeqId, seqId, R"(["3366","0","0","0"])", R"(["3372","8","0","1"])", checksum);
}

} // namespace

class TestOkxFeed : public QObject
{
    Q_OBJECT

private slots:
    void aggregatedTrades()
    {
        OkxNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer,
            R"({"arg":{"channel":"trades","instId":"ETH-USDT"},"data":[)"
            R"({"instId":"ETH-USDT","tradeId":"130639474","px":"42219.90","sz":"0.12060306",)"
            R"("side":"buy","ts":"1630048897897","count":"3","source":"0","seqId":1234},)"
            R"({"instId":"ETH-USDT","tradeId":"130639475","px":"42219.8","sz":"1",)"
            R"("side":"sell","ts":"1630048897898"}]})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.trades.size(), std::size_t(2));
        const model::Trade &first = out.trades[0];
        QCOMPARE(first.instrument, 1u);
        QCOMPARE(first.tradeId, qint64(130639474));
        QCOMPARE(first.idsCovered, qint64(3)); // ids 130639472..130639474
        QCOMPARE(first.price, dec("42219.9"));
        QCOMPARE(first.size, dec("0.12060306"));
        QCOMPARE(first.side, model::Side::Buy); // OKX names the taker's side
        QCOMPARE(first.exchangeTimeNs, qint64(1'630'048'897'897'000'000));
        QCOMPARE(first.receivedAtNs, kReceivedAt);
        QCOMPARE(out.trades[1].idsCovered, qint64(1));
        QCOMPARE(out.trades[1].side, model::Side::Sell);
    }

    void controlFrames_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("kind"); // FeedEvent::Kind, or -1 for none
        QTest::addColumn<QString>("text"); // in the event
        QTest::addColumn<QString>("ignored"); // the channel counted as ignored
        QTest::addColumn<bool>("reconnect");
        using Kind = model::FeedEvent::Kind;
        QTest::newRow("subscribe ack")
            << QByteArray(R"({"id":"1512","event":"subscribe","arg":{"channel":"books",)"
                          R"("instId":"BTC-USDT"},"connId":"a4d3ae55"})")
            << int(Kind::Subscribed) << "subscribe books BTC-USDT" << "" << false;
        QTest::newRow("error 60018")
            << QByteArray(R"({"event":"error","code":"60018","msg":"Wrong URL or channel:)"
                          R"(books,instId:NOPE-USDT does not exist.","connId":"a4d3ae55"})")
            << int(Kind::Error) << "exchange error 60018: Wrong URL" << "" << false;
        QTest::newRow("upgrade notice")
            << QByteArray(R"({"event":"notice","code":"64008","msg":"The connection will soon )"
                          R"(be closed for a service upgrade. Please reconnect.","connId":"a"})")
            << int(Kind::ShutdownNotice) << "notice 64008" << "" << true;
        QTest::newRow("pong") << QByteArray("pong") << -1 << "" << "pong" << false;
        QTest::newRow("a channel not stored")
            << QByteArray(R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[)"
                          R"({"instId":"BTC-USDT","last":"9999.99"}]})")
            << -1 << "" << "tickers" << false;
    }

    void controlFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(QString, ignored);
        OkxNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 0);
        QVERIFY(out.trades.empty());
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
        QTEST(out.reconnectRequested, "reconnect");
    }

    void badFrames_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<QString>("error");
        QTest::newRow("not JSON") << QByteArray(R"({"arg":)") << "ended early";
        QTest::newRow("neither push nor event")
            << QByteArray(R"({"hello":1})") << "neither a push, an event nor";
        QTest::newRow("trade price zero")
            << QByteArray(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)"
                          R"({"instId":"BTC-USDT","tradeId":"1","px":"0","sz":"1",)"
                          R"("side":"buy","ts":"1630048897897"}]})")
            << "trade px \"0\"";
        QTest::newRow("trade side")
            << QByteArray(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)"
                          R"({"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1",)"
                          R"("side":"up","ts":"1630048897897"}]})")
            << "trade side \"up\"";
        QTest::newRow("trade time as a number")
            << QByteArray(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)"
                          R"({"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1",)"
                          R"("side":"buy","ts":1630048897897}]})")
            << "'ts' is not a string";
        QTest::newRow("count zero")
            << QByteArray(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)"
                          R"({"instId":"BTC-USDT","tradeId":"5","px":"1","sz":"1",)"
                          R"("side":"buy","ts":"1630048897897","count":"0"}]})")
            << "count 0 is below 1";
        QTest::newRow("trade of another instrument")
            << QByteArray(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)"
                          R"({"instId":"ETH-USDT","tradeId":"5","px":"1","sz":"1",)"
                          R"("side":"buy","ts":"1630048897897"}]})")
            << "trade of ETH-USDT in the channel of BTC-USDT";
        QTest::newRow("book without seqId")
            << QByteArray(R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update",)"
                          R"("data":[{"asks":[],"bids":[],"ts":"1","prevSeqId":3}]})")
            << "book lacks one of";
        QTest::newRow("snapshot that links back")
            << QByteArray(books("snapshot", 4, 5, "", "", 0)) << "book snapshot with prevSeqId 4";
        QTest::newRow("level size negative")
            << QByteArray(books("update", 4, 5, R"(["1","-1","0","1"])", "", 0))
            << "'bids' holds a bad size \"-1\"";
        QTest::newRow("checksum beyond 32 bits")
            << QByteArray(books("update", 4, 5, "", "", 0))
                   .replace("\"checksum\":0", "\"checksum\":4294967296")
            << "not a 32-bit integer";
        QTest::newRow("data before arg")
            << QByteArray(R"({"data":[],"arg":{"channel":"trades","instId":"BTC-USDT"}})")
            << "'data' comes before 'arg'";
    }

    void badFrames()
    {
        QFETCH(QByteArray, frame);
        QFETCH(QString, error);
        OkxNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer, frame.toStdString());
        QCOMPARE(out.malformed, 1);
        QVERIFY(out.trades.empty() && out.deltas.empty() && out.snapshots.empty());
        QVERIFY2(QString::fromStdString(out.events.at(0).detail).contains(error),
            out.events.at(0).detail.c_str());
    }

    void unknownInstrumentIsCounted()
    {
        OkxNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer,
            R"({"arg":{"channel":"trades","instId":"SOL-USDT"},"data":[{"instId":"SOL-USDT"}]})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.unknownSymbol, 1);
        QCOMPARE(normalizer.unknownSymbols(), std::vector<std::string>{"SOL-USDT"});
    }

    void bookFollowsSnapshotAndUpdates()
    {
        OkxNormalizer normalizer{kInstruments};
        auto out = normalize(normalizer, kSnapshot);
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(out.snapshots[0].sequence, qint64(10));
        QVERIFY(out.gaps.empty());
        out = normalize(normalizer, update(10, 15));
        QVERIFY2(out.gaps.empty(), out.events.empty() ? "" : out.events[0].detail.c_str());
        QCOMPARE(out.deltas.size(), std::size_t(1));
        QCOMPARE(out.deltas[0].firstSequence, qint64(11));
        QCOMPARE(out.deltas[0].sequence, qint64(15));
        const feeds::LocalBook &book = *normalizer.book(0);
        QCOMPARE(book.bids(), (std::vector<model::PriceLevel>{{dec("3366.1"), dec("7")}}));
        QCOMPARE(book.asks().size(), std::size_t(3));
        QCOMPARE(book.asks()[2], (model::PriceLevel{dec("3372"), dec("8")}));

        // The documented sequence: keep-alive (15 -> 15), reset (15 -> 3), normal (3 -> 5).
        out = normalize(normalizer, books("update", 15, 15, "", "", 831078360));
        QVERIFY(out.gaps.empty() && out.deltas.empty() && out.snapshotRequests.empty());
        out = normalize(normalizer, update(15, 3));
        QVERIFY(out.gaps.empty());
        QCOMPARE(out.deltas.at(0).firstSequence, qint64(3));
        out = normalize(normalizer, update(3, 5));
        QVERIFY(out.gaps.empty() && out.snapshotRequests.empty());
        QCOMPARE(out.bookUpdatesApplied, 1);

        // A reset from the largest sequence a frame can carry: on eeff8bb prevSeqId + 1 wrapped
        // and the delta claimed to start at -2^63.
        constexpr std::int64_t kLargest = std::numeric_limits<std::int64_t>::max();
        OkxNormalizer fresh{kInstruments};
        out = normalize(fresh, books("snapshot", -1, kLargest, "", "", 0));
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        out = normalize(fresh, books("update", kLargest, 3, "", "", 0));
        QVERIFY(out.gaps.empty());
        QCOMPARE(out.deltas.at(0).firstSequence, qint64(3));
    }

    void sequenceBreakResubscribes()
    {
        OkxNormalizer normalizer{kInstruments};
        normalize(normalizer, kSnapshot);
        auto out = normalize(normalizer, update(12, 15)); // 10 was the last seqId
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::BookSequence);
        QCOMPARE(out.gaps[0].firstMissing, qint64(11));
        QCOMPARE(out.gaps[0].lastMissing, qint64(12));
        QCOMPARE(out.snapshotRequests, std::vector<std::uint32_t>{0});
        QVERIFY(out.deltas.empty());
        QVERIFY(normalizer.book(0)->empty());
        // Until the new snapshot, updates are dropped and ask for nothing more.
        out = normalize(normalizer, update(15, 16));
        QCOMPARE(out.bookUpdatesDropped, 1);
        QVERIFY(out.gaps.empty() && out.snapshotRequests.empty());
        out = normalize(normalizer, kSnapshot);
        QCOMPARE(out.snapshots.size(), std::size_t(1));
        QCOMPARE(normalizer.book(0)->bids().size(), std::size_t(2));
    }

    void checksumMismatchResubscribes()
    {
        OkxNormalizer normalizer{kInstruments};
        normalize(normalizer, kSnapshot);
        auto out = normalize(normalizer, update(10, 15, 12345));
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::Checksum);
        QVERIFY2(QString::fromStdString(out.gaps[0].cause).contains("12345 sent, 831078360"),
            out.gaps[0].cause.c_str());
        QCOMPARE(out.snapshotRequests, std::vector<std::uint32_t>{0});
        QVERIFY(out.deltas.empty());
        QCOMPARE(out.events.at(0).kind, model::FeedEvent::Kind::Resync);
        // A snapshot whose checksum is wrong is not kept either.
        out = normalize(
            normalizer, books("snapshot", -1, 20, R"(["3366.1","7","0","1"])", "", -1881014294));
        QVERIFY(out.snapshots.empty());
        QCOMPARE(out.gaps.at(0).kind, model::Gap::Kind::Checksum);
    }

    void checksumUsesTheTextAsSent()
    {
        // "3366.10" and "3366.1" are one price but not one checksum.
        OkxNormalizer normalizer{kInstruments};
        const auto out = normalize(normalizer,
            books("snapshot", -1, 10, R"(["3366.10","7","0","1"],["3366","6","0","2"])",
                R"(["3366.8","9","0","1"],["3368","8","0","3"])", -1881014294));
        QCOMPARE(out.gaps.size(), std::size_t(1));
        QCOMPARE(out.gaps[0].kind, model::Gap::Kind::Checksum);
    }

    void historyTrades()
    {
        OkxNormalizer normalizer{kInstruments};
        const auto out = normalizeBackfill(normalizer, "ETH-USDT",
            R"({"code":"0","msg":"","data":[)"
            R"({"instId":"ETH-USDT","side":"sell","sz":"0.00001","px":"29963.2",)"
            R"("tradeId":"242720720","ts":"1654161646974"},)"
            R"({"instId":"ETH-USDT","side":"buy","sz":"2","px":"29963.1",)"
            R"("tradeId":"242720719","ts":"1654161646970"}]})");
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.backfillAnswered, std::vector<std::uint32_t>{1});
        QCOMPARE(out.backfilledTrades.size(), std::size_t(2));
        const model::Trade &newest = out.backfilledTrades[0];
        QCOMPARE(newest.tradeId, qint64(242720720));
        QCOMPARE(newest.price, dec("29963.2"));
        QCOMPARE(newest.size, dec("0.00001"));
        QCOMPARE(newest.side, model::Side::Sell);
        QCOMPARE(newest.exchangeTimeNs, qint64(1'654'161'646'974'000'000));
        QCOMPARE(out.backfilledTrades[1].side, model::Side::Buy);
        QVERIFY(out.trades.empty());

        QVERIFY(
            refusedWith(normalizeBackfill(normalizer, "ETH-USDT",
                            R"({"code":"51001","msg":"Instrument ID does not exist","data":[]})"),
                "OKX answered code 51001: Instrument ID does not exist"));
        // A trade of another instrument in the answer is not taken for this one's.
        QVERIFY(refusedWith(normalizeBackfill(normalizer, "ETH-USDT",
                                R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT","side":"buy",)"
                                R"("sz":"1","px":"1","tradeId":"5","ts":"1654161646970"}]})"),
            "trade of BTC-USDT in the channel of ETH-USDT"));
    }

    void adapterSubscribesAndResubscribes()
    {
        feeds::FeedSettings settings{
            .feed = "okx", .adapter = "okx", .instruments = kInstruments.all()};
        settings.options["websocket_url"] = "ws://127.0.0.1:1/ws/v5/public";
        const auto adapter = describeAdapter().create(settings);
        const std::uint32_t both[] = {0, 1};
        const auto subscribe = adapter->subscribeMessages(both);
        QCOMPARE(subscribe.size(), qsizetype(1));
        QCOMPARE(subscribe[0],
            QByteArray(R"({"args":[{"channel":"trades","instId":"BTC-USDT"},)"
                       R"({"channel":"books","instId":"BTC-USDT"},)"
                       R"({"channel":"trades","instId":"ETH-USDT"},)"
                       R"({"channel":"books","instId":"ETH-USDT"}],"op":"subscribe"})"));
        const auto again = adapter->resubscribeMessages(1);
        QCOMPARE(again.size(), qsizetype(2));
        QVERIFY(again[0].contains(R"("op":"unsubscribe")") && again[0].contains("ETH-USDT"));
        QVERIFY(again[1].contains(R"("op":"subscribe")") && !again[1].contains("trades"));
        QCOMPARE(adapter->keepAliveMessage(), QByteArray("ping"));
        QVERIFY(adapter->feedThreadCanSkip(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},)"));
        QVERIFY(!adapter->feedThreadCanSkip(kSnapshot));
        QCOMPARE(adapter->traits().streamsPerConnection, std::size_t(28));
        QCOMPARE(adapter->backfillUrl(1, 242720721, 100),
            QUrl(QStringLiteral("https://www.okx.com/api/v5/market/history-trades?instId=ETH-USDT&"
                                "type=1&after=242720721&limit=100")));
    }
};

QTEST_GUILESS_MAIN(TestOkxFeed)
#include "test_okx_feed.moc"
