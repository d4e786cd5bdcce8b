// The REST pacer keeps every minute of requests inside the exchange's weight limit, also for a
// storm of 200 book resnapshots at once, and holds everything back after a 429 or 418.
#include "app/feeds/request_pacer.h"

#include <QTest>
#include <vector>

using namespace tickscope;
using namespace std::chrono_literals;
using Clock = feeds::RequestPacer::Clock;

class TestRequestPacer : public QObject
{
    Q_OBJECT

private slots:
    void waitsForTheWindowToFree()
    {
        feeds::RequestPacer pacer{100, 1min};
        const Clock::time_point t0{};
        QCOMPARE(pacer.reserve(40, t0).count(), 0);
        QCOMPARE(pacer.reserve(40, t0).count(), 0);
        // 120 would overdraw: it goes when the first 40 leave the window.
        QCOMPARE(pacer.reserve(40, t0), std::chrono::milliseconds(60s));
        // Then 40 (second) + 40 (third, sent at 60 s) are in the window until 60 s.
        QCOMPARE(pacer.reserve(40, t0 + 1s), std::chrono::milliseconds(59s));
    }

    // A reconnect asks for every book at once: Binance's 200 snapshots of weight 250 against
    // four fifths of 6000 a minute. No minute may carry more than the budget.
    void aStormOfResnapshotsStaysWithinTheLimit()
    {
        constexpr int kBudget = 6000 * 4 / 5;
        constexpr int kWeight = 250;
        feeds::RequestPacer pacer{kBudget, 1min};
        const Clock::time_point t0{};
        std::vector<Clock::time_point> sent;
        for (int i = 0; i < 200; ++i)
            sent.push_back(t0 + pacer.reserve(kWeight, t0));
        for (const auto start : sent) {
            int weight = 0;
            for (const auto at : sent)
                if (at >= start && at < start + 1min)
                    weight += kWeight;
            QVERIFY2(weight <= kBudget, qPrintable(QString::number(weight)));
        }
        // 19 fit in a minute: the last of 200 goes after 10 full windows.
        QCOMPARE(std::chrono::duration_cast<std::chrono::minutes>(sent.back() - t0).count(), 10);
    }

    void aTooManyAnswerHoldsEverythingBack()
    {
        feeds::RequestPacer pacer{0, 1min}; // no limit known
        const Clock::time_point t0{};
        QCOMPARE(pacer.reserve(1'000'000, t0).count(), 0);
        pacer.backOff(30s, t0);
        QCOMPARE(pacer.reserve(1, t0 + 1s), std::chrono::milliseconds(29s));
        // A shorter Retry-After later does not shorten the pause.
        pacer.backOff(5s, t0 + 2s);
        QCOMPARE(pacer.reserve(1, t0 + 10s), std::chrono::milliseconds(20s));
        QCOMPARE(pacer.reserve(1, t0 + 31s).count(), 0);

        // A Retry-After of years (a hostile or broken answer; eeff8bb waited it out) holds
        // requests back for the longest ban an exchange gives, no longer.
        pacer.backOff(std::chrono::hours(24 * 365 * 50), t0 + 40s);
        QCOMPARE(pacer.reserve(1, t0 + 40s),
            std::chrono::milliseconds(feeds::RequestPacer::kLongestPause));
    }
};

QTEST_GUILESS_MAIN(TestRequestPacer)
#include "test_request_pacer.moc"
