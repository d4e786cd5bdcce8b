// Parses Coinbase Advanced Trade WebSocket frames (../shared/feeds/PROTOCOLS.md 2B): the envelope
// ({"channel":..,"timestamp":..,"sequence_num":..,"events":[..]}) of `market_trades` (trades with
// string ids and a BUY or SELL side whose meaning is disputed), `l2_data` (the level2 channel's
// snapshot and updates: absolute quantities, `bid` or `offer`), `heartbeats` and `subscriptions`,
// and error replies. A book's time is the envelope's: its levels' own event times are not
// monotonic. Every value is validated; a bad frame yields an error naming what was wrong. Used by
// AdvancedTradeNormalizer.
#pragma once

#include "app/feeds/coinbase/message_parser.h"

namespace tickscope::feeds::coinbase {

// What `market_trades`' side means: the taker's, the maker's (the aggressor is the other), or
// unknown (stored as such) until live traffic settles it.
enum class TradeSide { Taker, Maker, Unknown };

struct AdvancedTrades
{
    std::vector<model::Trade> trades; // oldest first
    std::vector<std::string> unknownSymbols; // of trades of products not configured
};

struct AdvancedBooks
{
    std::vector<BookMessage> books; // of configured products, in the order sent
    std::vector<std::string> unknownSymbols;
};

using AdvancedContent
    = std::variant<AdvancedTrades, AdvancedBooks, Subscriptions, ErrorReply, Ignored>;

struct AdvancedFrame
{
    std::optional<std::int64_t> sequence; // sequence_num: one counter per connection
    AdvancedContent content;
};

class AdvancedMessageParser
{
public:
    AdvancedMessageParser(const InstrumentList &instruments, TradeSide side);

    std::expected<AdvancedFrame, std::string> parse(
        std::string_view frame, std::int64_t receivedAtNs);

private:
    json::Reader m_reader;
    const InstrumentList &m_instruments;
    TradeSide m_side;
};

} // namespace tickscope::feeds::coinbase
