#include "app/cli/cli.h"
#include "app/cli/status_line.h"
#include "app/cli/unix_signals.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/config/config.h"
#include "app/console/console_services.h"
#include "app/console/screenshot_tour.h"
#include "app/services/ingest_service.h"
#include "app/services/simulated_feed.h"
#include "app/sim/binance_simulator.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migration_set.h"
#include "db/trade_queries.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QTimer>
#include <cmath>
#include <memory>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

struct DemoExchange
{
    std::unique_ptr<sim::ExchangeSimulator> simulator;
    feeds::FeedSettings feed;
};

// The simulated exchange the main job ingests from when none is configured: Binance's protocol
// on loopback, a few hundred trades a second, under the exchange name "simulated" so that its
// rows are never mistaken for a real venue's.
std::expected<DemoExchange, QString> startDemoExchange()
{
    sim::BinanceSimulator::Options options;
    options.symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"};
    options.tradesPerSecond = 400;
    // Trading starts when the feed subscribes, by when the ids can continue the stored ones.
    options.startOnFirstSubscription = true;
    options.seed = static_cast<std::uint64_t>(QDateTime::currentMSecsSinceEpoch());
    // Ids above any earlier run's (400 trades/s stay far below 1000 per ms) for a database
    // that has none yet; continueStoredTrades() continues those of one that has.
    options.idBase = QDateTime::currentMSecsSinceEpoch() * 1000;
    DemoExchange demo{std::make_unique<sim::BinanceSimulator>(options), {}};
    if (auto started = demo.simulator->start(); !started)
        return std::unexpected(
            QStringLiteral("the simulated exchange did not start: ") + started.error());
    demo.feed = simulatedFeed(*demo.simulator, "simulated");
    return demo;
}

// The demo exchange's trades take up after the last ones stored, as a real exchange's would after
// a restart: no trade-id gap between two runs that no exchange could fill, no jump in price.
void continueStoredTrades(sim::ExchangeSimulator &simulator, const QString &readerConninfo)
{
    try {
        auto connection = db::connect(readerConninfo.toStdString(), "demo exchange");
        std::map<std::string, sim::ExchangeSimulator::LastTrade> lastTrades;
        for (const auto &latest : db::latestTrades(connection, "simulated", std::nullopt))
            lastTrades[latest.symbol] = {.tradeId = latest.trade.tradeId,
                .priceTicks = std::llround(latest.trade.price.toDouble() * 100)};
        simulator.continueTrades(lastTrades);
    } catch (const std::exception &error) {
        spdlog::warn("demo exchange: the last stored trades could not be read: {}", error.what());
    }
}

bool displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

QString statusLine(const model::DatabaseStatus &status)
{
    using State = model::DatabaseStatus::State;
    const QString endpoint = QString::fromStdString(status.endpoint)
        + (status.embedded ? QStringLiteral(" (embedded)") : QString());
    switch (status.state) {
    case State::Connecting:
        return QStringLiteral("connecting | %1 | %2")
            .arg(endpoint, QString::fromStdString(status.message));
    case State::Migrating:
        return QStringLiteral("migrating | %1").arg(endpoint);
    case State::Ready:
        return QStringLiteral("ready | %1 | %2 | schema %3/%4")
            .arg(endpoint, QString::fromStdString(db::describeCapabilities(status.capabilities)))
            .arg(status.schemaVersion)
            .arg(status.latestSchemaVersion);
    case State::Failed:
        return QStringLiteral("failed | %1 | %2")
            .arg(endpoint, QString::fromStdString(status.message));
    }
    return {};
}

} // namespace

int runConsoleCommand(int &argc, char **argv, const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Tickscope keeps exchange market data in TimescaleDB and watches over it.\n\n"
            "Without a command it opens the console (or, without a display or with --headless, "
            "prints a status line until Ctrl-C). With nothing configured it runs the embedded "
            "local database and migrates it, and ingests from a simulated exchange. Either way "
            "/metrics and the read-only query API (/api/v1/...) answer on the config file's "
            "[http] listen address (default 127.0.0.1:9464).\n\n"
            "Commands:\n")
            + commandSummaries()
            + QStringLiteral("\nRun 'tickscope COMMAND --help' for a command's options."));
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("headless"), QStringLiteral("Run without the console window.")},
        {QStringLiteral("screenshot"),
            QStringLiteral("Open the console (offscreen without a display), wait until every feed "
                           "has committed trades, save a PNG of each page into DIR and exit: 0 "
                           "when every page had live data, 1 if not (the reason on stderr)."),
            QStringLiteral("DIR")},
        {QStringLiteral("verbose"), QStringLiteral("Log debug details.")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, QString()))
        return *exit;
    if (parser.isSet(QStringLiteral("version"))) {
        cli::print(QStringLiteral("tickscope %1").arg(QStringLiteral(TICKSCOPE_VERSION)));
        return cli::kSuccess;
    }
    if (parser.isSet(QStringLiteral("verbose")))
        spdlog::set_level(spdlog::level::debug);
    const bool screenshots = parser.isSet(QStringLiteral("screenshot"));
    const QDir screenshotDirectory(parser.value(QStringLiteral("screenshot")));
    if (screenshots && parser.isSet(QStringLiteral("headless")))
        return cli::usageError(
            QString(), QStringLiteral("--screenshot needs the window; drop --headless"));
    if (screenshots && !QDir().mkpath(screenshotDirectory.absolutePath()))
        return cli::usageError(QString(),
            QStringLiteral("--screenshot: cannot create the directory %1")
                .arg(screenshotDirectory.absolutePath()));

    const auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(QString(), QString::fromStdString(chosen.error()));
    auto [config, target] = *chosen;
    auto migrations = db::loadMigrations(db::kEmbeddedMigrations);
    if (!migrations)
        return cli::failure(QString(), QString::fromStdString(migrations.error()));

    // Pictures need no screen: without a display they are drawn offscreen.
    if (screenshots && !displayAvailable())
        qputenv("QT_QPA_PLATFORM", "offscreen");
    const bool headless
        = !screenshots && (parser.isSet(QStringLiteral("headless")) || !displayAvailable());
    std::unique_ptr<QCoreApplication> application = headless
        ? std::make_unique<QCoreApplication>(argc, argv)
        : std::make_unique<QApplication>(argc, argv);
    quitOnTerminationSignals();

    // With no exchange configured, the built-in simulator stands in for one.
    std::unique_ptr<sim::ExchangeSimulator> simulator;
    if (config.feeds.empty()) {
        auto demo = startDemoExchange();
        if (!demo)
            return cli::failure(QString(), demo.error());
        simulator = std::move(demo->simulator);
        config.feeds.push_back(std::move(demo->feed));
    }
    QStringList feedNames;
    for (const auto &feed : config.feeds)
        feedNames << QString::fromStdString(feed.feed);
    const auto feedCount = static_cast<int>(config.feeds.size());

    ConsoleServices services(std::move(config), target, std::move(*migrations));
    if (simulator)
        QObject::connect(&services, &ConsoleServices::databaseReady, application.get(),
            [&simulator](const QString &reader) { continueStoredTrades(*simulator, reader); });
    std::unique_ptr<ui::MainWindow> window;
    std::unique_ptr<ScreenshotTour> tour;
    StatusLine ingestLine;
    QTimer ingestTicker;
    QString lastLine;
    if (headless) {
        cli::print(QStringLiteral(
            "tickscope %1 headless; database: %2; exchange: %3. Press Ctrl-C to stop.")
                .arg(QStringLiteral(TICKSCOPE_VERSION), QString::fromStdString(target.source),
                    simulator ? QStringLiteral("the simulator on ws://127.0.0.1:%1")
                                    .arg(simulator->port())
                              : feedNames.join(QStringLiteral(", "))));
        QObject::connect(&services, &ConsoleServices::databaseStatusChanged, application.get(),
            [&lastLine](const model::DatabaseStatus &status) {
                const QString line = statusLine(status);
                if (line != lastLine)
                    cli::print(QStringLiteral("tickscope: ") + line);
                lastLine = line;
            });
        ingestTicker.setInterval(std::chrono::seconds(1));
        QObject::connect(&ingestTicker, &QTimer::timeout, application.get(),
            [&ingestLine] { ingestLine.print(); });
        QObject::connect(&services, &ConsoleServices::ingestStarted, application.get(),
            [&](const QString &error) {
                if (!error.isEmpty()) {
                    QCoreApplication::exit(cli::kFailure);
                    return;
                }
                QObject::connect(services.ingest(), &IngestService::feedStatusChanged,
                    application.get(),
                    [&ingestLine](const model::FeedStatus &status) { ingestLine.onFeed(status); });
                QObject::connect(services.ingest(), &IngestService::writerStatusChanged,
                    application.get(), [&ingestLine](const model::WriterStatus &status) {
                        ingestLine.onWriter(status);
                    });
                ingestTicker.start();
            });
        // Headless, a feed that cannot go on ends the job, which then fails; the console shows
        // it on the Live page and goes on.
        QObject::connect(&services, &ConsoleServices::ingestFailed, application.get(),
            [] { QCoreApplication::quit(); });
    } else {
        window = std::make_unique<ui::MainWindow>();
        services.attachWindow(*window);
        window->show();
    }
    if (screenshots) {
        tour = std::make_unique<ScreenshotTour>(
            *window, feedCount, ScreenshotTour::Options{.directory = screenshotDirectory});
        QObject::connect(
            &services, &ConsoleServices::ingestStarted, tour.get(), [&](const QString &error) {
                if (!error.isEmpty())
                    return; // the tour's deadline takes the pictures as they are
                QObject::connect(services.ingest(), &IngestService::writerStatusChanged, tour.get(),
                    &ScreenshotTour::observeWriter);
            });
        QObject::connect(&services, &ConsoleServices::databaseStatusChanged, tour.get(),
            &ScreenshotTour::observeDatabase);
        QObject::connect(tour.get(), &ScreenshotTour::finished, application.get(),
            [&tour](bool complete, const QString &problem) {
                for (const QString &path : tour->saved())
                    cli::print(path);
                if (!complete)
                    cli::note(QString(), QStringLiteral("screenshots taken, but %1").arg(problem));
                QCoreApplication::exit(complete ? cli::kSuccess : cli::kFailure);
            });
        tour->start();
    }
    services.start();
    const int exitCode = application->exec();

    // Stop in order: the feeds (everything received gets committed), the simulator, then the
    // monitors, the last of which stops the embedded database if it started it.
    ingestTicker.stop();
    if (headless && services.ingest())
        cli::print(QStringLiteral("tickscope: stopping; committing what was received"));
    services.stop();
    if (headless && services.ingest())
        ingestLine.printTotals();
    if (simulator)
        simulator->stop();
    if (headless)
        cli::print(QStringLiteral("tickscope: stopped"));
    if (const QStringList failures = services.ingestFailures(); !failures.isEmpty())
        return cli::failure(QString(), failures.join(u'\n'));
    return exitCode;
}

} // namespace tickscope::app
