#include "app/cli/cli.h"
#include "app/cli/unix_signals.h"
#include "app/sim/exchange_simulator.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTimer>
#include <chrono>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("sim");
constexpr int kMaxDurationSeconds = 366 * 24 * 3600;
constexpr int kDefaultRate = 1000;
constexpr int kDefaultPingSeconds = 20;
// After stop(), so that clients get their close frames before the process ends.
constexpr std::chrono::milliseconds kCloseGrace{300};

std::optional<std::vector<std::string>> parseSymbols(const QString &text)
{
    std::vector<std::string> symbols;
    for (const QString &symbol : text.split(u',')) {
        if (symbol.trimmed().isEmpty()) {
            cli::usageError(
                kCommand, QStringLiteral("--symbols has an empty entry in '%1'").arg(text));
            return std::nullopt;
        }
        symbols.push_back(symbol.trimmed().toUpper().toStdString());
    }
    return symbols;
}

std::optional<std::uint64_t> parseSeed(const QString &text)
{
    bool ok = false;
    const qulonglong seed = text.toULongLong(&ok);
    if (!ok || seed > static_cast<qulonglong>(INT64_MAX)) {
        cli::usageError(kCommand,
            QStringLiteral("--seed must be a whole number from 0 to %1, not '%2'")
                .arg(INT64_MAX)
                .arg(text));
        return std::nullopt;
    }
    return seed;
}

std::expected<void, QString> writeReport(const QString &path, const QJsonObject &report)
{
    QSaveFile file{path};
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(report).toJson()) < 0
        || !file.commit())
        return std::unexpected(
            QStringLiteral("cannot write the report to %1: %2").arg(path, file.errorString()));
    return {};
}

// "sent 12000 trades (BTCUSDT 1000000..1005999, ...) and 40 depth updates in 6.0 s (2000 trades/s);
// 1 connection, 0 drops"
QString summary(const QJsonObject &report)
{
    const QJsonObject symbols = report.value(QStringLiteral("symbols")).toObject();
    qint64 trades = 0;
    qint64 depthUpdates = 0;
    QStringList ranges;
    for (auto symbol = symbols.begin(); symbol != symbols.end(); ++symbol) {
        const QJsonObject counts = symbol.value().toObject();
        trades += counts.value(QStringLiteral("trades_sent")).toInteger();
        depthUpdates += counts.value(QStringLiteral("depth_updates_sent")).toInteger();
        ranges << QStringLiteral("%1 %2..%3")
                      .arg(symbol.key())
                      .arg(counts.value(QStringLiteral("first_trade_id")).toInteger())
                      .arg(counts.value(QStringLiteral("last_trade_id")).toInteger());
    }
    const double seconds = report.value(QStringLiteral("elapsed_seconds")).toDouble();
    return QStringLiteral("sim: sent %1 trades (%2) and %3 depth updates in %4 s (%5 trades/s); "
                          "%6 connections, %7 drops")
        .arg(trades)
        .arg(ranges.join(QStringLiteral(", ")))
        .arg(depthUpdates)
        .arg(seconds, 0, 'f', 1)
        .arg(seconds > 0 ? static_cast<double>(trades) / seconds : 0.0, 0, 'f', 0)
        .arg(report.value(QStringLiteral("connections")).toInteger())
        .arg(report.value(QStringLiteral("drops")).toInteger());
}

} // namespace

int runSimCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Runs a simulated exchange on 127.0.0.1 that speaks a real exchange's protocol.\n"
            "binance: WebSocket streams (/ws/<stream>, /stream?streams=a/b, SUBSCRIBE; "
            "<symbol>@trade, <symbol>@aggTrade, <symbol>@depth@100ms, <symbol>@depth) and REST "
            "market data (/api/v3/depth, /api/v3/historicalTrades, /api/v3/exchangeInfo) on a "
            "port of its own. Symbols like BTCUSDT.\n"
            "bybit: v5 spot topics publicTrade and orderbook.{50,200,1000} on /v5/public/spot "
            "(a snapshot, then deltas whose update id counts by one). Symbols like BTCUSDT.\n"
            "coinbase: the Exchange feed's matches, level2_batch and heartbeat channels on / "
            "(subscriptions, last_match, a snapshot and l2update changes), REST "
            "/products/<id>/trades. Symbols like BTC-USD.\n"
            "coinbase_advanced: Advanced Trade's market_trades, level2 and heartbeats on /, one "
            "channel a subscribe message, each message with the connection's sequence_num "
            "(skip-depth: a message is lost). Symbols like BTC-USD.\n"
            "kraken: WebSocket v2 channels instrument, trade and book on /v2 (a snapshot and "
            "then the changes in each client's depth window with a CRC32 checksum), REST "
            "/0/public/Trades. Symbols like BTC/USD.\n"
            "okx: v5 public channels trades and books on /ws/v5/public (subscribe, a snapshot "
            "and then updates linked by prevSeqId with a CRC32 checksum, ping/pong), REST "
            "/api/v5/market/history-trades. Symbols like BTC-USDT.\n"
            "Trades are generated at --rate whether or not a client listens; the same --seed "
            "gives the same trades. Every trade is kept for the REST trade histories (about 24 "
            "bytes each).\n\n"
            "--faults takes comma-separated entries kind@seconds[:arg]:\n"
            "  drop@T              abort every client connection\n"
            "  skip-trades@T:N[:S] lose N trade ids of symbol S (default: the first)\n"
            "  skip-depth@T:N[:S]  the next depth event of S starts N update ids late (kraken, "
            "coinbase_advanced: is lost)\n"
            "  malformed@T         send every client a frame that is not valid JSON\n"
            "  stall@T:SECONDS     send nothing for a while, then everything held back\n"
            "  shutdown@T          announce a shutdown (not on bybit), close connections 1 s "
            "later\n"
            "  bad-checksum@T[:S]  the next book message of S has a wrong checksum (kraken, okx)\n"
            "  cut-frame@T         send every client half a frame, then reset the connection\n"
            "  throttle@T:SECONDS  REST answers 429 with Retry-After for a while (not on bybit)\n"
            "  ban@T:SECONDS       REST answers 418 with Retry-After for a while (not on bybit)"));
    parser.addOptions({
        {QStringLiteral("exchange"),
            QStringLiteral("Exchange to simulate: %1 (default binance).")
                .arg(sim::ExchangeSimulator::exchanges()),
            QStringLiteral("name"), QStringLiteral("binance")},
        {QStringLiteral("port"),
            QStringLiteral("WebSocket port on 127.0.0.1; 0 (default) picks a free one."),
            QStringLiteral("port"), QStringLiteral("0")},
        {QStringLiteral("rest-port"),
            QStringLiteral("REST port on 127.0.0.1; 0 (default) picks a free one."),
            QStringLiteral("port"), QStringLiteral("0")},
        {QStringLiteral("symbols"),
            QStringLiteral("Comma-separated symbols (default BTCUSDT,ETHUSDT; for coinbase and "
                           "coinbase_advanced BTC-USD,ETH-USD; for kraken BTC/USD,ETH/USD; for "
                           "okx BTC-USDT,ETH-USDT)."),
            QStringLiteral("list")},
        {QStringLiteral("rate"),
            QStringLiteral("Trades per second across all symbols, 1 to %1 (default %2).")
                .arg(sim::ExchangeSimulator::kMaxTradesPerSecond, 0, 'f', 0)
                .arg(kDefaultRate),
            QStringLiteral("n"), QString::number(kDefaultRate)},
        {QStringLiteral("duration"),
            QStringLiteral("Seconds to run; 0 (default) runs until Ctrl-C."),
            QStringLiteral("seconds"), QStringLiteral("0")},
        {QStringLiteral("seed"), QStringLiteral("Seed of the generated markets (default 1)."),
            QStringLiteral("n"), QStringLiteral("1")},
        {QStringLiteral("faults"), QStringLiteral("Faults to inject (see above)."),
            QStringLiteral("spec")},
        {QStringLiteral("report"),
            QStringLiteral("Write what was sent and lost to this JSON file at the end."),
            QStringLiteral("file")},
        {QStringLiteral("ping-interval"),
            QStringLiteral("Seconds between WebSocket pings (default %1).")
                .arg(kDefaultPingSeconds),
            QStringLiteral("seconds"), QString::number(kDefaultPingSeconds)},
        {QStringLiteral("microseconds"),
            QStringLiteral("Binance: times in microseconds unless a client asks for "
                           "milliseconds.")},
    });
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;

    const auto port = cli::intOption(parser, QStringLiteral("port"), 0, 65535, kCommand);
    const auto restPort = cli::intOption(parser, QStringLiteral("rest-port"), 0, 65535, kCommand);
    const auto rate = cli::intOption(parser, QStringLiteral("rate"), 1,
        static_cast<int>(sim::ExchangeSimulator::kMaxTradesPerSecond), kCommand);
    const auto duration
        = cli::intOption(parser, QStringLiteral("duration"), 0, kMaxDurationSeconds, kCommand);
    const auto pingSeconds
        = cli::intOption(parser, QStringLiteral("ping-interval"), 1, 3600, kCommand);
    if (!port || !restPort || !rate || !duration || !pingSeconds)
        return cli::kUsage;
    if (*port != 0 && *port == *restPort)
        return cli::usageError(kCommand, QStringLiteral("--port and --rest-port must differ"));
    const QString exchange = parser.value(QStringLiteral("exchange"));
    const auto symbols = parseSymbols(parser.isSet(QStringLiteral("symbols"))
            ? parser.value(QStringLiteral("symbols"))
            : exchange == QLatin1String("okx")               ? QStringLiteral("BTC-USDT,ETH-USDT")
            : exchange == QLatin1String("kraken")            ? QStringLiteral("BTC/USD,ETH/USD")
            : exchange.startsWith(QLatin1String("coinbase")) ? QStringLiteral("BTC-USD,ETH-USD")
                                                             : QStringLiteral("BTCUSDT,ETHUSDT"));
    const auto seed = parseSeed(parser.value(QStringLiteral("seed")));
    if (!symbols || !seed)
        return cli::kUsage;
    const auto faults = sim::FaultPlan::parse(parser.value(QStringLiteral("faults")));
    if (!faults)
        return cli::usageError(kCommand, faults.error());
    const QString reportFile = parser.value(QStringLiteral("report"));
    if (!reportFile.isEmpty() && !QFileInfo(reportFile).absoluteDir().exists())
        return cli::usageError(kCommand,
            QStringLiteral("--report: directory %1 does not exist")
                .arg(QFileInfo(reportFile).absolutePath()));

    sim::ExchangeSimulator::Options options{
        .exchange = exchange.toStdString(),
        .port = static_cast<quint16>(*port),
        .restPort = static_cast<quint16>(*restPort),
        .symbols = *symbols,
        .tradesPerSecond = static_cast<double>(*rate),
        .pingInterval = std::chrono::seconds{*pingSeconds},
        .duration = std::chrono::seconds{*duration},
        .seed = *seed,
        .faults = *faults,
        .microseconds = parser.isSet(QStringLiteral("microseconds")),
    };
    auto created = sim::ExchangeSimulator::create(std::move(options));
    if (!created)
        return cli::usageError(kCommand, created.error());
    sim::ExchangeSimulator &simulator = **created;
    if (auto started = simulator.start(); !started)
        return cli::failure(kCommand, started.error());
    QStringList symbolNames;
    for (const std::string &symbol : *symbols)
        symbolNames << QString::fromStdString(symbol);
    cli::print(QStringLiteral("sim: %1 on ws://127.0.0.1:%2%3 symbols %4 rate %5/s seed %6%7")
            .arg(exchange)
            .arg(simulator.port())
            .arg(simulator.restPort() != 0
                    ? QStringLiteral(" rest http://127.0.0.1:%1").arg(simulator.restPort())
                    : QString())
            .arg(symbolNames.join(u','))
            .arg(*rate)
            .arg(*seed)
            .arg(faults->empty() ? QString() : QStringLiteral(" faults ") + faults->toString()));

    quitOnTerminationSignals();
    QObject::connect(&simulator, &sim::ExchangeSimulator::finished, QCoreApplication::instance(),
        &QCoreApplication::quit);
    QCoreApplication::exec();
    simulator.stop();
    QEventLoop closing;
    QTimer::singleShot(kCloseGrace, &closing, &QEventLoop::quit);
    closing.exec();

    const QJsonObject report = simulator.report();
    if (!reportFile.isEmpty()) {
        if (auto written = writeReport(reportFile, report); !written)
            return cli::failure(kCommand, written.error());
    }
    cli::print(summary(report)
        + (reportFile.isEmpty() ? QString() : QStringLiteral("; report in ") + reportFile));
    return cli::kSuccess;
}

} // namespace tickscope::app
