// Batch assembly as the writer and replay do it, with exchanges of either kind of trade id: where
// ids are contiguous a hole is a trade-id gap; where they cannot show holes, the window between a
// disconnect and the next connect is a Disconnect gap of every instrument, and a symbol silent far
// beyond its pace a Silence gap. A trade-id gap is backfilled a page at a time, as each exchange's
// history endpoint pages: from an id, before an id, or after a time.
#include "app/ingest/batch_assembler.h"
#include "tests/support/line_adapter.h"

#include <QTest>
#include <numeric>

using namespace tickscope;
using TradeIds = feeds::ExchangeTraits::TradeIds;
using Backfill = feeds::ExchangeTraits::Backfill;

Q_DECLARE_METATYPE(TradeIds)
Q_DECLARE_METATYPE(Backfill)

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

constexpr std::int64_t kFirstTradeMs = 1'767'225'600'000;

// Trade `id` of BTCUSD, one a second.
std::string historyLine(std::int64_t id)
{
    return std::format("BTCUSD,{},100,1,B,{}", id, kFirstTradeMs + id * 1000);
}

// What an exchange keeping BTCUSD's trades `ids` answers to a page request.
std::string historyPage(
    Backfill paging, const std::vector<std::int64_t> &ids, std::int64_t cursor, int limit)
{
    std::vector<std::int64_t> page;
    if (paging == Backfill::BeforeId) {
        for (auto it = ids.rbegin(); it != ids.rend() && std::ssize(page) < limit; ++it) {
            if (*it < cursor)
                page.push_back(*it); // newest first
        }
    } else {
        for (const std::int64_t id : ids) {
            const std::int64_t key = paging == Backfill::FromId
                ? id
                : (kFirstTradeMs + id * 1000) * 1'000'000 - 1; // `since` is exclusive
            if (key >= cursor && std::ssize(page) < limit)
                page.push_back(id);
        }
    }
    std::string body;
    for (const std::int64_t id : page)
        body += (body.empty() ? "" : "\n") + historyLine(id);
    return body;
}

// A gap of BTCUSD's trade ids 2..11 (1 and 12 streamed), backfilled from an exchange keeping
// `kept` (or answering "ERROR" to the first page when `refuseFirst`), with pages of at most 4
// trades. The requests' cursors, and the batch.
struct BackfillRun
{
    std::vector<std::int64_t> cursors;
    db::IngestBatch batch;
};

BackfillRun backfillGap(Backfill paging, const std::vector<std::int64_t> &kept, bool refuseFirst)
{
    const testing::LineAdapter adapter{
        {{"venue", "BTCUSD", "BTC", "USD"}}, TradeIds::Contiguous, 0, paging, 4};
    std::vector<std::pair<std::int64_t, int>> requests;
    ingest::BatchAssembler assembler{adapter, [&](std::uint32_t, std::int64_t cursor, int limit) {
                                         requests.emplace_back(cursor, limit);
                                     }};
    BackfillRun run;
    std::int64_t index = 0;
    auto absorb = [&](feeds::RawKind kind, std::uint32_t tag, const std::string &payload) {
        assembler.absorb({kind, tag, (index + 1) * kSecond, payload}, {0, index}, run.batch);
        ++index;
    };
    absorb(feeds::RawKind::WebSocketText, 0, historyLine(1));
    absorb(feeds::RawKind::WebSocketText, 0, historyLine(12));
    while (!requests.empty() && run.cursors.size() < 20) {
        const auto [cursor, limit] = requests.front();
        requests.erase(requests.begin());
        run.cursors.push_back(cursor);
        const std::string body = refuseFirst && run.cursors.size() == 1
            ? std::string("ERROR the exchange is busy")
            : historyPage(paging, kept, cursor, limit);
        absorb(feeds::RawKind::RestResponse,
            static_cast<std::uint32_t>(feeds::RestTopic::TradeBackfill),
            feeds::encodeRestPayload("BTCUSD", body));
    }
    return run;
}

std::vector<std::int64_t> idsStored(const db::IngestBatch &batch)
{
    std::vector<std::int64_t> ids;
    for (const auto &trade : batch.trades)
        ids.push_back(trade.tradeId);
    std::ranges::sort(ids);
    return ids;
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

    void backfillPages_data()
    {
        QTest::addColumn<Backfill>("paging");
        QTest::addColumn<QList<qint64>>("cursors");
        const std::int64_t sinceFirst = (kFirstTradeMs + 1000) * 1'000'000 - 1;
        // Pages of 4 from id 2 on; the last asks only for what is still missing.
        QTest::newRow("from id") << Backfill::FromId << QList<qint64>{2, 6, 10};
        // Newest first below 12, down to 2.
        QTest::newRow("before id") << Backfill::BeforeId << QList<qint64>{12, 8, 4};
        // From just before trade 1's time; each page starts again at the last page's newest
        // time, so a time shared by trades is never skipped.
        QTest::newRow("since time") << Backfill::SinceTime
                                    << QList<qint64>{sinceFirst, sinceFirst + 3'000'000'000,
                                           sinceFirst + 6'000'000'000, sinceFirst + 9'000'000'000};
    }

    void backfillPages()
    {
        QFETCH(Backfill, paging);
        QFETCH(QList<qint64>, cursors);
        std::vector<std::int64_t> history(20);
        std::iota(history.begin(), history.end(), 1);
        const BackfillRun run = backfillGap(paging, history, false);
        QCOMPARE(QList<qint64>(run.cursors.begin(), run.cursors.end()), cursors);
        // The streamed 1 and 12, and each missing trade once.
        std::vector<std::int64_t> expected(12);
        std::iota(expected.begin(), expected.end(), 1);
        QCOMPARE(idsStored(run.batch), expected);
        QCOMPARE(run.batch.resolvedGaps.size(), std::size_t(1));
        QVERIFY(run.batch.resolvedGaps.front().backfilled);
        QCOMPARE(run.batch.resolvedGaps.front().note,
            std::string("10 of 10 missing trades fetched from the exchange"));
    }

    // Trades the exchange no longer has: the gap is settled as unrecoverable, with how many of
    // its trades came.
    void backfillOfLostTrades_data() { backfillPages_data(); }
    void backfillOfLostTrades()
    {
        QFETCH(Backfill, paging);
        const std::vector<std::int64_t> history{1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14};
        const BackfillRun run = backfillGap(paging, history, false);
        QCOMPARE(
            idsStored(run.batch), (std::vector<std::int64_t>{1, 2, 3, 4, 7, 8, 9, 10, 11, 12}));
        QCOMPARE(run.batch.resolvedGaps.size(), std::size_t(1));
        QVERIFY(!run.batch.resolvedGaps.front().backfilled);
        QCOMPARE(run.batch.resolvedGaps.front().note,
            std::string("8 of 10 missing trades fetched from the exchange"));
    }

    // An answer that cannot be used leaves the gap open (no further page is asked for), for
    // the next start to ask again.
    void refusedBackfillLeavesTheGapOpen_data() { backfillPages_data(); }
    void refusedBackfillLeavesTheGapOpen()
    {
        QFETCH(Backfill, paging);
        std::vector<std::int64_t> history(20);
        std::iota(history.begin(), history.end(), 1);
        const BackfillRun run = backfillGap(paging, history, true);
        QCOMPARE(run.cursors.size(), std::size_t(1));
        QCOMPARE(idsStored(run.batch), (std::vector<std::int64_t>{1, 12}));
        QVERIFY(run.batch.resolvedGaps.empty());
        QCOMPARE(run.batch.gaps.size(), std::size_t(1));
        QVERIFY(std::ranges::any_of(run.batch.feedEvents, [](const model::FeedEvent &event) {
            return event.detail.find("ERROR the exchange is busy") != std::string::npos;
        }));
    }
};

QTEST_GUILESS_MAIN(TestBatchAssembler)
#include "test_batch_assembler.moc"
