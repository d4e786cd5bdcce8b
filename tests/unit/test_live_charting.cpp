// The path of a committed trade to the Live page's charts: the writer's bounded queue (nothing
// blocks, overflow is counted), the chart's ring buffer and its min/max decimation, which a frame
// keeps up to date from the new points alone and which equals one made afresh; stored points put
// in front of those kept.
#include "app/ingest/live_trade_queue.h"
#include "widgets/min_max_columns.h"
#include "widgets/tick_ring.h"

#include <QTest>
#include <algorithm>
#include <thread>

using namespace tickscope;

namespace {

widgets::TickRing rampRing(std::size_t capacity, std::size_t points)
{
    widgets::TickRing ring(capacity);
    for (std::size_t at = 0; at < points; ++at)
        ring.append({static_cast<qint64>(at), static_cast<double>(at % 1000), 1.0});
    return ring;
}

} // namespace

class TestLiveCharting : public QObject
{
    Q_OBJECT

private slots:
    void ringKeepsTheNewestInOrder()
    {
        widgets::TickRing ring = rampRing(1000, 2500);
        QCOMPARE(ring.size(), 1000u);
        QCOMPARE(ring.at(0).timeMs, 1500);
        QCOMPARE(ring.newest().timeMs, 2499);
        for (std::size_t at = 1; at < ring.size(); ++at)
            QVERIFY(ring.at(at - 1).timeMs < ring.at(at).timeMs);
        QCOMPARE(ring.lowerBound(1400), 0u);
        QCOMPARE(ring.lowerBound(2000), 500u);
        QCOMPARE(ring.lowerBound(9999), 1000u);
    }

    void ringRefusesALatePoint()
    {
        widgets::TickRing ring(10);
        QVERIFY(ring.append({100, 1, 1}));
        QVERIFY(ring.append({100, 2, 1})); // the same millisecond is in order
        QVERIFY(!ring.append({99, 3, 1}));
        QCOMPARE(ring.size(), 2u);
        QCOMPARE(ring.latePoints(), 1);
    }

    void ringTakesOlderPointsInFront()
    {
        widgets::TickRing ring(10);
        for (qint64 time = 100; time < 106; ++time)
            ring.append({time, static_cast<double>(time), 1});
        std::vector<widgets::TickPoint> older;
        for (qint64 time = 90; time < 100; ++time)
            older.push_back({time, static_cast<double>(time), 1});
        // 102.. stay; of the older ones, the newest six fit.
        ring.prepend(older, 102);
        QCOMPARE(ring.size(), 10u);
        QCOMPARE(ring.at(0).timeMs, 94);
        QCOMPARE(ring.at(5).timeMs, 99);
        QCOMPARE(ring.at(6).timeMs, 102);
        QCOMPARE(ring.newest().timeMs, 105);
        QCOMPARE(ring.oldestSequence(), 0u);
        QCOMPARE(ring.appended(), 10u);
        QVERIFY(ring.append({106, 106, 1}));
        QCOMPARE(ring.at(0).timeMs, 95);
        QCOMPARE(ring.newest().timeMs, 106);
        QCOMPARE(ring.bySequence(10).timeMs, 106);
    }

    void decimationKeepsEverySpike_data()
    {
        QTest::addColumn<int>("columns");
        QTest::newRow("one column") << 1;
        QTest::newRow("a narrow chart") << 200;
        QTest::newRow("a wide chart") << 1900;
    }

    void decimationKeepsEverySpike()
    {
        QFETCH(int, columns);
        // A million trades over 1000 s, a gentle wave with one spike up and one down.
        widgets::TickRing ring(1 << 20);
        for (qint64 at = 0; at < 1'000'000; ++at) {
            double price = 100 + static_cast<double>(at % 997) / 997;
            if (at == 123'457)
                price = 250;
            if (at == 876'543)
                price = 5;
            ring.append({at / 1000, price, 0.5});
        }
        const auto window = widgets::MinMaxColumns().window(ring, 0, 1000, columns);
        QCOMPARE(window.pointsInWindow, 1'000'000u);
        QVERIFY(window.prices.size() <= 4 * columns);
        QCOMPARE(window.highPrice, 250.0);
        QCOMPARE(window.lowPrice, 5.0);
        QCOMPARE(window.prices.front().y(), 100.0); // the first trade
        QCOMPARE(window.prices.back().y(), ring.newest().price);
        for (qsizetype at = 1; at < window.prices.size(); ++at)
            QVERIFY(window.prices[at - 1].x() <= window.prices[at].x());
        // The bars hold every trade's size once.
        double total = 0;
        for (qsizetype at = 1; at < window.volumeBars.size(); at += 4)
            total += window.volumeBars[at].y();
        QCOMPARE(total, 500'000.0);
    }

    void decimationOfAWindow()
    {
        widgets::TickRing ring = rampRing(100, 100); // prices 0..99 at 0..99 ms
        const auto window = widgets::MinMaxColumns().window(ring, 50, 60, 10);
        QCOMPARE(window.pointsInWindow, 10u);
        // The line starts at the left edge with the last price before the window.
        QCOMPARE(window.prices.front(), QPointF(50, 49));
        QCOMPARE(window.prices.size(), 11);
        QCOMPARE(window.lowPrice, 49.0);
        QCOMPARE(window.highPrice, 59.0);
        const auto after = widgets::MinMaxColumns().window(ring, 200, 300, 10);
        QCOMPARE(after.prices, QList<QPointF>{QPointF(200, 99)}); // the last price, at the edge
        QCOMPARE(after.pointsInWindow, 0u);
        QVERIFY(widgets::MinMaxColumns().window(widgets::TickRing(4), 0, 10, 10).prices.isEmpty());
    }

    void framesReadOnlyTheNewPoints()
    {
        // A sliding 10 s window over a ring of 50,000 points that wraps, 1,000 points a frame.
        widgets::TickRing ring(50'000);
        widgets::MinMaxColumns columns;
        std::uint64_t state = 7;
        qint64 time = 0;
        for (int frame = 0; frame < 120; ++frame) {
            for (int at = 0; at < 1000; ++at) {
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                time += static_cast<qint64>(state >> 62); // 0 to 3 ms apart
                ring.append({time, 100.0 + static_cast<double>(state >> 40) / (1 << 24), 1.0});
            }
            const qint64 to = ring.newest().timeMs + 1;
            const auto kept = columns.window(ring, to - 10'000, to, 500);
            if (frame > 0)
                QCOMPARE(columns.pointsRead(), 1000u);
            const auto fresh = widgets::MinMaxColumns().window(ring, to - 10'000, to, 500);
            QCOMPARE(kept.prices, fresh.prices);
            QCOMPARE(kept.volumeBars, fresh.volumeBars);
            QCOMPARE(kept.pointsInWindow, fresh.pointsInWindow);
        }
        // Zooming out reads the ring again, once.
        const qint64 to = ring.newest().timeMs + 1;
        columns.window(ring, to - 60'000, to, 500);
        QVERIFY(columns.pointsRead() > 1000u);
        columns.window(ring, to - 60'000, to, 500);
        QCOMPARE(columns.pointsRead(), 0u);
    }

    void queueDropsWhatDoesNotFitAndCountsIt()
    {
        ingest::LiveTradeQueue queue(64);
        std::vector<model::LiveTrade> trades(1000);
        for (std::size_t at = 0; at < trades.size(); ++at)
            trades[at].exchangeTimeNs = static_cast<std::int64_t>(at);
        const std::size_t taken = queue.push(trades);
        QVERIFY(taken >= 64 && taken < 1000);
        QCOMPARE(queue.dropped(), static_cast<std::int64_t>(1000 - taken));
        std::vector<model::LiveTrade> drained;
        QCOMPARE(queue.drain(drained), taken);
        for (std::size_t at = 0; at < drained.size(); ++at)
            QCOMPARE(drained[at].exchangeTimeNs, static_cast<std::int64_t>(at));
        // Room again after the drain.
        QCOMPARE(queue.push(std::span(trades).first(10)), 10u);
    }

    void queueBetweenTwoThreadsLosesNothingThatFits()
    {
        ingest::LiveTradeQueue queue(1 << 12);
        constexpr std::int64_t kTrades = 2'000'000;
        std::thread writer([&queue] {
            std::vector<model::LiveTrade> batch(100);
            for (std::int64_t next = 0; next < kTrades;) {
                for (auto &trade : batch)
                    trade.exchangeTimeNs = next++;
                std::span<const model::LiveTrade> left(batch);
                while (!left.empty()) // retries what did not fit, as a test may
                    left = left.subspan(queue.push(left));
            }
        });
        std::vector<model::LiveTrade> drained;
        drained.reserve(kTrades);
        while (static_cast<std::int64_t>(drained.size()) < kTrades)
            queue.drain(drained, 1000);
        writer.join();
        for (std::int64_t at = 0; at < kTrades; ++at) {
            if (drained[static_cast<std::size_t>(at)].exchangeTimeNs != at)
                QFAIL(qPrintable(QStringLiteral("trade %1 out of order").arg(at)));
        }
    }
};

QTEST_GUILESS_MAIN(TestLiveCharting)
#include "test_live_charting.moc"
