#include "app/cli/cli.h"
#include "app/cli/progress_bar.h"
#include "app/commands/database_options.h"
#include "db/trade_export.h"

#include <QDateTime>
#include <QFileInfo>
#include <QSaveFile>
#include <QTimeZone>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <format>
#include <stdexcept>
#include <vector>
#include <zstd.h>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("export");

// A file written under a temporary name and renamed into place only when complete, so that a
// failed or interrupted export never leaves a truncated file under the name asked for; zstd-
// compressed on the way when asked.
class ExportFile
{
public:
    ExportFile(const QString &path, bool compressed)
        : m_file(path)
    {
        if (!m_file.open(QIODevice::WriteOnly))
            throw std::runtime_error(std::format(
                "cannot write {}: {}", path.toStdString(), m_file.errorString().toStdString()));
        if (compressed) {
            m_zstd = ZSTD_createCCtx();
            ZSTD_CCtx_setParameter(m_zstd, ZSTD_c_compressionLevel, 3);
            m_compressed.resize(ZSTD_CStreamOutSize());
        }
    }
    ~ExportFile()
    {
        if (m_zstd)
            ZSTD_freeCCtx(m_zstd);
    }
    ExportFile(const ExportFile &) = delete;
    ExportFile &operator=(const ExportFile &) = delete;

    void write(std::string_view bytes)
    {
        m_pending.append(bytes);
        if (m_pending.size() >= kFlushBytes)
            flush(false);
    }

    // Renames the file into place.
    void commit()
    {
        flush(true);
        errno = 0;
        if (!m_file.commit())
            fail();
    }

    std::int64_t bytesWritten() const { return m_written; }

private:
    static constexpr std::size_t kFlushBytes = 1 << 20;

    void flush(bool last)
    {
        if (!m_zstd) {
            put(m_pending);
        } else {
            ZSTD_inBuffer in{m_pending.data(), m_pending.size(), 0};
            for (bool done = false; !done;) {
                ZSTD_outBuffer out{m_compressed.data(), m_compressed.size(), 0};
                const std::size_t left
                    = ZSTD_compressStream2(m_zstd, &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
                if (ZSTD_isError(left))
                    throw std::runtime_error(
                        std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
                put({m_compressed.data(), out.pos});
                done = last ? left == 0 : in.pos == in.size;
            }
        }
        m_pending.clear();
    }

    void put(std::string_view bytes)
    {
        errno = 0;
        if (!bytes.empty()
            && m_file.write(bytes.data(), static_cast<qint64>(bytes.size()))
                != static_cast<qint64>(bytes.size()))
            fail();
        m_written += static_cast<std::int64_t>(bytes.size());
    }

    // Qt says "Unknown error" for a full disk; the system's word is clearer.
    [[noreturn]] void fail()
    {
        const int systemError = errno;
        const std::string why
            = systemError != 0 ? std::strerror(systemError) : m_file.errorString().toStdString();
        throw std::runtime_error(
            std::format("cannot write {}: {}", m_file.fileName().toStdString(), why));
    }

    QSaveFile m_file;
    ZSTD_CCtx *m_zstd = nullptr;
    std::string m_pending;
    std::vector<char> m_compressed;
    std::int64_t m_written = 0;
};

// trades.csv.zst -> trades.gaps.csv
QString gapsPath(const QString &out)
{
    for (const auto *suffix : {".csv.zst", ".csv"}) {
        if (out.endsWith(QLatin1String(suffix)))
            return out.chopped(static_cast<qsizetype>(std::strlen(suffix)))
                + QStringLiteral(".gaps.csv");
    }
    return out + QStringLiteral(".gaps.csv");
}

QString utc(std::int64_t ns)
{
    return QDateTime::fromMSecsSinceEpoch(ns / 1'000'000, QTimeZone::UTC)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString megabytes(std::int64_t bytes)
{
    return QString::number(static_cast<double>(bytes) / 1e6, 'f', 1) + QStringLiteral(" MB");
}

} // namespace

int runExportCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Exports the trades of [from, to) (exchange time) as CSV for ML and backtests: "
            "time,received_at,exchange,symbol,trade_id,price,size,side, in time order, with "
            "exact decimals and both clocks (UTC). With --as-of, only what had been received "
            "by then, and the gaps as they were known then: the data a backtest at that "
            "instant would have had. The range's known gaps go beside it in NAME.gaps.csv, and "
            "its completeness is printed first. The file appears under its name only when "
            "complete.\n\n"
            "The database is --db, else [database] conninfo of the config file, else the one "
            "libpq's PG* variables name, else the embedded local database."));
    parser.addOptions({
        {QStringLiteral("from"), QStringLiteral("Start of the range (ISO 8601, UTC if no zone)."),
            QStringLiteral("time")},
        {QStringLiteral("to"), QStringLiteral("End of the range, exclusive."),
            QStringLiteral("time")},
        {QStringLiteral("exchange"), QStringLiteral("Only this exchange."), QStringLiteral("name")},
        {QStringLiteral("symbol"), QStringLiteral("Only this symbol (as the exchange spells it)."),
            QStringLiteral("symbol")},
        {QStringLiteral("as-of"), QStringLiteral("Only trades received by then (point in time)."),
            QStringLiteral("time")},
        {QStringLiteral("format"), QStringLiteral("csv or csv.zst (default: from --out's name)."),
            QStringLiteral("format")},
        {QStringLiteral("out"), QStringLiteral("The file to write."), QStringLiteral("file")},
        {QStringLiteral("force"), QStringLiteral("Replace --out if it exists.")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    for (const auto *required : {"from", "to", "out"}) {
        if (!parser.isSet(QString::fromLatin1(required)))
            return cli::usageError(kCommand, QStringLiteral("--%1 is required").arg(required));
    }
    db::ExportRange range;
    const auto from = cli::timeOption(parser, QStringLiteral("from"), kCommand);
    const auto to = cli::timeOption(parser, QStringLiteral("to"), kCommand);
    if (!from || !to)
        return cli::kUsage;
    if (*from >= *to)
        return cli::usageError(kCommand, QStringLiteral("--from must be before --to"));
    range.fromNs = *from;
    range.toNs = *to;
    if (parser.isSet(QStringLiteral("as-of"))) {
        range.asOfNs = cli::timeOption(parser, QStringLiteral("as-of"), kCommand);
        if (!range.asOfNs)
            return cli::kUsage;
    }
    if (parser.isSet(QStringLiteral("exchange")))
        range.exchange = parser.value(QStringLiteral("exchange")).toStdString();
    if (parser.isSet(QStringLiteral("symbol")))
        range.symbol = parser.value(QStringLiteral("symbol")).toStdString();
    const QString out = parser.value(QStringLiteral("out"));
    const QString format = parser.isSet(QStringLiteral("format"))
        ? parser.value(QStringLiteral("format"))
        : (out.endsWith(QLatin1String(".zst")) ? QStringLiteral("csv.zst") : QStringLiteral("csv"));
    if (format != QLatin1String("csv") && format != QLatin1String("csv.zst"))
        return cli::usageError(
            kCommand, QStringLiteral("--format is csv or csv.zst, not '%1'").arg(format));
    const QString gapsOut = gapsPath(out);
    if (!parser.isSet(QStringLiteral("force"))) {
        for (const QString &path : {out, gapsOut}) {
            if (QFileInfo::exists(path))
                return cli::failure(kCommand,
                    QStringLiteral("%1 exists; choose another --out or pass --force").arg(path));
        }
    }

    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    auto session = DatabaseSession::open(chosen->second, {.purpose = "export", .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    try {
        const auto started = std::chrono::steady_clock::now();
        db::TradeExport exporter{(*session)->connection(), range};
        const db::RangeSummary &summary = exporter.summary();
        if (summary.instruments == 0)
            return cli::failure(kCommand,
                QStringLiteral("the database holds no instrument%1%2")
                    .arg(range.exchange ? QStringLiteral(" of exchange %1")
                                              .arg(QString::fromStdString(*range.exchange))
                                        : QString(),
                        range.symbol
                            ? QStringLiteral(" named %1").arg(QString::fromStdString(*range.symbol))
                            : QString()));
        cli::print(QStringLiteral("range:        %1 .. %2 UTC%3\n"
                                  "instruments:  %4\n"
                                  "known gaps:   %5 (%6 open), %7 s of %8 s instrument-time\n"
                                  "completeness: %9%")
                .arg(utc(range.fromNs), utc(range.toNs),
                    range.asOfNs ? QStringLiteral(", as received by %1").arg(utc(*range.asOfNs))
                                 : QString())
                .arg(summary.instruments)
                .arg(summary.gaps)
                .arg(summary.openGaps)
                .arg(summary.gapSeconds, 0, 'f', 1)
                .arg(summary.rangeSeconds * static_cast<double>(summary.instruments), 0, 'f', 0)
                .arg(summary.completeness() * 100, 0, 'f', 3));

        ExportFile gapsFile{gapsOut, false};
        const auto gaps = exporter.writeGaps([&](std::string_view row) { gapsFile.write(row); });
        ExportFile tradesFile{out, format == QLatin1String("csv.zst")};
        tradesFile.write(db::kTradeCsvHeader);
        cli::ProgressBar bar;
        std::int64_t rows = 0;
        double done = 0;
        const auto trades = exporter.writeTrades(
            [&](std::string_view row) {
                tradesFile.write(row);
                if (++rows % 65'536 == 0)
                    bar.update(done,
                        QStringLiteral("%1 trades, %2")
                            .arg(rows)
                            .arg(megabytes(tradesFile.bytesWritten())));
            },
            [&](double fraction) { done = fraction; });
        tradesFile.commit();
        gapsFile.commit();
        bar.finish();
        const double seconds
            = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        cli::print(QStringLiteral("wrote %1 trades to %2 (%3, %4 trades/s) and %5 gap(s) to %6")
                .arg(trades)
                .arg(out, megabytes(tradesFile.bytesWritten()))
                .arg(static_cast<double>(trades) / std::max(seconds, 1e-3), 0, 'f', 0)
                .arg(gaps)
                .arg(gapsOut));
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    return cli::kSuccess;
}

} // namespace tickscope::app
