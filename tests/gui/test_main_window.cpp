// The console's window as an operator meets it: what the status bar says of the database, the
// ingest and the alerts; the Live page's feeds table and charts; the banner that names why the
// database cannot be reached and retries; the pages' shortcuts; and that the window's and pages'
// choices survive a restart. Screenshots go to test-artifacts/ for a person to look at.
#include "app/analytics/bar_builder.h"
#include "ui/alerts_panel.h"
#include "ui/color_scheme.h"
#include "ui/database_problem.h"
#include "ui/gaps_page.h"
#include "ui/latency_chain.h"
#include "ui/live_page.h"
#include "ui/main_window.h"
#include "widgets/status_badge.h"
#include "widgets/tick_chart.h"
#include "widgets/value_table.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTest>
#include <QToolButton>

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

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template<typename T> T *child(QWidget &window, const char *name)
{
    auto *found = window.findChild<T *>(QLatin1String(name));
    if (!found)
        qFatal("no child %s", name);
    return found;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // QSettings under ~/.qttest
        QCoreApplication::setOrganizationName(QStringLiteral("tickscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_main_window"));
    }

    void init() { QSettings().clear(); }

    void showsAReadyConnection()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showDatabaseStatus(readyStatus());

        auto label = [&](const char *name) {
            return child<QLabel>(window, name)->text();
        };
        QCOMPARE(label("server"), QStringLiteral("17.5"));
        QCOMPARE(label("timescale"), QStringLiteral("2.19.3"));
        QCOMPARE(label("edition"), QStringLiteral("apache"));
        QCOMPARE(label("schema"), QStringLiteral("3 of 3"));
        QCOMPARE(label("role"), QStringLiteral("tickscope (superuser)"));
        auto *badge = child<widgets::StatusBadge>(window, "connectionBadge");
        QCOMPARE(badge->level(), widgets::StatusBadge::Level::Ok);
        QCOMPARE(badge->text(),
            QStringLiteral("tickscope@127.0.0.1:54320/tickscope as tickscope (superuser) · "
                           "PostgreSQL 17.5 · TimescaleDB 2.19.3 (apache) · schema 3"));
        QVERIFY(!child<QWidget>(window, "databaseBanner")->isVisible());
        QCOMPARE(label("alertCounts"), QStringLiteral("alerts: none"));
        saveScreenshot(window, QStringLiteral("main_window_ready"));
    }

    void countsActiveAlertsBySeverity()
    {
        ui::MainWindow window;
        window.show();
        const auto now = std::chrono::system_clock::now();
        std::vector<model::Alert> active{{.rule = "feed_down",
                                             .subject = "binance",
                                             .severity = model::AlertSeverity::Critical,
                                             .message = "binance down",
                                             .firstSeen = now,
                                             .lastSeen = now},
            {.rule = "lag",
                .subject = "standby",
                .message = "lag",
                .firstSeen = now,
                .lastSeen = now},
            {.rule = "disk",
                .subject = "pgdata",
                .message = "disk",
                .firstSeen = now,
                .lastSeen = now}};
        window.alertsPanel()->showAlerts(active, active);
        QCOMPARE(child<QLabel>(window, "alertCounts")->text(),
            QStringLiteral("alerts: 1 critical, 2 warning"));
    }

    void showsTheLiveFeed()
    {
        ui::MainWindow window;
        window.show();
        window.setInstruments(
            {{"simulated", "BTCUSDT", "BTC", "USDT"}, {"simulated", "ETHUSDT", "ETH", "USDT"}});
        model::FeedStatus feed{.feed = "simulated",
            .state = model::FeedStatus::State::Live,
            .framesReceived = 1000,
            .lastFrameAtNs = nowNs() - 1'500'000'000};
        window.showFeedStatus(feed);
        QTest::qWait(200);
        feed.framesReceived = 1100;
        window.showFeedStatus(feed); // 100 more in about 0.2 s
        model::WriterStatus writer{.feed = "simulated",
            .state = model::WriterStatus::State::Live,
            .rowsCommitted = 1200,
            .batchesCommitted = 12,
            .pendingRows = 7,
            .latencyP50Ms = 12.5,
            .latencyP99Ms = 40};
        window.showWriterStatus(writer);
        window.livePage()->showExchangeDays({{"simulated", 3, 1, 2}});

        auto *table = child<widgets::ValueTable>(window, "feedsTable");
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->cellText(0, 0), QStringLiteral("simulated"));
        const double rate = table->cellText(0, 1).toDouble();
        QVERIFY2(rate > 150 && rate <= 600, qPrintable(table->cellText(0, 1)));
        QVERIFY2(table->cellText(0, 2).endsWith(QStringLiteral(" s ago")),
            qPrintable(table->cellText(0, 2)));
        QCOMPARE(table->cellText(0, 3), QStringLiteral("1200"));
        QCOMPARE(table->cellText(0, 4), QStringLiteral("7"));
        QCOMPARE(table->cellText(0, 5), QStringLiteral("40.0 ms"));
        QCOMPARE(table->cellText(0, 6), QStringLiteral("3 (1 open)"));
        QCOMPARE(table->cellText(0, 7), QStringLiteral("2"));
        QCOMPARE(table->cellText(0, 8), QStringLiteral("feed live, writer live"));
        QVERIFY(child<QLabel>(window, "ingestRate")->text().startsWith(QStringLiteral("ingest: ")));

        // 30 s of trades for both symbols, 100 a second; the charts draw them decimated.
        std::vector<model::LiveTrade> trades;
        const std::int64_t start = nowNs();
        for (int at = 0; at < 3000; ++at) {
            const std::int64_t time = start + at * 10'000'000LL;
            trades.push_back({0, time, 67000.0 + at % 50, 0.01});
            trades.push_back({1, time, 3000.0 - at % 20, 0.1});
        }
        window.livePage()->appendTrades("simulated", trades);
        window.livePage()->appendTrades("other feed", trades); // not configured: ignored
        auto *chart = child<widgets::TickChart>(window, "chart_BTCUSDT");
        QCOMPARE(chart->ring().size(), 3000u);
        QCOMPARE(chart->ring().newest().price, 67000.0 + 2999 % 50);
        chart->renderFrame();
        QCOMPARE(chart->drawnTrades(), 3000u);
        QVERIFY(chart->drawnPoints() > 0 && chart->drawnPoints() < 3000);
        QTest::qWait(100); // the other chart draws at its next frame
        saveScreenshot(window, QStringLiteral("main_window_live"));

        // Tick bars of 100 trades: the same bars as `tickscope bars` makes of those trades.
        auto *display = child<QComboBox>(window, "chartDisplay");
        child<QLineEdit>(window, "barSize")->setText(QStringLiteral("100"));
        display->setCurrentText(QStringLiteral("Tick bars"));
        QVERIFY(chart->showingBars());
        chart->renderFrame();
        std::vector<model::Trade> exact;
        for (const auto &trade : trades) {
            if (trade.instrument != 0)
                continue;
            model::Trade same;
            same.exchangeTimeNs = trade.exchangeTimeNs / 1'000'000 * 1'000'000; // charts keep ms
            same.price = *model::Decimal::parse(QString::number(trade.price, 'f', 2).toStdString());
            same.size = *model::Decimal::parse("0.01");
            exact.push_back(same);
        }
        const auto expected = analytics::buildBars(*analytics::parseBarSpec("tick", "100"), exact);
        const auto bars = chart->bars();
        QCOMPARE(bars.size(), std::size_t(30));
        QCOMPARE(bars.size(), expected.size());
        for (std::size_t at = 0; at < bars.size(); ++at) {
            QCOMPARE(bars[at].trades, 100);
            QCOMPARE(bars[at].open, expected[at].open);
            QCOMPARE(bars[at].high, expected[at].high);
            QCOMPARE(bars[at].low, expected[at].low);
            QCOMPARE(bars[at].close, expected[at].close);
            QCOMPARE(bars[at].volume.toDouble(), expected[at].volume.toDouble());
        }
        for (QAction *indicator : child<QToolButton>(window, "indicators")->menu()->actions())
            indicator->setChecked(true);
        QTest::qWait(100);
        saveScreenshot(window, QStringLiteral("main_window_live_bars"));
        child<QLineEdit>(window, "barSize")->setText(QStringLiteral("many"));
        emit child<QLineEdit>(window, "barSize")->editingFinished();
        QVERIFY2(
            child<QLabel>(window, "chartsNote")->text().startsWith(QStringLiteral("Bar size:")),
            qPrintable(child<QLabel>(window, "chartsNote")->text()));
        display->setCurrentText(QStringLiteral("Price line"));
        QVERIFY(!chart->showingBars());
        QVERIFY2(child<QLabel>(window, "chartsNote")
                     ->text()
                     .startsWith(QStringLiteral("Stored and live trades, newest at the right.")),
            qPrintable(child<QLabel>(window, "chartsNote")->text()));

        writer.state = model::WriterStatus::State::DatabaseDown;
        writer.lastError = "connection refused";
        window.showWriterStatus(writer);
        QCOMPARE(table->cellText(0, 8), QStringLiteral("feed live, writer database down"));
    }

    void namesWhyTheDatabaseCannotBeReached()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showDatabaseStatus(readyStatus());
        auto status = readyStatus();
        status.state = model::DatabaseStatus::State::Failed;
        status.message = "connection to server at \"127.0.0.1\", port 54320 failed: FATAL:  "
                         "password authentication failed for user \"tickscope\" (retrying every "
                         "5 s)";
        window.showDatabaseStatus(status);
        QVERIFY(child<QWidget>(window, "databaseBanner")->isVisible());
        const QString text = child<QLabel>(window, "databaseProblem")->text();
        QVERIFY2(text.contains(QStringLiteral("password authentication failed for user")),
            qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("pgpass")));
        QCOMPARE(child<widgets::StatusBadge>(window, "connectionBadge")->level(),
            widgets::StatusBadge::Level::Error);
        saveScreenshot(window, QStringLiteral("main_window_database_unreachable"));

        QSignalSpy retries(&window, &ui::MainWindow::retryDatabaseRequested);
        QTest::mouseClick(child<QPushButton>(window, "retryDatabase"), Qt::LeftButton);
        QCOMPARE(retries.count(), 1);
        QTest::keyClick(&window, Qt::Key_F5);
        QCOMPARE(retries.count(), 2);

        window.showDatabaseStatus(readyStatus());
        QVERIFY(!child<QWidget>(window, "databaseBanner")->isVisible());
    }

    void explainsEachKindOfFailure_data()
    {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("advice");
        QTest::newRow("wrong password")
            << "FATAL:  password authentication failed for user \"bob\"" << "pgpass";
        QTest::newRow("nothing listening")
            << "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"
            << "Nothing listens at";
        QTest::newRow("pg_hba") << "FATAL:  no pg_hba.conf entry for host \"10.0.0.9\""
                                << "pg_hba.conf";
        QTest::newRow("no such database") << "FATAL:  database \"ticks\" does not exist"
                                          << "does not exist";
        QTest::newRow("unknown host") << "could not translate host name \"db.example\" to address"
                                      << "network";
        QTest::newRow("something else") << "SSL SYSCALL error: EOF detected" << "log";
    }

    void explainsEachKindOfFailure()
    {
        QFETCH(QString, message);
        QFETCH(QString, advice);
        const auto problem = ui::explainDatabaseProblem(message, QStringLiteral("bob@db:5432/t"));
        QCOMPARE(problem.message, message);
        QVERIFY2(problem.advice.contains(advice), qPrintable(problem.advice));
    }

    void neverShowsAPassword()
    {
        const auto problem = ui::explainDatabaseProblem(
            QStringLiteral("invalid connection option in \"host=db password=s3cret user=bob\""),
            QString());
        QVERIFY(!problem.message.contains(QStringLiteral("s3cret")));
        QVERIFY(problem.message.contains(QStringLiteral("password=***")));
    }

    void latencyChainFindsWhereDataWaits()
    {
        const auto now = std::chrono::system_clock::now();
        const std::int64_t nowSeconds
            = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        model::WriterStatus writer{.feed = "binance", .tradesCommitted = 10};
        writer.latencyP50Ms = 40;
        writer.latencyP99Ms = 120;
        writer.exchangeDelayP50Ms = 3;
        writer.exchangeDelayP99Ms = 9;
        model::ReplicationStatus replication;
        replication.standbys.resize(2);
        replication.standbys[0].replayLagSeconds = 0.5;
        replication.standbys[1].replayLagSeconds = 12;
        replication.archiver.archiving = true;
        replication.archiver.lastArchivedAtUnix = nowSeconds - 20;
        replication.archiver.readySegments = 2;
        model::StorageStatus storage;
        storage.aggregates
            = {{.name = "aggregates.ohlcv_5m", .lagSeconds = 100, .allowedLagSeconds = 420},
                {.name = "aggregates.ohlcv_1m", .lagSeconds = 30, .allowedLagSeconds = 180}};

        auto chain = ui::latencyChain(writer, &replication, &storage, now);
        QCOMPARE(*chain.stages[0].seconds, 0.009);
        QCOMPARE(*chain.stages[1].seconds, 0.12);
        QCOMPARE(*chain.stages[2].seconds, 12.0); // the slowest standby
        QVERIFY(chain.stages[2].late); // over 10 s
        QCOMPARE(*chain.stages[3].seconds, 30.0); // the finest aggregate
        QCOMPARE(chain.stages[3].note, QStringLiteral("aggregates.ohlcv_1m"));
        QVERIFY(!chain.stages[3].late);
        QVERIFY(*chain.stages[4].seconds >= 20 && *chain.stages[4].seconds < 25);
        QCOMPARE(chain.stages[4].note, QStringLiteral("2 segment(s) waiting"));
        QCOMPARE(chain.slowest(), 3);

        replication.standbys.clear();
        replication.archiver.archiving = false;
        chain = ui::latencyChain(writer, &replication, nullptr, now);
        QVERIFY(!chain.stages[2].seconds);
        QCOMPARE(chain.stages[2].note, QStringLiteral("no standby"));
        QCOMPARE(chain.stages[3].note, QStringLiteral("not read yet"));
        QCOMPARE(chain.stages[4].note, QStringLiteral("archiving off"));
        QCOMPARE(chain.slowest(), 1);
        QCOMPARE(ui::latencyChain({.feed = "idle"}, nullptr, nullptr, now).slowest(), -1);
    }

    void pagesHaveShortcuts()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *pages = child<QListWidget>(window, "pageList");
        const int gaps = static_cast<int>(window.pageTitles().indexOf(QStringLiteral("Gaps")));
        QVERIFY(gaps > 0);
        QTest::keyClick(&window, static_cast<Qt::Key>(Qt::Key_1 + gaps), Qt::ControlModifier);
        QCOMPARE(pages->currentRow(), gaps);
        QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
        QCOMPARE(pages->currentRow(), 0);
    }

    void choicesSurviveARestart()
    {
        const std::vector<model::Instrument> instruments{{"simulated", "BTCUSDT", "BTC", "USDT"},
            {"simulated", "ETHUSDT", "ETH", "USDT"}, {"simulated", "SOLUSDT", "SOL", "USDT"}};
        QSize size;
        {
            ui::MainWindow window;
            window.setInstruments(instruments);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.resize(720, 560); // the offscreen screen is 800 x 600
            window.showPage(3);
            window.livePage()->chooseSymbols({QStringLiteral("simulated SOLUSDT")});
            child<QComboBox>(window, "chartWindow")->setCurrentIndex(3);
            window.findChild<QAction *>(QStringLiteral("theme2"))->trigger(); // dark
            QVERIFY(ui::darkPaletteInUse());
            auto *exchange = child<QLineEdit>(window, "exchangeFilter");
            exchange->setText(QStringLiteral("binance"));
            emit exchange->editingFinished();
            window.gapsPage()->findChild<QCheckBox *>()->setChecked(true);
            window.gapsPage()->findChild<QSpinBox *>()->setValue(30);
            size = window.size(); // as far as the screen lets it grow
            window.close();
        }
        ui::applyTheme(ui::Theme::Light); // as a new process would start
        QVERIFY(!ui::darkPaletteInUse());
        ui::MainWindow window;
        window.setInstruments(instruments);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(child<QListWidget>(window, "pageList")->currentRow(), 3);
        QCOMPARE(window.size(), size);
        QCOMPARE(
            window.livePage()->chosenSymbols(), QStringList{QStringLiteral("simulated SOLUSDT")});
        QVERIFY(window.findChild<widgets::TickChart *>(QStringLiteral("chart_SOLUSDT")));
        QVERIFY(!window.findChild<widgets::TickChart *>(QStringLiteral("chart_BTCUSDT")));
        QCOMPARE(child<QComboBox>(window, "chartWindow")->currentIndex(), 3);
        QVERIFY(ui::darkPaletteInUse());
        QVERIFY(window.findChild<QAction *>(QStringLiteral("theme2"))->isChecked());
        // The Gaps page's filters, and the monitor is told them.
        QSignalSpy filter{window.gapsPage(), &ui::GapsPage::filterChanged};
        window.gapsPage()->emitFilter();
        QCOMPARE(filter.size(), 1);
        QCOMPARE(filter.front(), (QVariantList{QStringLiteral("binance"), QString(), true, 30}));
        ui::saveTheme(ui::Theme::Light);
        ui::applyTheme(ui::Theme::Light);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
