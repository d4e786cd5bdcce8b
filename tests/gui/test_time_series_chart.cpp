// The time-series chart of the Storage, Replication and Latency pages keeps its axis labels
// readable at every size a page gives it: no more value labels than the plot's height has room
// for (Qt Charts elides labels that overlap, to "..."), and times with seconds when the range is
// short, dates when it is long. Offscreen, no database.
#include "widgets/time_series_chart.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QFontMetrics>
#include <QTest>
#include <QValueAxis>

using namespace tickscope;

class TestTimeSeriesChart : public QObject
{
    Q_OBJECT

private slots:
    void labelsFitTheSize_data()
    {
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("spanSeconds");
        QTest::addColumn<QString>("timeFormat");
        QTest::newRow("the Storage page's least height, ten minutes") << 180 << 600 << "HH:mm:ss";
        QTest::newRow("a middle height, a day") << 260 << 86'400 << "MM-dd HH:mm";
        QTest::newRow("tall, an hour") << 500 << 3600 << "HH:mm:ss";
    }

    void labelsFitTheSize()
    {
        QFETCH(int, height);
        QFETCH(int, spanSeconds);
        QFETCH(QString, timeFormat);
        widgets::TimeSeriesChart chart{
            QStringLiteral("Compression ratio"), QStringLiteral("%.0f:1")};
        chart.resize(900, height);
        const QDateTime start = QDateTime::fromSecsSinceEpoch(1'796'000'000, QTimeZone::UTC);
        chart.setPoints(
            {{start, QStringLiteral("market_data.trades"), 12.9},
                {start.addSecs(spanSeconds), QStringLiteral("market_data.trades"), 14.2}},
            QString());
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QApplication::processEvents();

        QChart *drawn = chart.findChild<QChartView *>()->chart();
        const auto *values = static_cast<QValueAxis *>(drawn->axes(Qt::Vertical).front());
        const double labelSpacing = drawn->plotArea().height() / (values->tickCount() - 1);
        QVERIFY2(labelSpacing >= QFontMetrics(values->labelsFont()).height(),
            qPrintable(QStringLiteral("%1 labels %2 px apart")
                    .arg(values->tickCount())
                    .arg(labelSpacing)));
        QCOMPARE(static_cast<QDateTimeAxis *>(drawn->axes(Qt::Horizontal).front())->format(),
            timeFormat);
    }
};

QTEST_MAIN(TestTimeSeriesChart)
#include "test_time_series_chart.moc"
