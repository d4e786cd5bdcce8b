#include "app/analytics/indicators.h"
#include "app/cli/cli.h"
#include "app/cli/table.h"
#include "app/commands/database_options.h"
#include "db/trade_queries.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>
#include <format>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("bars");

// An indicator asked for: "sma:20", "ema:20", "rsi:14", "bollinger:20:2", "vwap".
struct Indicator
{
    QString name;
    int period = 0;
    double deviations = 2;
};

std::expected<std::vector<Indicator>, QString> parseIndicators(const QString &text)
{
    std::vector<Indicator> indicators;
    static const QRegularExpression form{QStringLiteral(
        R"(^(sma|ema|rsi):(\d{1,4})$|^bollinger:(\d{1,4})(?::(\d+(?:\.\d+)?))?$|^vwap$)")};
    for (const QString &item : text.split(u',', Qt::SkipEmptyParts)) {
        const auto match = form.match(item.trimmed());
        if (!match.hasMatch())
            return std::unexpected(
                QStringLiteral("--indicators: '%1' is not sma:N, ema:N, rsi:N, bollinger:N[:K] "
                               "or vwap")
                    .arg(item));
        Indicator indicator{.name = item.trimmed().section(u':', 0, 0)};
        indicator.period = (match.captured(2) + match.captured(3)).toInt();
        if (!match.captured(4).isEmpty())
            indicator.deviations = match.captured(4).toDouble();
        if (indicator.name != QLatin1String("vwap") && indicator.period < 1)
            return std::unexpected(
                QStringLiteral("--indicators: '%1' needs a period of 1 or more").arg(item));
        indicators.push_back(indicator);
    }
    return indicators;
}

QString isoTime(std::int64_t ns)
{
    return QDateTime::fromMSecsSinceEpoch(ns / 1'000'000, QTimeZone::UTC)
        .toString(Qt::ISODateWithMs);
}

// The table of bars with one column per value, indicators last.

cli::Table tabulate(
    const std::vector<analytics::Bar> &bars, const std::vector<Indicator> &indicators)
{
    cli::Table table{{QStringLiteral("open_time"), QStringLiteral("close_time"),
        QStringLiteral("open"), QStringLiteral("high"), QStringLiteral("low"),
        QStringLiteral("close"), QStringLiteral("volume"), QStringLiteral("notional"),
        QStringLiteral("vwap"), QStringLiteral("buy_volume"), QStringLiteral("sell_volume"),
        QStringLiteral("trades"), QStringLiteral("spans_gap")}};
    for (const auto &bar : bars)
        table.rows.push_back({isoTime(bar.openTimeNs), isoTime(bar.closeTimeNs),
            QString::fromStdString(bar.open.toString()),
            QString::fromStdString(bar.high.toString()), QString::fromStdString(bar.low.toString()),
            QString::fromStdString(bar.close.toString()),
            QString::fromStdString(bar.volume.toString()),
            QString::fromStdString(bar.notional.toString()), QString::number(bar.vwap(), 'g', 12),
            QString::fromStdString(bar.buyVolume.toString()),
            QString::fromStdString(bar.sellVolume.toString()), QString::number(bar.trades),
            bar.spansGap ? QStringLiteral("true") : QStringLiteral("false")});
    std::vector<double> closes;
    for (const auto &bar : bars)
        closes.push_back(std::stod(bar.close.toString()));
    auto addColumn = [&](const QString &name, const analytics::Series &values) {
        table.columns << name;
        for (std::size_t i = 0; i < bars.size(); ++i)
            table.rows[i] << (values[i] ? QString::number(*values[i], 'g', 12) : QString());
    };
    for (const auto &indicator : indicators) {
        const QString suffix = QStringLiteral("_%1").arg(indicator.period);
        if (indicator.name == QLatin1String("sma"))
            addColumn(QStringLiteral("sma") + suffix, analytics::sma(closes, indicator.period));
        else if (indicator.name == QLatin1String("ema"))
            addColumn(QStringLiteral("ema") + suffix, analytics::ema(closes, indicator.period));
        else if (indicator.name == QLatin1String("rsi"))
            addColumn(QStringLiteral("rsi") + suffix, analytics::rsi(closes, indicator.period));
        else if (indicator.name == QLatin1String("vwap"))
            addColumn(QStringLiteral("vwap_cumulative"), analytics::cumulativeVwap(bars));
        else {
            const auto bands = analytics::bollinger(closes, indicator.period, indicator.deviations);
            for (const auto &[part, pick] : {std::pair{"lower", &analytics::Band::lower},
                     std::pair{"middle", &analytics::Band::middle},
                     std::pair{"upper", &analytics::Band::upper}}) {
                analytics::Series values(bands.size());
                for (std::size_t i = 0; i < bands.size(); ++i)
                    if (bands[i])
                        values[i] = (*bands[i]).*pick;
                addColumn(QStringLiteral("bollinger%1_%2").arg(suffix, QString::fromLatin1(part)),
                    values);
            }
        }
    }
    return table;
}

} // namespace

int runBarsCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Bars of one instrument's stored trades over a time range, with indicators on their "
            "closes. Kinds: time (--size 1m, 5m, 1h, 1d, 30s...), tick (--size N trades), volume "
            "(--size traded size), dollar (--size traded notional, price x size). A trade is "
            "never split: the one that reaches the size closes its bar. A bar that a known gap "
            "of the instrument overlaps has spans_gap true. Times are ISO 8601, UTC unless they "
            "name a zone; the range is [from, to)."));
    parser.addOptions({
        {QStringLiteral("exchange"), QStringLiteral("The feed's name, as stored."),
            QStringLiteral("name")},
        {QStringLiteral("symbol"), QStringLiteral("The exchange's symbol."),
            QStringLiteral("symbol")},
        {QStringLiteral("kind"), QStringLiteral("time, tick, volume or dollar."),
            QStringLiteral("kind"), QStringLiteral("time")},
        {QStringLiteral("size"), QStringLiteral("Interval, trades, size or notional per bar."),
            QStringLiteral("size"), QStringLiteral("1m")},
        {QStringLiteral("from"), QStringLiteral("Start of the range."), QStringLiteral("time")},
        {QStringLiteral("to"), QStringLiteral("End of the range (default: now)."),
            QStringLiteral("time")},
        {QStringLiteral("indicators"),
            QStringLiteral("Comma-separated: sma:N, ema:N, rsi:N, bollinger:N[:K], vwap."),
            QStringLiteral("list")},
        {QStringLiteral("format"), QStringLiteral("table, csv or json."), QStringLiteral("format"),
            QStringLiteral("table")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    for (const char *required : {"exchange", "symbol", "from"}) {
        if (!parser.isSet(QString::fromLatin1(required)))
            return cli::usageError(
                kCommand, QStringLiteral("give --%1").arg(QString::fromLatin1(required)));
    }
    const QString format = parser.value(QStringLiteral("format"));
    if (!cli::isTableFormat(format))
        return cli::usageError(
            kCommand, QStringLiteral("--format must be table, csv or json, not '%1'").arg(format));
    const auto spec = analytics::parseBarSpec(parser.value(QStringLiteral("kind")).toStdString(),
        parser.value(QStringLiteral("size")).toStdString());
    if (!spec)
        return cli::usageError(
            kCommand, QStringLiteral("--") + QString::fromStdString(spec.error()));
    const auto from = cli::timeOption(parser, QStringLiteral("from"), kCommand);
    const auto to = cli::timeOption(
        parser, QStringLiteral("to"), kCommand, QDateTime::currentMSecsSinceEpoch() * 1'000'000);
    if (!from || !to)
        return cli::kUsage;
    if (*from >= *to)
        return cli::usageError(kCommand, QStringLiteral("--from must be before --to"));
    const auto indicators = parseIndicators(parser.value(QStringLiteral("indicators")));
    if (!indicators)
        return cli::usageError(kCommand, indicators.error());

    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    auto session = DatabaseSession::open(chosen->second, {.purpose = "bars", .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    try {
        pqxx::connection &connection = (*session)->connection();
        const std::string exchange = parser.value(QStringLiteral("exchange")).toStdString();
        const std::string symbol = parser.value(QStringLiteral("symbol")).toStdString();
        const auto instrument = db::findInstrument(connection, exchange, symbol);
        if (!instrument)
            return cli::failure(kCommand,
                QString::fromStdString(std::format(
                    "the database holds no instrument {} of exchange {}", symbol, exchange)));
        analytics::BarBuilder builder{*spec};
        std::vector<analytics::Bar> bars;
        db::forEachTrade(connection, *instrument, *from, *to, [&](const model::Trade &trade) {
            if (auto bar = builder.add(trade))
                bars.push_back(std::move(*bar));
            return true;
        });
        if (auto last = builder.finish())
            bars.push_back(std::move(*last));
        analytics::flagGaps(bars, db::gapsInRange(connection, *instrument, *from, *to));
        cli::print(cli::renderTable(tabulate(bars, *indicators), format));
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    return cli::kSuccess;
}

} // namespace tickscope::app
