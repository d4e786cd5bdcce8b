#include "tests/support/simulated_ingest.h"

#include "app/services/simulated_feed.h"
#include "db/connection.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>
#include <format>

namespace tickscope::testing {

IdRanges rangesOf(const QJsonArray &array)
{
    IdRanges out;
    for (const auto &range : array)
        out.emplace_back(range.toArray()[0].toInteger(), range.toArray()[1].toInteger());
    return out;
}

IdRanges storedGaps(
    pqxx::transaction_base &tx, const std::string &symbol, const char *kind, const char *where)
{
    IdRanges found;
    for (const auto &row : tx.exec(std::format("SELECT first_missing, last_missing FROM audit.gaps "
                                               "g JOIN market_data.instruments i USING "
                                               "(instrument_id) WHERE i.symbol = $1 AND g.kind = "
                                               "$2 AND ({}) ORDER BY first_missing",
                                       where),
             pqxx::params{symbol, kind}))
        found.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::int64_t>());
    return found;
}

app::Config configFor(const sim::ExchangeSimulator &simulator, const QString &journal)
{
    app::Config config;
    config.journalDirectory = journal;
    config.flushInterval = std::chrono::milliseconds(50);
    config.feeds.push_back(app::simulatedFeed(simulator, simulator.exchange()));
    return config;
}

QString writeIngestConfig(const sim::ExchangeSimulator &simulator, const QString &directory)
{
    QStringList symbols;
    for (const auto &symbol : simulator.symbols())
        symbols << QStringLiteral("\"%1\"").arg(QString::fromStdString(symbol));
    const QString path = QDir{directory}.filePath(QStringLiteral("tickscope.toml"));
    QFile file{path};
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write(
        QStringLiteral("[exchanges.%1]\nsymbols = [%2]\nwebsocket_url = \"ws://127.0.0.1:%3\"\n"
                       "rest_url = \"http://127.0.0.1:%4\"\n[journal]\ndirectory = \"%5\"\n"
                       "[ingest]\nflush_interval_ms = 50\n")
            .arg(QString::fromStdString(simulator.exchange()), symbols.join(QStringLiteral(", ")))
            .arg(simulator.port())
            .arg(simulator.restPort())
            .arg(QDir{directory}.filePath(QStringLiteral("journal")))
            .toUtf8());
    return path;
}

sim::ExchangeSimulator::Options simulation(
    std::vector<std::string> symbols, double tradesPerSecond, int seconds, std::uint64_t seed)
{
    sim::ExchangeSimulator::Options options;
    options.symbols = std::move(symbols);
    options.tradesPerSecond = tradesPerSecond;
    options.duration = std::chrono::seconds(seconds);
    options.seed = seed;
    options.startOnFirstSubscription = true;
    return options;
}

std::int64_t tradesSent(const sim::ExchangeSimulator &simulator)
{
    std::int64_t sent = 0;
    for (const auto &symbol : simulator.report()[QStringLiteral("symbols")].toObject())
        sent += symbol.toObject()[QStringLiteral("trades_sent")].toInteger();
    return sent;
}

std::int64_t tradesStored(const std::string &conninfo)
{
    auto connection = db::connect(conninfo, "test");
    return pqxx::nontransaction{connection}
        .exec("SELECT count(*) FROM market_data.trades")
        .one_field()
        .as<std::int64_t>();
}

void runUntilFinished(app::IngestService &service, sim::ExchangeSimulator &simulator,
    const std::string &conninfo, const std::function<void()> &meanwhile)
{
    QSignalSpy finished{&simulator, &sim::ExchangeSimulator::finished};
    service.start();
    if (meanwhile)
        meanwhile();
    QVERIFY(finished.wait(60'000));
    QTRY_COMPARE_WITH_TIMEOUT(tradesStored(conninfo), tradesSent(simulator), 60'000);
    QSignalSpy stopped{&service, &app::IngestService::stopped};
    service.stop();
    QVERIFY(stopped.wait(60'000));
}

void verifyTrades(pqxx::connection &connection, const QJsonObject &report,
    const std::vector<std::string> &symbols)
{
    pqxx::nontransaction tx{connection};
    for (const auto &symbol : symbols) {
        const QJsonObject sent
            = report[QStringLiteral("symbols")][QString::fromStdString(symbol)].toObject();
        const auto stored
            = tx.exec("SELECT count(*), count(DISTINCT t.trade_id), min(t.trade_id), "
                      "max(t.trade_id) FROM market_data.trades t JOIN market_data.instruments i "
                      "USING (instrument_id) WHERE i.symbol = $1",
                    pqxx::params{symbol})
                  .one_row();
        QCOMPARE(stored[1].as<std::int64_t>(), stored[0].as<std::int64_t>());
        QCOMPARE(stored[2].as<std::int64_t>(), sent[QStringLiteral("first_trade_id")].toInteger());
        QCOMPARE(stored[3].as<std::int64_t>(), sent[QStringLiteral("last_trade_id")].toInteger());
        QCOMPARE(stored[0].as<std::int64_t>(), sent[QStringLiteral("trades_sent")].toInteger());
    }
}

QStringList tableDigests(const std::string &conninfo)
{
    static const char *const kQueries[] = {
        "SELECT 'trades ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', "
        "i.exchange, i.symbol, t.time, market_data.received_at(t.time, t.received_after_us), "
        "t.trade_id, t.trade_uuid, t.trade_ref, market_data.to_numeric(t.price_units, "
        "t.price_scale), market_data.to_numeric(t.size_units, t.size_scale), t.side), ',' "
        "ORDER BY i.symbol, t.time, t.trade_id, coalesce(t.trade_uuid::text, t.trade_ref))), '') "
        "FROM market_data.trades t JOIN market_data.instruments i USING (instrument_id)",
        "SELECT 'book_deltas ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', "
        "i.exchange, i.symbol, d.time, market_data.received_at(d.time, d.received_after_us), "
        "d.first_sequence, d.sequence, market_data.to_numeric(d.bid_price_units, d.price_scale, "
        "d.bid_prices_exact), market_data.to_numeric(d.bid_size_units, d.size_scale, "
        "d.bid_sizes_exact), market_data.to_numeric(d.ask_price_units, d.price_scale, "
        "d.ask_prices_exact), market_data.to_numeric(d.ask_size_units, d.size_scale, "
        "d.ask_sizes_exact)), ',' ORDER BY i.symbol, d.time, d.sequence)), '') "
        "FROM market_data.book_deltas d JOIN market_data.instruments i USING (instrument_id)",
        "SELECT 'book_snapshots ' || count(*) || ' ' || coalesce(md5(string_agg(concat_ws('|', "
        "i.exchange, i.symbol, s.time, market_data.received_at(s.time, s.received_after_us), "
        "s.sequence, market_data.to_numeric(s.bid_price_units, s.price_scale, "
        "s.bid_prices_exact), market_data.to_numeric(s.bid_size_units, s.size_scale, "
        "s.bid_sizes_exact), market_data.to_numeric(s.ask_price_units, s.price_scale, "
        "s.ask_prices_exact), market_data.to_numeric(s.ask_size_units, s.size_scale, "
        "s.ask_sizes_exact)), ',' ORDER BY i.symbol, s.time, s.sequence)), '') "
        "FROM market_data.book_snapshots s JOIN market_data.instruments i USING (instrument_id)",
    };
    auto connection = db::connect(conninfo, "test");
    pqxx::nontransaction tx{connection};
    QStringList digests;
    for (const char *query : kQueries)
        digests << QString::fromStdString(tx.exec(query).one_field().as<std::string>());
    return digests;
}

} // namespace tickscope::testing
