#include "db/instrument_registry.h"

#include <pqxx/pqxx>
#include <stdexcept>

namespace tickscope::db {

std::vector<int> registerInstruments(
    pqxx::connection &connection, const std::vector<model::Instrument> &instruments)
{
    std::vector<int> ids;
    ids.reserve(instruments.size());
    pqxx::work tx{connection};
    for (const auto &instrument : instruments) {
        tx.exec(
            "INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset, "
            "time_precision) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (exchange, symbol) DO NOTHING",
            pqxx::params{instrument.exchange, instrument.symbol, instrument.baseAsset,
                instrument.quoteAsset, instrument.timePrecision});
        const auto row = tx.exec("SELECT instrument_id FROM market_data.instruments "
                                 "WHERE exchange = $1 AND symbol = $2",
            pqxx::params{instrument.exchange, instrument.symbol});
        if (row.size() != 1)
            throw std::runtime_error("instrument " + instrument.exchange + ":" + instrument.symbol
                + " has no row in market_data.instruments");
        ids.push_back(row[0][0].as<int>());
    }
    tx.commit();
    return ids;
}

} // namespace tickscope::db
