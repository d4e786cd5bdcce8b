#include "app/ingest/trade_sequencer.h"

#include <algorithm>

namespace tickscope::ingest {

using TradeIds = feeds::ExchangeTraits::TradeIds;

TradeSequencer::TradeSequencer(TradeIds ids, std::size_t instrumentCount)
    : m_ids(ids)
    , m_last(instrumentCount)
{ }

TradeSequencer::Outcome TradeSequencer::accept(const model::Trade &trade)
{
    Outcome outcome;
    if (m_ids == TradeIds::Opaque || !trade.hasNumericId())
        return outcome;
    Last &last = m_last.at(trade.instrument);
    if (last.tradeId >= 0 && trade.tradeId <= last.tradeId) {
        outcome.duplicate = true;
        return outcome;
    }
    const std::int64_t firstId = trade.tradeId - (std::max<std::int64_t>(trade.idsCovered, 1) - 1);
    if (m_ids == TradeIds::Contiguous && last.tradeId >= 0 && firstId > last.tradeId + 1) {
        outcome.gap = model::Gap{
            .kind = model::Gap::Kind::TradeId,
            .instrument = trade.instrument,
            .firstMissing = last.tradeId + 1,
            .lastMissing = firstId - 1,
            .beforeTimeNs = last.timeNs,
            .afterTimeNs = trade.exchangeTimeNs,
        };
    }
    last = {trade.tradeId, trade.exchangeTimeNs};
    outcome.advanced = true;
    return outcome;
}

void TradeSequencer::seed(
    std::uint32_t instrument, std::int64_t lastTradeId, std::int64_t lastTimeNs)
{
    m_last.at(instrument) = {lastTradeId, lastTimeNs};
}

std::optional<std::int64_t> TradeSequencer::lastTradeId(std::uint32_t instrument) const
{
    const Last &last = m_last.at(instrument);
    if (last.tradeId < 0)
        return std::nullopt;
    return last.tradeId;
}

} // namespace tickscope::ingest
