// The live chart's history: the stored trades it loads go in front of those it was given live,
// none twice and none lost, whichever came first; an answer to an older request is ignored, a
// failed one named and asked again; the aggregates' bars before the trades are drawn as price
// ranges and, for candles, continue into the trades' own bars as the same bars `tickscope bars`
// makes of all the trades; trades that leave a full ring are folded into such ranges rather than
// lost; OpenGL paints the chart the raster engine paints. Offscreen, no database (test_console
// loads a history from a real one); the OpenGL case again under Xvfb.
#include "app/analytics/bar_builder.h"
#include "tests/support/charted_bars.h"
#include "widgets/tick_chart.h"

#include <QDateTime>
#include <QDir>
#include <QGuiApplication>
#include <QTest>

using namespace tickscope;

namespace {

constexpr std::int64_t kMsNs = 1'000'000;
constexpr std::int64_t kMinuteNs = 60'000 * kMsNs;
constexpr std::int64_t kHourNs = 60 * kMinuteNs;

// A trade a second for two hours, from a whole hour two hours ago; prices and sizes with few
// decimals, so that the chart's doubles give them back exactly.
std::vector<model::Trade> twoHoursOfTrades()
{
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch() * kMsNs;
    const std::int64_t start = (now / kHourNs - 2) * kHourNs;
    std::vector<model::Trade> trades;
    for (int at = 0; at < 7200; ++at) {
        model::Trade trade;
        trade.exchangeTimeNs = start + at * 1'000 * kMsNs;
        trade.price = *model::Decimal::parse(std::to_string(67000 + (at * 37) % 101) + ".5");
        trade.size = *model::Decimal::parse(at % 3 == 0 ? "0.25" : "0.125");
        trades.push_back(trade);
    }
    return trades;
}

std::vector<widgets::TickPoint> pointsOf(std::span<const model::Trade> trades)
{
    std::vector<widgets::TickPoint> points;
    for (const auto &trade : trades)
        points.push_back(
            {trade.exchangeTimeNs / kMsNs, trade.price.toDouble(), trade.size.toDouble()});
    return points;
}

double volumeOf(const widgets::TickChart &chart)
{
    double volume = 0;
    for (const auto &span : chart.priceSpans())
        volume += span.volume;
    for (std::size_t at = 0; at < chart.ring().size(); ++at)
        volume += chart.ring().at(at).size;
    return volume;
}

// A chart that asks for its history, and the requests it made.
struct ChartUnderTest
{
    explicit ChartUnderTest(std::size_t capacity = widgets::TickChart::kDefaultCapacity)
        : chart(QStringLiteral("test BTCUSDT"), nullptr, capacity)
    {
        chart.resize(900, 300);
        QObject::connect(&chart, &widgets::TickChart::historyWanted,
            [this](const widgets::ChartHistoryRequest &request) { requests.push_back(request); });
    }

    // The answer to the latest request: `trades` from `tradesFromNs`, `bars` before them.
    widgets::ChartHistory answer(std::span<const model::Trade> trades, std::int64_t tradesFromNs,
        std::vector<analytics::Bar> bars = {}) const
    {
        widgets::ChartHistory history{.request = requests.back(), .tradesFromNs = tradesFromNs};
        history.trades = pointsOf(trades);
        history.bars = std::move(bars);
        return history;
    }

    widgets::TickChart chart;
    std::vector<widgets::ChartHistoryRequest> requests;
};

} // namespace

class TestTickChart : public QObject
{
    Q_OBJECT

private slots:
    void storedTradesGoBeforeLiveOnes_data()
    {
        QTest::addColumn<bool>("liveFirst");
        QTest::addColumn<bool>("staleAnswer");
        QTest::newRow("live trades came first") << true << false;
        QTest::newRow("stored trades came first") << false << false;
        QTest::newRow("an answer to an older request") << true << true;
    }

    void storedTradesGoBeforeLiveOnes()
    {
        QFETCH(bool, liveFirst);
        QFETCH(bool, staleAnswer);
        const auto trades = twoHoursOfTrades();
        const auto points = pointsOf(trades);
        ChartUnderTest test;
        test.chart.setWindow(std::chrono::hours(4));
        test.chart.loadHistoryOf("test", "BTCUSDT");
        QCOMPARE(test.requests.size(), std::size_t(1));
        QCOMPARE(test.requests.back().exchange, std::string("test"));
        QCOMPARE(test.requests.back().barWidthNs, kMinuteNs);
        QCOMPARE(test.requests.back().maxTrades, widgets::TickChart::kHistoryTrades);
        // The stored trades, queried while trades 5000.. were being committed: up to 5004.
        auto history = test.answer(std::span(trades).first(5005), trades.front().exchangeTimeNs);
        if (staleAnswer)
            --history.request.serial;
        if (liveFirst) {
            test.chart.append(std::span(points).subspan(5000, 10));
            test.chart.setHistory(history);
        } else {
            test.chart.setHistory(history);
            // Committed before the query, delivered after it: not taken twice.
            test.chart.append(std::span(points).subspan(4995, 15));
        }
        test.chart.append(std::span(points).subspan(5010, 10));
        const auto &ring = test.chart.ring();
        if (staleAnswer) {
            QCOMPARE(ring.size(), std::size_t(20));
            return;
        }
        QCOMPARE(ring.size(), std::size_t(5020));
        for (std::size_t at = 0; at < ring.size(); ++at) {
            QCOMPARE(ring.at(at).timeMs, points[at].timeMs);
            QCOMPARE(ring.at(at).price, points[at].price);
        }
        QCOMPARE(ring.latePoints(), 0);
    }

    void asksAgainWhenTheDatabaseCouldNotAnswer()
    {
        ChartUnderTest test;
        test.chart.loadHistoryOf("test", "BTCUSDT");
        widgets::ChartHistory failed{.request = test.requests.back()};
        failed.error = "connection to server at \"127.0.0.1\", port 5432 failed";
        test.chart.setHistory(failed);
        QVERIFY(!test.chart.awaitingHistory());
        QVERIFY2(test.chart.titleText().contains(QStringLiteral("no stored history")),
            qPrintable(test.chart.titleText()));
        QVERIFY(test.chart.titleText().contains(QStringLiteral("port 5432 failed")));
        QTRY_COMPARE_WITH_TIMEOUT(test.requests.size(), std::size_t(2),
            std::chrono::milliseconds(widgets::TickChart::kHistoryRetry).count() + 2'000);
        QCOMPARE(test.requests.back().serial, test.requests.front().serial + 1);
        // The answer to the new request clears the note.
        const auto trades = twoHoursOfTrades();
        test.chart.setHistory(
            test.answer(std::span(trades).first(10), trades.front().exchangeTimeNs));
        QVERIFY(!test.chart.titleText().contains(QStringLiteral("no stored history")));
        QCOMPARE(test.chart.ring().size(), std::size_t(10));
    }

    void drawsTheAggregatesBeforeTheTrades()
    {
        const auto trades = twoHoursOfTrades();
        ChartUnderTest test;
        test.chart.setWindow(std::chrono::hours(4));
        test.chart.loadHistoryOf("test", "BTCUSDT");
        // Trades from 90 minutes in; 1-minute bars of the stored aggregates before them.
        const std::int64_t tradesFrom = trades.front().exchangeTimeNs + 90 * kMinuteNs;
        const auto split = std::ranges::find_if(
            trades, [&](const model::Trade &trade) { return trade.exchangeTimeNs >= tradesFrom; });
        const std::span before(trades.begin(), split);
        const std::span after(split, trades.end());
        test.chart.setHistory(test.answer(after, tradesFrom,
            analytics::buildBars(*analytics::parseBarSpec("time", "1m"), before)));
        QCOMPARE(test.chart.priceSpans().size(), std::size_t(90));
        QCOMPARE(test.chart.ring().size(), after.size());
        const auto &first = test.chart.priceSpans().front();
        QCOMPARE(first.fromMs, trades.front().exchangeTimeNs / kMsNs);
        QCOMPARE(first.toMs - first.fromMs, 60'000);
        QCOMPARE(first.open, trades.front().price.toDouble());
        double total = 0;
        for (const auto &trade : trades)
            total += trade.size.toDouble();
        QCOMPARE(volumeOf(test.chart), total);

        test.chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&test.chart));
        test.chart.renderFrame();
        QCOMPARE(test.chart.drawnTrades(), after.size());
        QVERIFY(test.chart.titleText().contains(QStringLiteral("1m aggregates before")));
        QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
        QVERIFY(test.chart.grab().save(
            QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/tick_chart_history.png")));
    }

    void candlesContinueTheAggregates()
    {
        const auto trades = twoHoursOfTrades();
        const auto hourly = *analytics::parseBarSpec("time", "1h");
        ChartUnderTest test;
        test.chart.showBars(hourly, {});
        test.chart.loadHistoryOf("test", "BTCUSDT");
        QCOMPARE(test.requests.back().barWidthNs, kHourNs);
        QCOMPARE(test.requests.back().fromNs % kHourNs, 0);
        // Stored trades from 90 minutes in: the second hour's bar is cut there.
        const std::int64_t tradesFrom = trades.front().exchangeTimeNs + 90 * kMinuteNs;
        const auto split = std::ranges::find_if(
            trades, [&](const model::Trade &trade) { return trade.exchangeTimeNs >= tradesFrom; });
        const std::span before(trades.begin(), split);
        const auto stored = analytics::buildBars(hourly, before);
        QCOMPARE(stored.size(), std::size_t(2));
        test.chart.setHistory(test.answer(std::span(split, trades.end()), tradesFrom, stored));
        test.chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&test.chart));
        test.chart.renderFrame();

        const auto expected = analytics::buildBars(hourly, trades);
        QCOMPARE(testing::chartedParts(test.chart.bars()), testing::chartedParts(expected));
        // The line again: a request of its own, and the hourly bars are not taken for ranges.
        test.chart.showLine();
        QCOMPARE(test.requests.back().barWidthNs, kMinuteNs);
        QVERIFY(test.chart.priceSpans().empty());
    }

    void foldsTradesThatLeaveTheRing()
    {
        const auto trades = twoHoursOfTrades();
        const auto points = pointsOf(trades);
        ChartUnderTest test(100);
        test.chart.setWindow(std::chrono::hours(1));
        test.chart.append(std::span(points).first(1000));
        QCOMPARE(test.chart.ring().size(), std::size_t(100));
        // 900 trades a second apart left the ring: 15 minutes of ranges.
        const auto &spans = test.chart.priceSpans();
        QCOMPARE(spans.size(), std::size_t(15));
        QCOMPARE(spans.front().open, points.front().price);
        QCOMPARE(spans.back().close, points[899].price);
        double high = 0;
        for (std::size_t at = 0; at < 60; ++at)
            high = std::max(high, points[at].price);
        QCOMPARE(spans.front().high, high);
        double total = 0;
        for (std::size_t at = 0; at < 1000; ++at)
            total += points[at].size;
        QCOMPARE(volumeOf(test.chart), total);
    }

    // OpenGL paints what the raster engine paints. Offscreen there is no OpenGL to switch to and
    // the chart says so; test_tick_chart_opengl runs this under Xvfb (Mesa's OpenGL).
    void openGLPaintsTheSameChart()
    {
        const auto points = pointsOf(twoHoursOfTrades());
        ChartUnderTest test;
        test.chart.setWindow(std::chrono::hours(4));
        test.chart.append(points);
        test.chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&test.chart));
        test.chart.renderFrame();
        const QImage raster = test.chart.picture();
        if (QGuiApplication::platformName() == QStringLiteral("offscreen")
            && !widgets::TickChart::openGLAvailable()) {
            QVERIFY(!test.chart.setOpenGL(true));
            QVERIFY(!test.chart.usesOpenGL());
            QSKIP("no OpenGL offscreen: test_tick_chart_opengl runs this under Xvfb");
        }
        QVERIFY(widgets::TickChart::openGLAvailable());
        QVERIFY(test.chart.setOpenGL(true));
        QVERIFY(test.chart.usesOpenGL());
        QTest::qWait(100);
        const QImage gl = test.chart.picture();
        QCOMPARE(gl.size(), raster.size());
        QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
        QVERIFY(gl.save(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/tick_chart_opengl.png")));
        // The same lines, grid and labels: about as many pixels differ from the background.
        auto ink = [](const QImage &image) {
            const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
            const QRgb background = rgb.pixel(rgb.width() - 2, rgb.height() - 2);
            int count = 0;
            for (int y = 0; y < rgb.height(); ++y) {
                for (int x = 0; x < rgb.width(); ++x)
                    count += rgb.pixel(x, y) != background ? 1 : 0;
            }
            return count;
        };
        const int rasterInk = ink(raster);
        const int glInk = ink(gl);
        qInfo("raster %d, OpenGL %d pixels drawn", rasterInk, glInk);
        QVERIFY2(rasterInk > 5'000 && std::abs(glInk - rasterInk) < rasterInk / 10,
            qPrintable(
                QStringLiteral("raster %1, OpenGL %2 pixels drawn").arg(rasterInk).arg(glInk)));
        QVERIFY(test.chart.setOpenGL(false));
        QVERIFY(!test.chart.usesOpenGL());
    }
};

QTEST_MAIN(TestTickChart)
#include "test_tick_chart.moc"
