// Bars and indicators against hand-computed cases: tick, volume, dollar and time bars of five
// trades, a trade that crosses the threshold (it closes its bar whole), thresholds reached
// exactly with decimals that binary floating point cannot add, bars that a gap overlaps, and
// SMA, EMA, RSI, Bollinger bands and VWAP over small series.
#include "app/analytics/indicators.h"

#include <QTest>

using namespace tickscope;
using namespace tickscope::analytics;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

model::Decimal dec(const char *text)
{
    return *model::Decimal::parse(text);
}

model::Trade trade(const char *price, const char *size, model::Side side, double seconds)
{
    return {.exchangeTimeNs = static_cast<std::int64_t>(seconds * kSecond),
        .price = dec(price),
        .size = dec(size),
        .side = side};
}

using model::Side;

// Five trades; notionals 100, 202, 148.5, 51, 309.
const std::vector<model::Trade> kTrades{trade("100", "1", Side::Buy, 0),
    trade("101", "2", Side::Sell, 1), trade("99", "1.5", Side::Buy, 2),
    trade("102", "0.5", Side::Sell, 61), trade("103", "3", Side::Buy, 62)};

// "O H L C volume notional buys sells trades" of each bar.
QStringList describe(const std::vector<Bar> &bars)
{
    QStringList out;
    for (const auto &bar : bars)
        out << QString::fromStdString(std::format("{} {} {} {} {} {} {} {} {}", bar.open.toString(),
            bar.high.toString(), bar.low.toString(), bar.close.toString(), bar.volume.toString(),
            bar.notional.toString(), bar.buyVolume.toString(), bar.sellVolume.toString(),
            bar.trades));
    return out;
}

BarSpec spec(BarKind kind, const char *threshold)
{
    return {.kind = kind,
        .intervalNs = 60 * kSecond,
        .ticks = 2,
        .threshold = Fixed::of(dec(threshold))};
}

} // namespace

Q_DECLARE_METATYPE(BarKind)

class TestBars : public QObject
{
    Q_OBJECT

private slots:
    void bars_data()
    {
        QTest::addColumn<BarKind>("kind");
        QTest::addColumn<QString>("threshold");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("tick bars of 2, the last incomplete")
            << BarKind::Tick << "0"
            << QStringList{"100 101 100 101 3 302 1 2 2", "99 102 99 102 2 199.5 1.5 0.5 2",
                   "103 103 103 103 3 309 3 0 1"};
        QTest::newRow("volume 2.5: the crossing trade closes its bar whole")
            << BarKind::Volume << "2.5"
            << QStringList{"100 101 100 101 3 302 1 2 2", "99 103 99 103 5 508.5 4.5 0.5 3"};
        QTest::newRow("volume 3: reached exactly")
            << BarKind::Volume << "3"
            << QStringList{"100 101 100 101 3 302 1 2 2", "99 103 99 103 5 508.5 4.5 0.5 3"};
        QTest::newRow("dollar 300")
            << BarKind::Dollar << "300"
            << QStringList{"100 101 100 101 3 302 1 2 2", "99 103 99 103 5 508.5 4.5 0.5 3"};
        QTest::newRow("dollar 302.5: the first bar needs the third trade")
            << BarKind::Dollar << "302.5"
            << QStringList{"100 101 99 99 4.5 450.5 2.5 2 3", "102 103 102 103 3.5 360 3 0.5 2"};
        QTest::newRow("time bars of a minute")
            << BarKind::Time << "0"
            << QStringList{"100 101 99 99 4.5 450.5 2.5 2 3", "102 103 102 103 3.5 360 3 0.5 2"};
    }

    void bars()
    {
        QFETCH(BarKind, kind);
        QFETCH(QString, threshold);
        QFETCH(QStringList, expected);
        const auto bars = buildBars(spec(kind, threshold.toUtf8().constData()), kTrades);
        QCOMPARE(describe(bars), expected);
    }

    void timeBarsSpanTheirBucket()
    {
        const auto bars = buildBars(spec(BarKind::Time, "0"), kTrades);
        QCOMPARE(bars[1].openTimeNs, 60 * kSecond);
        QCOMPARE(bars[1].closeTimeNs, 120 * kSecond);
    }

    // 0.7 + 0.1 + 0.2 is 0.9999999999999999 in binary floating point: the bar would not close.
    void thresholdsAreExact()
    {
        const std::vector<model::Trade> trades{trade("1", "0.7", Side::Buy, 0),
            trade("1", "0.1", Side::Buy, 1), trade("1", "0.2", Side::Buy, 2),
            trade("1", "0.4", Side::Buy, 3)};
        const auto bars = buildBars(spec(BarKind::Volume, "1"), trades);
        QCOMPARE(bars.size(), std::size_t(2));
        QCOMPARE(bars[0].trades, std::int64_t(3));
        QCOMPARE(bars[0].volume.toString(), std::string("1"));
        QCOMPARE(Fixed::product(dec("0.1"), dec("0.2")).toString(), std::string("0.02"));
        QCOMPARE(Fixed::product(dec("67000.12"), dec("0.00000001")).toString(),
            std::string("0.0006700012"));

        // A hostile feed's largest values saturate instead of wrapping (on eeff8bb the product
        // below overflowed 128 bits and came out as any number).
        const Fixed huge = Fixed::product(dec("9000000000000000000"), dec("9000000000000000000"));
        QVERIFY(huge > Fixed::of(dec("9000000000000000000")));
        Fixed doubled = huge;
        doubled += huge;
        QCOMPARE(doubled, huge);
        const Fixed negative
            = Fixed::product(dec("-9000000000000000000"), dec("9000000000000000000"));
        QVERIFY(negative < Fixed{});
        QCOMPARE(negative - huge, negative);
    }

    // A bar's sums as PostgreSQL's numeric prints them, of any width (db::ohlcvBars).
    void sumsParseFromNumericText_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("parsed"); // empty: refused
        QTest::newRow("plain") << "12.5" << "12.5";
        QTest::newRow("negative") << "-0.000000000000000001" << "-0.000000000000000001";
        QTest::newRow("36 decimals, cut at 18")
            << "1.123456789012345678901234567890123456" << "1.123456789012345678";
        QTest::newRow("40 digits, saturated") << "1234567890123456789012345678901234567890.5"
                                              << "170141183460469231731.687303715884105727";
        QTest::newRow("trailing zeros") << "100.000000000000000000000" << "100";
        QTest::newRow("exponent") << "1e5" << "";
        QTest::newRow("no digits after the point") << "5." << "";
        QTest::newRow("letters in the fraction") << "1.2x" << "";
        QTest::newRow("NaN") << "NaN" << "";
    }

    void sumsParseFromNumericText()
    {
        QFETCH(QString, text);
        QFETCH(QString, parsed);
        const auto value = Fixed::parse(text.toStdString());
        QCOMPARE(value ? QString::fromStdString(value->toString()) : QString(), parsed);
    }

    void barsOverAGapAreFlagged()
    {
        auto bars = buildBars(spec(BarKind::Tick, "0"), kTrades);
        const model::Gap outage{.kind = model::Gap::Kind::Outage,
            .beforeTimeNs = 30 * kSecond,
            .afterTimeNs = 40 * kSecond};
        flagGaps(bars, std::span{&outage, 1});
        QCOMPARE(bars[0].spansGap, false);
        QCOMPARE(bars[1].spansGap, true); // 2 s .. 61 s
        QCOMPARE(bars[2].spansGap, false);
    }

    void indicators()
    {
        const std::vector<double> rising{1, 2, 3, 4, 5};
        QCOMPARE(sma(rising, 3), (Series{std::nullopt, std::nullopt, 2.0, 3.0, 4.0}));
        QCOMPARE(ema(rising, 3), (Series{std::nullopt, std::nullopt, 2.0, 3.0, 4.0}));
        const std::vector<double> zigzag{1, 2, 3, 2, 3};
        QCOMPARE(rsi(zigzag, 2), (Series{std::nullopt, std::nullopt, 100.0, 50.0, 75.0}));
        QCOMPARE(sma(rising, 0), Series(5));

        const auto bands = bollinger(std::vector<double>{1, 2, 3}, 3, 2);
        QVERIFY(!bands[1]);
        QCOMPARE(bands[2]->middle, 2.0);
        QVERIFY(std::abs(bands[2]->upper - (2 + 2 * std::sqrt(2.0 / 3))) < 1e-12);
        QVERIFY(std::abs(bands[2]->lower - (2 - 2 * std::sqrt(2.0 / 3))) < 1e-12);

        const auto bars = buildBars(spec(BarKind::Tick, "0"), kTrades);
        const Series vwap = cumulativeVwap(bars);
        QVERIFY(std::abs(*vwap[0] - 302.0 / 3) < 1e-12);
        QVERIFY(std::abs(*vwap[1] - 501.5 / 5) < 1e-12);
        QVERIFY(std::abs(*vwap[2] - 810.5 / 8) < 1e-12);
        QVERIFY(std::abs(bars[0].vwap() - 302.0 / 3) < 1e-12);
    }

    void intervals_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("seconds"); // -1: refused
        QTest::newRow("one minute") << "1m" << qint64(60);
        QTest::newRow("ninety seconds") << "90s" << qint64(90);
        QTest::newRow("longest") << "36500d" << qint64(36'500LL * 86'400);
        QTest::newRow("past the longest") << "36501d" << qint64(-1);
        // 999999 days are more nanoseconds than 64 bits hold: once wrapped to a negative span.
        QTest::newRow("wraps 64 bits") << "999999d" << qint64(-1);
        QTest::newRow("zero") << "0m" << qint64(-1);
        QTest::newRow("negative") << "-5m" << qint64(-1);
        QTest::newRow("weeks") << "1w" << qint64(-1);
    }

    void intervals()
    {
        QFETCH(QString, text);
        QFETCH(qint64, seconds);
        const auto interval = parseInterval(text.toStdString());
        if (seconds < 0)
            QVERIFY2(!interval, qPrintable(QString::number(interval.value_or(0))));
        else
            QCOMPARE(interval, std::optional<std::int64_t>(seconds * 1'000'000'000));
    }
};

QTEST_GUILESS_MAIN(TestBars)
#include "test_bars.moc"
