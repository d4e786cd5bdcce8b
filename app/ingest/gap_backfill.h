// Fills open trade-id gaps from the exchange's trade history outside the ingest pipeline:
// `tickscope gaps --backfill`. Each gap is fetched a page at a time as its adapter pages
// (BatchAssembler, as the live writer does it) within the exchange's REST limit (RestClient, a few
// attempts a page), and its trades and its new state are written in one transaction
// (db::IngestWriter, which skips trades already stored, so an ingest filling the same gap at the
// same time does no harm). A gap whose pages cannot be had stays open, with the reason.
#pragma once

#include "app/feeds/exchange_adapter.h"
#include "app/model/gap.h"

#include <functional>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace tickscope::ingest {

struct GapBackfill
{
    model::Gap gap;
    std::string state; // backfilled, unrecoverable, or open when its trades could not be had
    std::string detail; // the gap's note, or why it stays open
    std::int64_t tradesStored = 0; // of the trades fetched, those not stored before
};

// Which open gaps to fill: of one symbol, and ending at or after a time (0: any).
struct GapSelection
{
    std::optional<std::string> symbol;
    std::int64_t sinceNs = 0;
};

// Fills the open trade-id gaps of `adapter`'s feed that `selection` picks, one after another,
// writing with `connection` (the ingest role's); runs an event loop of its own meanwhile.
// `settled` hears of each gap as it ends; an exchange without a trade history leaves each open.
// Throws what the database throws.
std::vector<GapBackfill> backfillOpenGaps(const feeds::ExchangeAdapter &adapter,
    pqxx::connection &connection, const GapSelection &selection,
    const std::function<void(const GapBackfill &)> &settled);

} // namespace tickscope::ingest
