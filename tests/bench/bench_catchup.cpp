// How fast does ingest catch up after an outage? In one run on one durable PostgreSQL 17 +
// TimescaleDB cluster:
//  1. a journal of N Binance trade frames over K symbols is written beforehand, as the feed
//     thread writes it while the database is away (not timed in the figure);
//  2. catch-up: the writer thread's worker (ingest::DatabaseWriter, as `tickscope ingest` runs
//     it) starts against an empty database and commits the whole journal; the time from its
//     start until the last row is committed, and rows/s;
//  3. baseline: psql \copy of the same rows, as CSV, into the same table of a fresh database;
// and the ratio of 2 to 3. --edition tsl runs both on the TSL build with Tickscope's policies
// and the trades' compression working (after a day, the job every 10 s): the journal's trades
// are a year old unless --backlog-hours says how old (an outage's backlog is younger than
// compress_after), so by default the job compresses the chunks while the rows go in.
//
//   bench_catchup [--trades N] [--symbols K] [--batch-rows B] [--backlog-hours H]
//                 [--edition apache|tsl]
#include "app/feeds/binance/binance_adapter.h"
#include "app/ingest/database_writer.h"
#include "app/ingest/journal_writer.h"
#include "tests/bench/bench_support.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTemporaryDir>
#include <cstdio>
#include <pqxx/pqxx>

using namespace tickscope;
using namespace tickscope::bench;

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    std::int64_t trades = 5'000'000;
    int symbolCount = 8;
    std::size_t batchRows = 200'000;
    auto edition = model::TimescaleEdition::Apache;
    const QStringList arguments = QCoreApplication::arguments();
    std::int64_t startMs = 1'764'000'000'000;
    constexpr auto kUsage = "usage: bench_catchup [--trades N] [--symbols K] [--batch-rows B] "
                            "[--backlog-hours H] [--edition apache|tsl]\n";
    for (qsizetype i = 1; i < arguments.size(); i += 2) {
        if (const auto named
            = i + 1 < arguments.size() ? bench::editionNamed(arguments.at(i + 1)) : std::nullopt;
            arguments.at(i) == u"--edition" && named) {
            edition = *named;
            continue;
        }
        bool ok = false;
        const qint64 value = i + 1 < arguments.size() ? arguments.at(i + 1).toLongLong(&ok) : 0;
        if (!ok || value <= 0) {
            std::fprintf(stderr, "%s", kUsage);
            return 2;
        }
        if (arguments.at(i) == u"--trades")
            trades = value;
        else if (arguments.at(i) == u"--symbols")
            symbolCount = static_cast<int>(std::clamp<qint64>(value, 1, 8));
        else if (arguments.at(i) == u"--batch-rows")
            batchRows = static_cast<std::size_t>(value);
        else if (arguments.at(i) == u"--backlog-hours")
            startMs = QDateTime::currentMSecsSinceEpoch() - value * 3'600'000;
        else {
            std::fprintf(stderr, "%s", kUsage);
            return 2;
        }
    }
    const std::vector<std::string> allSymbols{
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "AVAXUSDT", "LINKUSDT"};
    std::vector<model::Instrument> instruments;
    for (int i = 0; i < symbolCount; ++i)
        instruments.push_back({"binance", allSymbols[static_cast<std::size_t>(i)],
            allSymbols[static_cast<std::size_t>(i)].substr(0, 3), "USDT"});

    try {
        QTemporaryDir scratch;
        const std::filesystem::path journal
            = scratch.filePath(QStringLiteral("binance")).toStdString();
        {
            const auto started = Clock::now();
            auto writer = ingest::journal::JournalWriter::open(journal);
            if (!writer)
                throw std::runtime_error(writer.error());
            for (std::int64_t i = 0; i < trades; ++i) {
                const auto symbol = static_cast<std::size_t>(i % symbolCount);
                const auto frame = tradeFrame(
                    instruments[symbol].symbol, 1'000'000 + i / symbolCount, i, startMs);
                if (auto appended = (*writer)->append(
                        feeds::RawKind::WebSocketText, 0, (startMs + i) * 1'000'000, frame);
                    !appended)
                    throw std::runtime_error(appended.error());
            }
            if (auto sealed = (*writer)->seal(); !sealed)
                throw std::runtime_error(sealed.error());
            std::printf("1. journal: %lld trade frames over %d symbols written in %.1f s\n",
                static_cast<long long>(trades), symbolCount, seconds(Clock::now() - started));
            std::fflush(stdout);
        }

        // Durable settings, as production runs them: fsync and synchronous_commit on.
        testing::TestCluster cluster{
            {QStringLiteral("shared_buffers = '2GB'"), QStringLiteral("max_wal_size = '8GB'")},
            edition};
        const bool compressing = edition == model::TimescaleEdition::Timescale;
        const std::string conninfo = migrated(cluster, "bench_catchup");
        if (compressing)
            activateCompressionPolicy(conninfo, std::chrono::seconds(10));
        const auto started = Clock::now();
        model::WriterStatus lastStatus;
        {
            ingest::DatabaseWriter writer{
                std::make_unique<feeds::binance::BinanceAdapter>(feeds::InstrumentList{instruments},
                    feeds::binance::BinanceEndpoints{}, feeds::binance::TimeUnit::Milliseconds),
                {.conninfo = conninfo, .journalDirectory = journal, .batchRows = batchRows}};
            // From the writer's thread, read once it has stopped.
            QObject::connect(
                &writer, &ingest::DatabaseWriter::statusChanged, &writer,
                [&](const model::WriterStatus &status) { lastStatus = status; },
                Qt::DirectConnection);
            writer.start();
            writer.drainAndStop(std::chrono::hours(1));
        }
        const double catchUp = seconds(Clock::now() - started);
        auto connection = db::connect(conninfo, "bench");
        const auto stored = pqxx::nontransaction{connection}
                                .exec("SELECT count(*) FROM market_data.trades")
                                .one_field()
                                .as<std::int64_t>();
        const double catchUpRate = static_cast<double>(stored) / catchUp;
        std::printf("2. catch-up: the writer committed %lld of %lld trades (%s) in %.1f s: "
                    "%.0f rows/s (batches of %zu rows)\n",
            static_cast<long long>(stored), static_cast<long long>(trades),
            stored == trades ? "all" : "NOT ALL", catchUp, catchUpRate, batchRows);
        printWriterPhases(lastStatus.writeSeconds, lastStatus.batchesCommitted,
            lastStatus.rowsCommitted, catchUp);
        if (compressing)
            std::printf("   %s\n", compressionActivity(conninfo).c_str());
        std::fflush(stdout);

        const std::string copyConninfo = migrated(cluster, "bench_catchup_copy");
        if (compressing)
            activateCompressionPolicy(copyConninfo, std::chrono::seconds(10));
        const double copySeconds = psqlCopy(conninfo, copyConninfo,
            QStringLiteral("market_data.trades"), scratch.filePath(QStringLiteral("trades.csv")));
        if (compressing)
            std::printf("   %s\n", compressionActivity(copyConninfo).c_str());
        const double copyRate = static_cast<double>(stored) / copySeconds;
        std::printf("3. baseline: psql \\copy of the same %lld rows from CSV into "
                    "market_data.trades: %.1f s, %.0f rows/s\n"
                    "   ratio catch-up / baseline: %.2f\n",
            static_cast<long long>(stored), copySeconds, copyRate, catchUpRate / copyRate);
        return stored == trades ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_catchup: %s\n", error.what());
        return 1;
    }
}
