#include "app/cli/cli.h"
#include "app/cli/table.h"
#include "app/commands/database_options.h"
#include "app/feeds/adapter_registry.h"
#include "app/ingest/gap_backfill.h"
#include "app/model/wall_clock.h"
#include "db/connection.h"
#include "db/gap_queries.h"

#include <QDateTime>
#include <QTimeZone>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("gaps");
constexpr std::int64_t kDayNs = 86'400'000'000'000;

QString isoTime(const std::optional<std::int64_t> &ns)
{
    return ns ? QDateTime::fromMSecsSinceEpoch(*ns / 1'000'000, QTimeZone::UTC)
                    .toString(Qt::ISODateWithMs)
              : QString();
}

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

cli::Table gapTable(const std::vector<model::RecordedGap> &gaps)
{
    cli::Table table{{QStringLiteral("id"), QStringLiteral("exchange"), QStringLiteral("symbol"),
        QStringLiteral("kind"), QStringLiteral("first_missing"), QStringLiteral("last_missing"),
        QStringLiteral("start"), QStringLiteral("end"), QStringLiteral("seconds"),
        QStringLiteral("detected_at"), QStringLiteral("status"), QStringLiteral("resolved_at"),
        QStringLiteral("note")}};
    for (const auto &gap : gaps)
        table.rows.push_back({QString::number(gap.id), text(gap.exchange), text(gap.symbol),
            text(gap.kind), gap.firstMissing ? QString::number(*gap.firstMissing) : QString(),
            gap.lastMissing ? QString::number(*gap.lastMissing) : QString(), isoTime(gap.startNs),
            isoTime(gap.endNs),
            gap.startNs && gap.endNs
                ? QString::number(static_cast<double>(*gap.endNs - *gap.startNs) / 1e9, 'f', 3)
                : QString(),
            isoTime(gap.detectedNs), text(gap.status), isoTime(gap.resolvedNs), text(gap.note)});
    return table;
}

cli::Table ledgerTable(const std::vector<model::DailyCompleteness> &ledger)
{
    cli::Table table{{QStringLiteral("exchange"), QStringLiteral("symbol"),
        QStringLiteral("channel"), QStringLiteral("day"), QStringLiteral("completeness"),
        QStringLiteral("gap_seconds"), QStringLiteral("gaps"), QStringLiteral("open_gaps"),
        QStringLiteral("causes"), QStringLiteral("repairs")}};
    for (const auto &day : ledger)
        table.rows.push_back({text(day.exchange), text(day.symbol), text(day.channel),
            QDateTime::fromMSecsSinceEpoch(day.dayNs / 1'000'000, QTimeZone::UTC)
                .toString(QStringLiteral("yyyy-MM-dd")),
            QString::number(day.share() * 100, 'f', 4) + u'%',
            QString::number(day.gapSeconds, 'f', 3), QString::number(day.gaps),
            QString::number(day.openGaps), text(day.causes), text(day.repairs)});
    return table;
}

cli::Table integrityTable(const std::vector<model::StreamIntegrity> &streams)
{
    cli::Table table{{QStringLiteral("exchange"), QStringLiteral("symbol"),
        QStringLiteral("updates_applied"), QStringLiteral("updates_dropped"),
        QStringLiteral("checksum_checks"), QStringLiteral("checksum_failures"),
        QStringLiteral("sequence_breaks"), QStringLiteral("crossed_books"),
        QStringLiteral("resyncs"), QStringLiteral("last_problem")}};
    for (const auto &stream : streams) {
        const auto &totals = stream.totals;
        table.rows.push_back({text(stream.exchange), text(stream.symbol),
            QString::number(totals.updatesApplied), QString::number(totals.updatesDropped),
            QString::number(totals.checksumChecks), QString::number(totals.checksumFailures),
            QString::number(totals.sequenceBreaks), QString::number(totals.crossedBooks),
            QString::number(totals.resyncs), isoTime(stream.lastProblemNs)});
    }
    return table;
}

// Fills the open trade-id gaps of the configured feeds (those `filter` picks) from each exchange's
// trade history, telling how each ends on stderr. Returns how many stay open.
std::int64_t fillConfiguredGaps(
    const Config &config, const std::string &ingestConninfo, const db::GapFilter &filter)
{
    auto connection = db::connect(ingestConninfo, "gaps backfill");
    std::int64_t leftOpen = 0;
    for (const auto &feed : config.feeds) {
        if (filter.exchange && feed.feed != *filter.exchange)
            continue;
        const auto adapter = feeds::createAdapter(feed);
        ingest::backfillOpenGaps(*adapter, connection,
            {.symbol = filter.symbol, .sinceNs = filter.sinceNs.value_or(0)},
            [&](const ingest::GapBackfill &result) {
                leftOpen += result.state == "open" ? 1 : 0;
                cli::note(kCommand,
                    QStringLiteral("%1 %2 trade ids %3..%4: %5 (%6); %7 trade(s) stored")
                        .arg(text(feed.feed),
                            text(adapter->instruments().at(result.gap.instrument).symbol))
                        .arg(result.gap.firstMissing)
                        .arg(result.gap.lastMissing)
                        .arg(text(result.state), text(result.detail))
                        .arg(result.tradesStored));
            });
    }
    return leftOpen;
}

} // namespace

int runGapsCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "The gaps recorded in the data, and how complete it is. Lists the gaps (newest first: "
            "sequence gaps with their missing ids, window gaps - checksum, disconnect, outage, "
            "silence - with their times, each with its repair state: open, backfilled or "
            "unrecoverable), or with --completeness the ledger: per exchange, symbol, channel "
            "(trades, book) and UTC day the share of the day that no gap covers, with the gaps' "
            "causes and repair states. With --backfill it first fills the open trade-id gaps of "
            "the configured exchanges from each one's trade history (Binance, OKX, Kraken, "
            "Coinbase) and marks each backfilled, or unrecoverable with how many trades the "
            "exchange still had; the exit code is 1 when a gap stays open. Times are ISO 8601, "
            "UTC unless they name a zone. With --integrity: each stream's book over the window "
            "(from --since, default 7 days ago, to --until): updates applied and dropped, "
            "checksums checked and failed, sequence breaks, crossed books, resyncs."));
    parser.addOptions({
        {QStringLiteral("since"),
            QStringLiteral("Gaps that end at or after this time; the ledger's first day "
                           "(default: 7 days ago)."),
            QStringLiteral("time")},
        {QStringLiteral("until"), QStringLiteral("The ledger's end (default: now)."),
            QStringLiteral("time")},
        {QStringLiteral("open"), QStringLiteral("Only gaps not yet repaired.")},
        {QStringLiteral("exchange"), QStringLiteral("Only this feed, as stored."),
            QStringLiteral("name")},
        {QStringLiteral("symbol"), QStringLiteral("Only this symbol."), QStringLiteral("symbol")},
        {QStringLiteral("completeness"),
            QStringLiteral("The completeness ledger instead of the list.")},
        {QStringLiteral("integrity"),
            QStringLiteral("Each stream's book integrity instead of the list.")},
        {QStringLiteral("backfill"),
            QStringLiteral("Fill the open trade-id gaps (of --exchange, --symbol, --since) from "
                           "the exchanges configured in the config file, then list.")},
        {QStringLiteral("limit"), QStringLiteral("At most this many gaps (default 1000)."),
            QStringLiteral("n"), QStringLiteral("1000")},
        {QStringLiteral("format"), QStringLiteral("table, csv or json."), QStringLiteral("format"),
            QStringLiteral("table")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    const QString format = parser.value(QStringLiteral("format"));
    if (!cli::isTableFormat(format))
        return cli::usageError(
            kCommand, QStringLiteral("--format must be table, csv or json, not '%1'").arg(format));
    const auto limit = cli::intOption(parser, QStringLiteral("limit"), 1, 1'000'000, kCommand);
    if (!limit)
        return cli::kUsage;
    const std::int64_t now = model::wallClockNs();
    const auto since = cli::timeOption(parser, QStringLiteral("since"), kCommand, now - 7 * kDayNs);
    const auto until = cli::timeOption(parser, QStringLiteral("until"), kCommand, now);
    if (!since || !until)
        return cli::kUsage;
    if (*since >= *until)
        return cli::usageError(kCommand, QStringLiteral("--since must be before --until"));
    if (parser.isSet(QStringLiteral("completeness")) && parser.isSet(QStringLiteral("open")))
        return cli::usageError(
            kCommand, QStringLiteral("--open filters the list; the ledger counts every gap"));
    const bool backfill = parser.isSet(QStringLiteral("backfill"));
    const bool integrity = parser.isSet(QStringLiteral("integrity"));
    if (integrity
        && (backfill || parser.isSet(QStringLiteral("completeness"))
            || parser.isSet(QStringLiteral("open"))))
        return cli::usageError(kCommand,
            QStringLiteral("--integrity is a view of its own; it does not go with --completeness, "
                           "--open or --backfill"));
    if (backfill && parser.isSet(QStringLiteral("completeness")))
        return cli::usageError(kCommand,
            QStringLiteral("--backfill fills the gaps and lists them; it does not go with "
                           "--completeness"));
    const auto optionalText = [&](const char *name) -> std::optional<std::string> {
        const QString key = QString::fromLatin1(name);
        return parser.isSet(key) ? std::optional(parser.value(key).toStdString()) : std::nullopt;
    };

    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    auto session = DatabaseSession::open(chosen->second, {.purpose = "gaps", .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    std::int64_t leftOpen = 0;
    try {
        if (backfill) {
            if (chosen->first.feeds.empty())
                return cli::failure(kCommand,
                    QStringLiteral("--backfill needs the exchanges' [exchanges.NAME] sections; "
                                   "%1 has none")
                        .arg(chosen->first.path.isEmpty() ? defaultConfigPath()
                                                          : chosen->first.path));
            leftOpen = fillConfiguredGaps(chosen->first, (*session)->ingestConninfo(),
                {.exchange = optionalText("exchange"),
                    .symbol = optionalText("symbol"),
                    .sinceNs = *since});
        }
        pqxx::connection &connection = (*session)->connection();
        if (integrity) {
            cli::print(cli::renderTable(
                integrityTable(db::bookIntegrity(
                    connection, optionalText("exchange"), optionalText("symbol"), *since, *until)),
                format));
            return cli::kSuccess;
        }
        if (parser.isSet(QStringLiteral("completeness"))) {
            cli::print(cli::renderTable(
                ledgerTable(db::dailyCompleteness(
                    connection, optionalText("exchange"), optionalText("symbol"), *since, *until)),
                format));
            return cli::kSuccess;
        }
        const db::GapFilter filter{.exchange = optionalText("exchange"),
            .symbol = optionalText("symbol"),
            .status = parser.isSet(QStringLiteral("open")) ? std::optional<std::string>("open")
                                                           : std::nullopt,
            .sinceNs = *since,
            .limit = *limit};
        cli::print(cli::renderTable(gapTable(db::listGaps(connection, filter)), format));
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    if (leftOpen > 0)
        return cli::failure(
            kCommand, QStringLiteral("%1 gap(s) stay open; see above why").arg(leftOpen));
    return cli::kSuccess;
}

} // namespace tickscope::app
