// Batch assembly as the writer and replay do it, with exchanges of either kind of trade id: where
// ids are contiguous a hole is a trade-id gap; where they cannot show holes, the window between a
// disconnect and the next connect is a Disconnect gap of every instrument, and a symbol silent far
// beyond its pace a Silence gap.
#include "app/ingest/batch_assembler.h"
#include "tests/support/line_adapter.h"

#include <QTest>

using namespace tickscope;
using TradeIds = feeds::ExchangeTraits::TradeIds;

Q_DECLARE_METATYPE(TradeIds)

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

struct Message
{
    feeds::RawKind kind;
    std::string payload;
    std::uint32_t tag = 0; // a marker's connection
};

// Assembles `messages`, one a second, into one batch; BTCUSD and ETHUSD, one stream each, at most
// `streamsPerConnection` on a connection.
db::IngestBatch assemble(
    TradeIds ids, const std::vector<Message> &messages, std::size_t streamsPerConnection = 0)
{
    const testing::LineAdapter adapter{
        {{"venue", "BTCUSD", "BTC", "USD"}, {"venue", "ETHUSD", "ETH", "USD"}}, ids,
        streamsPerConnection};
    ingest::BatchAssembler assembler{adapter};
    db::IngestBatch batch;
    std::int64_t index = 0;
    for (const auto &message : messages) {
        assembler.absorb(
            {message.kind, message.tag, (index + 1) * kSecond, message.payload}, {0, index}, batch);
        ++index;
    }
    return batch;
}

Message trade(const char *symbol, const std::string &id, std::int64_t timeMs = 1'767'225'600'000)
{
    return {feeds::RawKind::WebSocketText, std::format("{},{},100,1,B,{}", symbol, id, timeMs)};
}

Message marker(model::FeedEvent::Kind kind, const char *detail, std::uint32_t connection = 0)
{
    return {feeds::RawKind::Marker, feeds::encodeMarker(kind, detail), connection};
}

} // namespace

class TestBatchAssembler : public QObject
{
    Q_OBJECT

private slots:
    void disconnectWindows_data()
    {
        QTest::addColumn<TradeIds>("ids");
        QTest::addColumn<int>("windowGaps");
        QTest::addColumn<int>("tradeIdGaps");
        QTest::newRow("opaque ids: the window is the gap") << TradeIds::Opaque << 2 << 0;
        QTest::newRow("increasing ids: the window is the gap") << TradeIds::Increasing << 2 << 0;
        QTest::newRow("contiguous ids: the ids tell") << TradeIds::Contiguous << 0 << 1;
    }

    void disconnectWindows()
    {
        QFETCH(TradeIds, ids);
        QFETCH(int, windowGaps);
        QFETCH(int, tradeIdGaps);
        using Kind = model::FeedEvent::Kind;
        const auto batch = assemble(ids,
            {marker(Kind::Connect, "ws://a"), trade("BTCUSD", "10"),
                marker(Kind::Disconnect, "close code 1006: gone"),
                marker(Kind::Disconnect, "close code 1006: still gone"),
                marker(Kind::Connect, "ws://a"), trade("BTCUSD", "14")});
        int windows = 0;
        int holes = 0;
        for (const auto &gap : batch.gaps) {
            if (gap.kind == model::Gap::Kind::TradeId) {
                ++holes;
                continue;
            }
            ++windows;
            QCOMPARE(gap.kind, model::Gap::Kind::Disconnect);
            // From the first disconnect (message 3) to the reconnect (message 5).
            QCOMPARE(gap.beforeTimeNs, 3 * kSecond);
            QCOMPARE(gap.afterTimeNs, 5 * kSecond);
            QCOMPARE(gap.cause, std::string("disconnected: close code 1006: gone"));
        }
        QCOMPARE(windows, windowGaps);
        QCOMPARE(holes, tradeIdGaps);
        QCOMPARE(batch.trades.size(), std::size_t(2));
    }

    // A feed on two connections: connection 1 drops while 0 stays; only its instrument (ETHUSD)
    // has the window as a gap, and connection 0's lifetime reconnect does not close it.
    void disconnectOfOneConnection()
    {
        using Kind = model::FeedEvent::Kind;
        const auto batch = assemble(TradeIds::Opaque,
            {marker(Kind::Connect, "ws://a", 0), marker(Kind::Connect, "ws://b", 1),
                marker(Kind::Disconnect, "close code 1006: gone", 1),
                marker(Kind::Disconnect, "lifetime", 0), marker(Kind::Connect, "ws://a", 0),
                marker(Kind::Connect, "ws://b", 1)},
            1);
        QCOMPARE(batch.gaps.size(), std::size_t(2));
        const model::Gap &eth = batch.gaps[0].instrument == 1 ? batch.gaps[0] : batch.gaps[1];
        const model::Gap &btc = batch.gaps[0].instrument == 1 ? batch.gaps[1] : batch.gaps[0];
        QCOMPARE(btc.instrument, 0u);
        QCOMPARE(btc.beforeTimeNs, 4 * kSecond);
        QCOMPARE(btc.afterTimeNs, 5 * kSecond);
        QCOMPARE(eth.beforeTimeNs, 3 * kSecond);
        QCOMPARE(eth.afterTimeNs, 6 * kSecond);
        QCOMPARE(eth.cause, std::string("disconnected: close code 1006: gone"));
    }

    // Book rows of a venue without update ids are numbered by their journal record: unique,
    // increasing, and the same in every replay.
    void bookRowsWithoutUpdateIds()
    {
        const std::vector<Message> messages{{feeds::RawKind::WebSocketText, "BOOK,BTCUSD,100,1"},
            {feeds::RawKind::WebSocketText, "BOOK,BTCUSD,100,2"}};
        const auto batch = assemble(TradeIds::Opaque, messages);
        QCOMPARE(batch.deltas.size(), std::size_t(2));
        QCOMPARE(batch.deltas[0].sequence, std::int64_t(0) << 8); // segment 0, record 0
        QCOMPARE(batch.deltas[1].sequence, std::int64_t(1) << 8); // record 1
        QCOMPARE(batch.deltas[1].firstSequence, batch.deltas[1].sequence);
        QCOMPARE(assemble(TradeIds::Opaque, messages).deltas[1].sequence, batch.deltas[1].sequence);
    }

    // A symbol that traded every 10 ms goes quiet for 59 s (not silent: 100 intervals passed,
    // but not a minute), then for 10 minutes (silent), where ids cannot tell; contiguous ids tell
    // instead.
    void silentSymbols_data()
    {
        QTest::addColumn<TradeIds>("ids");
        QTest::addColumn<int>("silences");
        QTest::newRow("opaque ids") << TradeIds::Opaque << 1;
        QTest::newRow("contiguous ids") << TradeIds::Contiguous << 0;
    }

    void silentSymbols()
    {
        QFETCH(TradeIds, ids);
        QFETCH(int, silences);
        constexpr std::int64_t kStart = 1'767'225'600'000;
        std::vector<Message> messages;
        std::int64_t time = kStart;
        int id = 1;
        for (; id <= 200; ++id, time += 10)
            messages.push_back(trade("ETHUSD", std::to_string(id), time));
        time += 58'990; // 59 s after the last
        messages.push_back(trade("ETHUSD", std::to_string(id++), time));
        const std::int64_t quietFrom = time;
        time += 600'000;
        messages.push_back(trade("ETHUSD", std::to_string(id++), time));
        const auto batch = assemble(ids, messages);
        QCOMPARE(int(batch.gaps.size()), silences);
        if (silences == 0)
            return;
        const model::Gap &gap = batch.gaps.front();
        QCOMPARE(gap.kind, model::Gap::Kind::Silence);
        QCOMPARE(gap.instrument, 1u);
        QCOMPARE(gap.beforeTimeNs, quietFrom * 1'000'000);
        QCOMPARE(gap.afterTimeNs, time * 1'000'000);
        QVERIFY2(gap.cause.starts_with("no trade for 600 s"), gap.cause.c_str());
    }
};

QTEST_GUILESS_MAIN(TestBatchAssembler)
#include "test_batch_assembler.moc"
