// The console's window shows what the connection monitor reports; screenshots go to
// test-artifacts/ for a person to look at.
#include "ui/main_window.h"
#include "widgets/price_chart.h"
#include "widgets/status_badge.h"

#include <QDir>
#include <QLabel>
#include <QTest>

using namespace tickscope;

namespace {

model::DatabaseStatus readyStatus()
{
    model::DatabaseStatus status;
    status.state = model::DatabaseStatus::State::Ready;
    status.endpoint = "tickscope@127.0.0.1:54320/tickscope";
    status.embedded = true;
    status.capabilities.serverVersion = "17.5";
    status.capabilities.timescaleVersion = "2.19.3";
    status.capabilities.edition = model::TimescaleEdition::Apache;
    status.capabilities.currentUser = "tickscope";
    status.capabilities.superuser = true;
    status.roleDescription = "tickscope (superuser)";
    status.schemaVersion = 3;
    status.latestSchemaVersion = 3;
    status.checkedAt = std::chrono::system_clock::now();
    return status;
}

void saveScreenshot(QWidget &window, const QString &name)
{
    QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
    QVERIFY(window.grab().save(
        QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/") + name + QStringLiteral(".png")));
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsAReadyConnection()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showDatabaseStatus(readyStatus());

        auto label = [&](const char *name) {
            return window.findChild<QLabel *>(QLatin1String(name))->text();
        };
        QCOMPARE(label("server"), QStringLiteral("17.5"));
        QCOMPARE(label("timescale"), QStringLiteral("2.19.3"));
        QCOMPARE(label("edition"), QStringLiteral("apache"));
        QCOMPARE(label("features"),
            QStringLiteral("compression: no, continuous aggregates: no, policies: no"));
        QCOMPARE(label("schema"), QStringLiteral("3 of 3"));
        QCOMPARE(label("role"), QStringLiteral("tickscope (superuser)"));
        QVERIFY(label("endpoint").contains(QStringLiteral("embedded")));
        auto *badge = window.findChild<widgets::StatusBadge *>(QStringLiteral("connectionBadge"));
        QCOMPARE(badge->level(), widgets::StatusBadge::Level::Ok);
        QVERIFY(badge->text().contains(QStringLiteral("TimescaleDB 2.19.3 (apache)")));
        saveScreenshot(window, QStringLiteral("main_window_ready"));
    }

    void showsTheLiveFeed()
    {
        ui::MainWindow window;
        window.show();
        window.setInstruments(
            {{"simulated", "BTCUSDT", "BTC", "USDT"}, {"simulated", "ETHUSDT", "ETH", "USDT"}});
        model::FeedStatus feed{
            .feed = "simulated", .state = model::FeedStatus::State::Live, .framesReceived = 1234};
        model::WriterStatus writer{.feed = "simulated",
            .state = model::WriterStatus::State::Live,
            .rowsCommitted = 1200,
            .batchesCommitted = 12,
            .gapsFound = 1,
            .lastGap
            = model::Gap{.kind = model::Gap::Kind::TradeId, .firstMissing = 10, .lastMissing = 12},
            .lastGapSymbol = "BTCUSDT",
            .latencyP50Ms = 12.5,
            .latencyP99Ms = 40};
        window.showFeedStatus(feed);
        const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        for (int second = 0; second < 30; ++second) {
            writer.lastPrices = {{0, now + second * 1'000'000'000LL, 67000.0 + second * 3},
                {1, now + second * 1'000'000'000LL, 3000.0 - second}};
            window.showWriterStatus(writer);
        }
        auto *badge = window.findChild<widgets::StatusBadge *>(QStringLiteral("feedState"));
        QCOMPARE(badge->level(), widgets::StatusBadge::Level::Ok);
        const QString details = window.findChild<QLabel *>(QStringLiteral("feedDetails"))->text();
        QVERIFY2(details.contains(QStringLiteral("1200 rows committed")), qPrintable(details));
        QVERIFY(details.contains(QStringLiteral("BTCUSDT trade_id 10..12")));
        auto *chart = window.findChild<widgets::PriceChart *>(QStringLiteral("chart_BTCUSDT"));
        QVERIFY(chart);
        QCOMPARE(chart->pointCount(), 30);
        QTest::qWait(150); // the charts redraw on their own timer
        saveScreenshot(window, QStringLiteral("main_window_live"));

        writer.state = model::WriterStatus::State::DatabaseDown;
        writer.lastError = "connection refused";
        window.showWriterStatus(writer);
        QCOMPARE(badge->level(), widgets::StatusBadge::Level::Error);
    }

    void showsAFailure()
    {
        ui::MainWindow window;
        window.show();
        auto status = readyStatus();
        window.showDatabaseStatus(status);
        status.state = model::DatabaseStatus::State::Failed;
        status.message = "cannot connect to host=127.0.0.1: connection refused";
        window.showDatabaseStatus(status);
        QCOMPARE(window.findChild<QLabel *>(QStringLiteral("message"))->text(),
            QString::fromStdString(status.message));
        QCOMPARE(
            window.findChild<widgets::StatusBadge *>(QStringLiteral("connectionBadge"))->level(),
            widgets::StatusBadge::Level::Error);
        QCOMPARE(window.findChild<widgets::StatusBadge *>(QStringLiteral("state"))->level(),
            widgets::StatusBadge::Level::Error);
        saveScreenshot(window, QStringLiteral("main_window_failed"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
