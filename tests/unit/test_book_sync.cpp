// Binance's local-book procedure: buffering, snapshot alignment, continuity, stale diffs and
// resynchronisation after a break.
#include "app/feeds/binance/book_sync.h"

#include <QTest>
#include <format>

using namespace tickscope;
using feeds::binance::BookSync;

namespace {

model::Decimal dec(const char *text)
{
    return *model::Decimal::parse(text);
}

model::BookDelta delta(std::int64_t first, std::int64_t last,
    std::vector<model::PriceLevel> bids = {}, std::vector<model::PriceLevel> asks = {})
{
    return {.exchangeTimeNs = last * 1000,
        .instrument = 3,
        .firstSequence = first,
        .sequence = last,
        .bids = std::move(bids),
        .asks = std::move(asks)};
}

model::BookSnapshot snapshot(std::int64_t sequence)
{
    return {.instrument = 3,
        .sequence = sequence,
        .bids = {{dec("100"), dec("1")}, {dec("99"), dec("2")}},
        .asks = {{dec("101"), dec("1")}, {dec("102"), dec("5")}}};
}

} // namespace

class TestBookSync : public QObject
{
    Q_OBJECT

private slots:
    void synchronizesFromBufferedDiffs()
    {
        BookSync sync{3};
        QVERIFY(sync.onDelta(delta(1, 3)).needSnapshot);
        QVERIFY(!sync.onDelta(delta(4, 6, {{dec("100"), dec("0")}})).needSnapshot);
        sync.onDelta(delta(7, 9, {}, {{dec("101.5"), dec("3")}}));
        QCOMPARE(sync.state(), BookSync::State::AwaitingSnapshot);
        QCOMPARE(sync.buffered(), std::size_t(3));

        const auto outcome = sync.onSnapshot(snapshot(5));
        QCOMPARE(outcome.applied, 2);
        QCOMPARE(outcome.dropped, 1);
        QVERIFY(!outcome.gap);
        QCOMPARE(sync.state(), BookSync::State::Live);
        QCOMPARE(sync.lastUpdateId(), 9);
        // 4..6 straddles the snapshot and removed bid 100; 7..9 added ask 101.5.
        QCOMPARE(sync.book().bestBid()->price, dec("99"));
        QCOMPARE(sync.book().bestAsk()->price, dec("101"));
        QCOMPARE(sync.book().asks()[1].price, dec("101.5"));
        QCOMPARE(sync.book().asks().size(), std::size_t(3));
    }

    void asksAgainWhenTheSnapshotIsTooOld()
    {
        BookSync sync{3};
        sync.onDelta(delta(10, 12));
        const auto old = sync.onSnapshot(snapshot(5));
        QVERIFY(old.needSnapshot);
        QCOMPARE(sync.state(), BookSync::State::AwaitingSnapshot);
        sync.onDelta(delta(13, 15));
        QVERIFY(!sync.onSnapshot(snapshot(11)).needSnapshot);
        QCOMPARE(sync.state(), BookSync::State::Live);
        QCOMPARE(sync.lastUpdateId(), 15);
    }

    void snapshotRightBeforeTheFirstDiffConnects()
    {
        BookSync sync{3};
        sync.onDelta(delta(10, 12));
        QVERIFY(!sync.onSnapshot(snapshot(9)).needSnapshot);
        QCOMPARE(sync.lastUpdateId(), 12);
    }

    void ignoresStaleDiffs()
    {
        BookSync sync{3};
        sync.onDelta(delta(1, 1));
        sync.onSnapshot(snapshot(5));
        QCOMPARE(sync.onDelta(delta(3, 5, {{dec("100"), dec("0")}})).dropped, 1);
        QCOMPARE(sync.book().bestBid()->price, dec("100"));
        QVERIFY(sync.onDelta(delta(6, 6)).applied);
    }

    void breakDiscardsTheBookAndReportsTheGap()
    {
        BookSync sync{3};
        sync.onDelta(delta(1, 1));
        sync.onSnapshot(snapshot(5));
        sync.onDelta(delta(6, 8));
        const auto outcome = sync.onDelta(delta(12, 14));
        QVERIFY(outcome.gap);
        QCOMPARE(outcome.gap->kind, model::Gap::Kind::BookSequence);
        QCOMPARE(outcome.gap->instrument, 3u);
        QCOMPARE(outcome.gap->firstMissing, 9);
        QCOMPARE(outcome.gap->lastMissing, 11);
        QCOMPARE(outcome.gap->beforeTimeNs, 8000);
        QCOMPARE(outcome.gap->afterTimeNs, 14000);
        QVERIFY(outcome.needSnapshot);
        QCOMPARE(sync.state(), BookSync::State::AwaitingSnapshot);
        QVERIFY(sync.book().empty());

        // The diff that revealed the break is kept for the next snapshot.
        QVERIFY(!sync.onSnapshot(snapshot(13)).needSnapshot);
        QCOMPARE(sync.lastUpdateId(), 14);
    }

    void snapshotWithoutBufferedDiffs()
    {
        BookSync sync{3};
        sync.onDelta(delta(1, 2));
        sync.onSnapshot(snapshot(2));
        QCOMPARE(sync.state(), BookSync::State::Live);
        QCOMPARE(sync.lastUpdateId(), 2);
        QCOMPARE(sync.book().bids().size(), std::size_t(2));
    }

    // Diffs that add levels and never remove them (a broken or hostile feed) keep the book to
    // its cap, with the best levels; on eeff8bb it grew with every level sent.
    void aBookThatOnlyGrowsIsCapped()
    {
        BookSync sync{3};
        sync.onSnapshot(snapshot(1));
        constexpr std::int64_t kLevels = feeds::LocalBook::kMaxLevelsPerSide + 500;
        std::vector<model::PriceLevel> bids;
        std::vector<model::PriceLevel> asks;
        for (std::int64_t level = 1; level <= kLevels; ++level) {
            bids.push_back({dec(std::format("99.{:06}", 1'000'000 - level).c_str()), dec("1")});
            asks.push_back({dec(std::format("{}", 101 + level).c_str()), dec("1")});
        }
        QVERIFY(!sync.onDelta(delta(2, 2, bids, asks)).gap);
        QCOMPARE(sync.book().bids().size(), feeds::LocalBook::kMaxLevelsPerSide);
        QCOMPARE(sync.book().asks().size(), feeds::LocalBook::kMaxLevelsPerSide);
        QCOMPARE(sync.book().bestBid()->price, dec("100"));
        QCOMPARE(sync.book().bestAsk()->price, dec("101"));
        QCOMPARE(sync.book().asks().back().price,
            dec(std::format("{}", 101 + feeds::LocalBook::kMaxLevelsPerSide - 1).c_str()));
    }
};

QTEST_GUILESS_MAIN(TestBookSync)
#include "test_book_sync.moc"
