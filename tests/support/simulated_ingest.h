// What the end-to-end ingest tests share: a simulated exchange that starts trading when the feed
// connects, the config that ingests from it, running the ingest service until every trade sent is
// stored, and digests of the market-data tables to compare two databases by.
// Used by test_ingest_pipeline (Binance) and test_exchange_ingest (the others).
#pragma once

#include "app/config/config.h"
#include "app/services/ingest_service.h"
#include "app/sim/exchange_simulator.h"

#include <QJsonObject>
#include <QStringList>
#include <format>
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace tickscope::testing {

// A feed named after the simulator's exchange, its journal in `journal`.
app::Config configFor(const sim::ExchangeSimulator &simulator, const QString &journal);

// A config file DIRECTORY/tickscope.toml for `tickscope ingest` from `simulator` (all its
// symbols), the journal in DIRECTORY/journal, commits every 50 ms; returns the file's path.
QString writeIngestConfig(const sim::ExchangeSimulator &simulator, const QString &directory);

sim::ExchangeSimulator::Options simulation(
    std::vector<std::string> symbols, double tradesPerSecond, int seconds, std::uint64_t seed);

// The best `depth` levels of one side of a simulated market's book (ticks of 0.01, lots of
// 0.00001), as the feeds normalize them.
template<typename Side> std::vector<model::PriceLevel> levelsOf(const Side &side, std::size_t depth)
{
    std::vector<model::PriceLevel> levels;
    for (const auto &[ticks, lots] : side) {
        if (levels.size() == depth)
            break;
        levels.push_back({*model::Decimal::parse(std::format("{}.{:02}", ticks / 100, ticks % 100)),
            *model::Decimal::parse(std::format("{}.{:05}", lots / 100000, lots % 100000))});
    }
    return levels;
}

// How many trades the simulator has sent, over all its symbols.
std::int64_t tradesSent(const sim::ExchangeSimulator &simulator);
std::int64_t tradesStored(const std::string &conninfo);

// Runs the service until the simulator has finished and every trade it sent is stored (the
// missed ones backfilled), then stops it. Fails the test on a timeout.
void runUntilFinished(app::IngestService &service, sim::ExchangeSimulator &simulator,
    const std::string &conninfo, const std::function<void()> &meanwhile = {});

// Every trade the simulator sent is stored exactly once: per symbol, the count, distinct ids and
// the first and last id.
void verifyTrades(pqxx::connection &connection, const QJsonObject &report,
    const std::vector<std::string> &symbols);

// The ranges of a report's "trade_gaps" or "depth_gaps", and of audit.gaps of `kind` for
// `symbol`.
using IdRanges = std::vector<std::pair<std::int64_t, std::int64_t>>;
IdRanges rangesOf(const QJsonArray &array);
// `where`, if given, is a further condition on audit.gaps ("status <> 'backfilled'").
IdRanges storedGaps(pqxx::transaction_base &tx, const std::string &symbol, const char *kind,
    const char *where = "true");

// Per market-data table: its row count and an md5 of every column of every row in a fixed
// order, instruments named by exchange and symbol (their ids differ between databases).
QStringList tableDigests(const std::string &conninfo);

} // namespace tickscope::testing
