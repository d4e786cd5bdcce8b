// The whole console against a real TimescaleDB and a simulated exchange, wired as `tickscope`
// wires it (app::ConsoleServices): after a run with an injected trade-id hole, every chart holds
// exactly the trades the database holds for its symbol and ends at the database's latest price;
// the feeds table's gaps today and the Gaps page's list are the database's audit.gaps; the status
// bar names the schema version the database is at; the Book page's live ladder, rebuilt from the
// stored snapshot and deltas, equals the simulator's book, and as of a past instant it is the
// state after the last delta received by then; the Latency page measures the feed's stages;
// a chart opened after the run loads the stored trades and, before them, the aggregates: together
// the stored volume, and candles equal to `tickscope bars`; `--screenshot`'s tour saves every page.
// And with a database nothing listens for, the window's banner names the cause and what to check.
// `tickscope --screenshot DIR` itself runs as the README's first command does: the embedded
// database (its own, in a temporary directory) and the simulated exchange, whose trade ids a
// second run continues without a gap.
#include "app/analytics/bar_builder.h"
#include "app/console/console_services.h"
#include "app/console/screenshot_tour.h"
#include "app/services/book_monitor.h"
#include "app/services/gap_monitor.h"
#include "app/services/ingest_service.h"
#include "db/connection.h"
#include "db/trade_queries.h"
#include "tests/support/charted_bars.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/simulated_ingest.h"
#include "ui/book_page.h"
#include "ui/gaps_page.h"
#include "ui/live_page.h"
#include "ui/main_window.h"
#include "widgets/depth_chart.h"
#include "widgets/status_badge.h"
#include "widgets/tick_chart.h"
#include "widgets/value_table.h"

#include <QComboBox>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <format>

using namespace tickscope;
using namespace tickscope::testing;

namespace {

app::DatabaseTarget targetOf(const std::string &conninfo)
{
    return {.conninfo = conninfo, .embedded = false, .source = "the test"};
}

std::vector<db::Migration> migrations()
{
    return db::loadMigrations(db::kEmbeddedMigrations).value();
}

} // namespace

class TestConsole : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("tickscope-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_console"));
        QSettings().clear();
    }

    void everyPageShowsWhatTheDatabaseHolds()
    {
        const std::string conninfo = migratedDatabase("console");
        QTemporaryDir journal;
        const std::vector<std::string> symbols{"BTCUSDT", "ETHUSDT", "SOLUSDT"};
        auto options = simulation(symbols, 600, 4, 15);
        auto plan = sim::FaultPlan::parse(QStringLiteral("skip-trades@1:5"));
        QVERIFY(plan.has_value());
        options.faults = *plan;
        auto simulator = sim::ExchangeSimulator::create(options);
        QVERIFY(simulator.has_value());
        QVERIFY((*simulator)->start().has_value());
        app::Config config = configFor(**simulator, journal.path());
        config.http.listen.reset(); // no /metrics port to collide on

        app::ConsoleServices services(config, targetOf(conninfo), migrations());
        ui::MainWindow window;
        window.resize(1280, 800);
        services.attachWindow(window);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        services.start();
        QSignalSpy finished{simulator->get(), &sim::ExchangeSimulator::finished};
        QVERIFY(finished.wait(60'000));
        QTRY_COMPARE_WITH_TIMEOUT(tradesStored(conninfo), tradesSent(**simulator), 60'000);
        QTest::qWait(300); // a few chart frames

        auto connection = db::connect(conninfo, "test");
        pqxx::nontransaction tx{connection};
        for (const auto &symbol : symbols) {
            auto *chart = window.findChild<widgets::TickChart *>(
                QStringLiteral("chart_") + QString::fromStdString(symbol));
            QVERIFY(chart);
            const auto row
                = tx.exec(std::format("SELECT count(*), (SELECT market_data.to_numeric("
                                      "t.price_units, t.price_scale)::float8 FROM "
                                      "market_data.trades t WHERE t.instrument_id = "
                                      "i.instrument_id ORDER BY t.time DESC, "
                                      "t.trade_id DESC LIMIT 1) FROM market_data.trades t JOIN "
                                      "market_data.instruments i USING (instrument_id) WHERE "
                                      "i.symbol = '{}' GROUP BY i.instrument_id",
                              symbol))
                      .one_row();
            QCOMPARE(static_cast<std::int64_t>(chart->ring().size()), row[0].as<std::int64_t>());
            QCOMPARE(chart->ring().latePoints(), 0);
            QCOMPARE(chart->ring().newest().price, row[1].as<double>());
            QVERIFY(chart->drawnPoints() > 0);
        }

        // The gaps: refreshed now rather than at the monitor's next poll.
        bool ledgerArrived = false; // sent after the day's figures, so they came first
        connect(services.gapMonitor(), &app::GapMonitor::ledgerChanged, &window,
            [&ledgerArrived] { ledgerArrived = true; });
        QMetaObject::invokeMethod(services.gapMonitor(), &app::GapMonitor::refresh);
        QTRY_VERIFY_WITH_TIMEOUT(ledgerArrived, 10'000);
        const auto gaps = tx.exec("SELECT count(*), count(*) FILTER (WHERE status = 'open'), "
                                  "min(first_missing), min(last_missing) FROM audit.gaps WHERE "
                                  "kind = 'trade_id'")
                              .one_row();
        QCOMPARE(gaps[0].as<int>(), 1); // the injected hole
        const auto allGaps
            = tx.exec("SELECT count(*), count(*) FILTER (WHERE status = 'open') FROM audit.gaps")
                  .one_row();
        auto *feeds = window.findChild<widgets::ValueTable *>(QStringLiteral("feedsTable"));
        QCOMPARE(feeds->rowCount(), 1);
        QCOMPARE(feeds->cellText(0, 0), QStringLiteral("binance"));
        QCOMPARE(feeds->cellText(0, 6),
            QStringLiteral("%1 (%2 open)").arg(allGaps[0].as<int>()).arg(allGaps[1].as<int>()));
        auto *gapList = window.gapsPage()->findChild<widgets::ValueTable *>(QStringLiteral("gaps"));
        bool listed = false;
        for (int at = 0; at < gapList->rowCount(); ++at) {
            listed = listed
                || (gapList->cellText(at, 3) == QStringLiteral("trade_id")
                    && gapList->cellText(at, 4)
                        == QStringLiteral("%1..%2")
                            .arg(gaps[2].as<std::int64_t>())
                            .arg(gaps[3].as<std::int64_t>()));
        }
        QVERIFY2(listed, "the injected trade-id hole is not on the Gaps page");

        const int schema
            = tx.exec("SELECT max(version) FROM audit.schema_migrations").one_field().as<int>();
        QTRY_VERIFY(window.findChild<widgets::StatusBadge *>(QStringLiteral("connectionBadge"))
                ->text()
                .endsWith(QStringLiteral("schema %1").arg(schema)));

        // The Book page: live, the rebuilt book ends equal to the simulator's own.
        const sim::SimulatedMarket *truth = (*simulator)->market("ETHUSDT");
        QVERIFY(truth);
        const auto trueBids = levelsOf(truth->bids(), app::BookMonitor::kDepth);
        const auto trueAsks = levelsOf(truth->asks(), app::BookMonitor::kDepth);
        // Received on the GUI thread, as the page receives them.
        std::vector<model::BookLadder> ladders;
        connect(services.bookMonitor(), &app::BookMonitor::ladderChanged, &window,
            [&ladders](const model::BookLadder &ladder) { ladders.push_back(ladder); });
        window.bookPage()
            ->findChild<QComboBox *>(QStringLiteral("bookSymbol"))
            ->setCurrentText(QStringLiteral("binance ETHUSDT"));
        window.bookPage()->showLive();
        QTRY_VERIFY_WITH_TIMEOUT(!ladders.empty() && ladders.back().symbol == "ETHUSDT"
                && ladders.back().bids == trueBids && ladders.back().asks == trueAsks,
            10'000);
        const auto live = ladders.back();
        QVERIFY(live.deltasApplied > 0);
        QTest::qWait(100);
        auto *ladder
            = window.bookPage()->findChild<widgets::ValueTable *>(QStringLiteral("ladder"));
        // A side may hold fewer than 20 levels at the end of the run.
        QVERIFY(!trueBids.empty() && !trueAsks.empty());
        QCOMPARE(ladder->rowCount(), static_cast<int>(std::max(trueBids.size(), trueAsks.size())));
        QCOMPARE(ladder->cellText(0, 2), QString::fromStdString(trueBids[0].price.toString()));
        QCOMPARE(ladder->cellText(0, 3), QString::fromStdString(trueAsks[0].price.toString()));
        double trueBidDepth = 0;
        for (const auto &level : trueBids)
            trueBidDepth += level.size.toDouble();
        QCOMPARE(window.bookPage()
                     ->findChild<widgets::DepthChart *>(QStringLiteral("depth"))
                     ->bidDepth(),
            trueBidDepth);
        const int deepestAsk = static_cast<int>(trueAsks.size()) - 1;
        QCOMPARE(ladder->cellText(deepestAsk, 4),
            QString::fromStdString(trueAsks.back().size.toString()));

        // As of the receipt of a delta midway: the state after the last delta received by then.
        const auto midway = tx.exec("SELECT (extract(epoch FROM market_data.received_at(d.time, "
                                    "d.received_after_us)) * 1000000)::bigint * 1000 FROM "
                                    "market_data.book_deltas d JOIN market_data.instruments i "
                                    "USING (instrument_id) WHERE i.symbol = 'ETHUSDT' ORDER BY 1 "
                                    "OFFSET (SELECT "
                                    "count(*) / 2 FROM market_data.book_deltas) / 3 LIMIT 1")
                                .one_field()
                                .as<std::int64_t>();
        const auto expected
            = tx.exec(std::format("SELECT max(d.sequence) FROM market_data.book_deltas d JOIN "
                                  "market_data.instruments i USING (instrument_id) WHERE "
                                  "i.symbol = 'ETHUSDT' AND market_data.received_at(d.time, "
                                  "d.received_after_us) <= timestamptz 'epoch' "
                                  "+ {} * interval '1 microsecond'",
                          midway / 1000))
                  .one_field()
                  .as<std::int64_t>();
        ladders.clear();
        window.bookPage()->showAsOf(midway);
        // A live ladder already on its way may still come first.
        QTRY_VERIFY_WITH_TIMEOUT(!ladders.empty() && ladders.back().asOfNs == midway, 10'000);
        const auto past = ladders.back();
        QCOMPARE(past.error, std::string());
        QCOMPARE(past.asOfNs, midway);
        QCOMPARE(past.sequence, expected);
        QVERIFY(past.receivedAtNs <= midway);
        QVERIFY(past.deltasApplied < live.deltasApplied);
        QVERIFY(!past.bids.empty() && past.bids.front().price < past.asks.front().price);

        // The Latency page: the feed's own stages measured, the database's named.
        auto *latency = window.findChild<widgets::ValueTable *>(QStringLiteral("latencyTable"));
        QTRY_COMPARE(latency->rowCount(), 1);
        QCOMPARE(latency->cellText(0, 0), QStringLiteral("binance"));
        QVERIFY2(latency->cellText(0, 2).endsWith(QStringLiteral(" ms")),
            qPrintable(latency->cellText(0, 2)));

        // A chart opened now loads what is stored: with room for 200 trades, the newest of them
        // and, before them, bars: summed from the trades while the aggregates' refresh has not
        // taken them, then the aggregates' own (refreshed here rather than by their job). Both
        // times the chart holds the stored volume, and its 1-minute candles are the bars
        // `tickscope bars` makes of every stored trade.
        const auto btc = tx.exec("SELECT i.instrument_id, sum(market_data.to_numeric("
                                 "t.size_units, t.size_scale))::float8 FROM "
                                 "market_data.trades t JOIN market_data.instruments i USING "
                                 "(instrument_id) WHERE i.symbol = 'BTCUSDT' GROUP BY 1")
                             .one_row();
        std::vector<model::Trade> stored;
        auto reading = db::connect(conninfo, "test reads"); // beside the open `tx`
        db::forEachTrade(reading, btc[0].as<int>(), 0, std::numeric_limits<std::int64_t>::max(),
            [&stored](const model::Trade &trade) {
                stored.push_back(trade);
                return true;
            });
        const auto expectedCandles
            = analytics::buildBars(*analytics::parseBarSpec("time", "1m"), stored);
        window.showPage(0);
        ui::LivePage &livePage = *window.livePage();
        livePage.setHistoryTrades(200);
        auto *display = window.findChild<QComboBox *>(QStringLiteral("chartDisplay"));
        for (const bool refreshed : {false, true}) {
            if (refreshed)
                tx.exec("CALL aggregates.refresh_pending()");
            display->setCurrentText(QStringLiteral("Price line"));
            livePage.chooseSymbols({});
            livePage.chooseSymbols({QStringLiteral("binance BTCUSDT")});
            auto *opened = window.findChild<widgets::TickChart *>(QStringLiteral("chart_BTCUSDT"));
            QTRY_VERIFY_WITH_TIMEOUT(!opened->awaitingHistory(), 10'000);
            QVERIFY2(!opened->priceSpans().empty(), qPrintable(opened->titleText()));
            QVERIFY(opened->ring().size() < 200);
            double chartVolume = 0;
            for (const auto &span : opened->priceSpans())
                chartVolume += span.volume;
            for (std::size_t at = 0; at < opened->ring().size(); ++at)
                chartVolume += opened->ring().at(at).size;
            QVERIFY2(std::abs(chartVolume - btc[1].as<double>()) < 1e-9 * btc[1].as<double>(),
                qPrintable(QStringLiteral("%1 charted, %2 stored")
                        .arg(chartVolume, 0, 'f', 8)
                        .arg(btc[1].as<double>(), 0, 'f', 8)));
            display->setCurrentText(QStringLiteral("Candles 1m"));
            QTRY_VERIFY_WITH_TIMEOUT(!opened->awaitingHistory(), 10'000);
            opened->renderFrame(); // the bars of the trades, as the next frame would build them
            QCOMPARE(chartedParts(opened->bars()), chartedParts(expectedCandles));
        }
        display->setCurrentText(QStringLiteral("Price line"));

        QTemporaryDir pictures;
        app::ScreenshotTour tour(window, 1,
            {.directory = QDir(pictures.path()),
                .liveData = std::chrono::milliseconds(0),
                .settle = std::chrono::milliseconds(200)});
        QSignalSpy toured{&tour, &app::ScreenshotTour::finished};
        tour.observeWriter({.feed = "binance", .rowsCommitted = 1});
        QTRY_COMPARE_WITH_TIMEOUT(toured.count(), 1, 20'000);
        QCOMPARE(toured.front().front().toBool(), true);
        QCOMPARE(tour.saved().size(), window.pageTitles().size());
        QVERIFY(tour.saved().front().endsWith(QStringLiteral("01-live.png")));
        for (const QString &path : tour.saved())
            QVERIFY2(QImage(path).width() > 600, qPrintable(path));
        services.stop();
        (*simulator)->stop();
    }

    void screenshotCommand()
    {
        EmbeddedSandbox sandbox;
        QVERIFY(sandbox.isValid());
        QDir().mkpath(sandbox.filePath(QStringLiteral("config/tickscope")));
        QFile config(sandbox.filePath(QStringLiteral("config/tickscope/tickscope.toml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("[http]\nlisten = \"off\"\n");
        config.close();
        const QString pictures = sandbox.filePath(QStringLiteral("pictures"));
        const auto run = sandbox.run({QStringLiteral("--screenshot"), pictures});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QStringList saved = run.out.split(u'\n').filter(QStringLiteral(".png"));
        QCOMPARE(saved.size(), 9);
        QVERIFY(saved.front().endsWith(QStringLiteral("/01-live.png")));
        for (const QString &path : saved)
            QVERIFY2(QImage(path).width() > 600, qPrintable(path));

        // A second run's demo trades continue the ids the first one stored: no gap between.
        const auto again = sandbox.run({QStringLiteral("--screenshot"), pictures});
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        const auto gaps = sandbox.run({QStringLiteral("gaps"), QStringLiteral("--format"),
            QStringLiteral("csv"), QStringLiteral("--exchange"), QStringLiteral("simulated")});
        QCOMPARE(gaps.exitCode, 0);
        QVERIFY2(!gaps.out.contains(QStringLiteral("trade_id")), qPrintable(gaps.out));

        // A database that stays unreachable: the pictures show it, the exit code and stderr say.
        quint16 port = 0;
        {
            QTcpServer server;
            QVERIFY(server.listen(QHostAddress::LocalHost));
            port = server.serverPort();
        }
        const auto unreachable = sandbox.run({QStringLiteral("--screenshot"),
            sandbox.filePath(QStringLiteral("unreachable")), QStringLiteral("--db"),
            QStringLiteral("host=127.0.0.1 port=%1 dbname=tickscope user=nobody").arg(port)});
        QCOMPARE(unreachable.exitCode, 1);
        QVERIFY2(unreachable.err.contains(QStringLiteral("the database could not be reached")),
            qPrintable(unreachable.err));
        QCOMPARE(unreachable.out.split(u'\n').filter(QStringLiteral(".png")).size(), 9);

        const auto wrong = sandbox.run({QStringLiteral("--screenshot"),
            QStringLiteral("/proc/no-such-place"), QStringLiteral("--headless")});
        QCOMPARE(wrong.exitCode, 2);
        QVERIFY2(wrong.err.contains(QStringLiteral("drop --headless")), qPrintable(wrong.err));
    }

    void namesWhyTheDatabaseCannotBeReached()
    {
        quint16 port = 0;
        {
            QTcpServer server; // a loopback port that nothing listens on once it is closed
            QVERIFY(server.listen(QHostAddress::LocalHost));
            port = server.serverPort();
        }
        app::Config config;
        config.http.listen.reset();
        app::ConsoleServices services(config,
            targetOf(std::format(
                "host=127.0.0.1 port={} dbname=tickscope user=nobody connect_timeout=3", port)),
            migrations());
        ui::MainWindow window;
        services.attachWindow(window);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        services.start();
        auto *banner = window.findChild<QWidget *>(QStringLiteral("databaseBanner"));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 20'000);
        const QString text = window.findChild<QLabel *>(QStringLiteral("databaseProblem"))->text();
        QVERIFY2(text.contains(QStringLiteral("Connection refused"), Qt::CaseInsensitive),
            qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Nothing listens at")), qPrintable(text));
        services.stop();
    }
};

QTEST_MAIN(TestConsole)
#include "test_console.moc"
