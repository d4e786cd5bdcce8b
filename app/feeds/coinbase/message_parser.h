// Parses Coinbase Exchange WebSocket feed frames (../shared/feeds/PROTOCOLS.md 2A): `match` and
// `last_match` trades (side is the maker's, so the aggressor is the other side), the
// `level2_batch` channel's `snapshot` and `l2update`, `heartbeat`, `subscriptions` and `error`.
// Fields are read in any order. Every value is validated; a bad frame yields an error naming what
// was wrong. Used by CoinbaseNormalizer.
#pragma once

#include "app/feeds/instrument_list.h"
#include "app/feeds/json_reader.h"
#include "app/model/book.h"
#include "app/model/trade.h"

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tickscope::feeds::coinbase {

struct BookMessage
{
    std::uint32_t instrument = 0;
    bool snapshot = false;
    std::int64_t exchangeTimeNs = 0; // the receive time for a snapshot, which has none
    std::int64_t receivedAtNs = 0;
    std::vector<model::PriceLevel> bids;
    std::vector<model::PriceLevel> asks;
};

struct Subscriptions
{
    std::string channels; // "matches BTC-USD,ETH-USD; level2_batch ..."
};

struct ErrorReply
{
    std::string message;
    std::string reason;
};

struct Ignored
{
    std::string channel;
};

struct UnknownSymbol
{
    std::string symbol;
};

using Message
    = std::variant<model::Trade, BookMessage, Subscriptions, ErrorReply, Ignored, UnknownSymbol>;

class MessageParser
{
public:
    explicit MessageParser(const InstrumentList &instruments);

    std::expected<Message, std::string> parse(std::string_view frame, std::int64_t receivedAtNs);
    // The REST answer of GET /products/<id>/trades for `instrument`: [{"time":..,"trade_id":..,
    // "price":..,"size":..,"side":..}], newest first, `side` the maker's as in a match;
    // Coinbase's {"message":..} is returned as the error.
    std::expected<std::vector<model::Trade>, std::string> parseTrades(
        std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs);

private:
    json::Reader m_reader;
    const InstrumentList &m_instruments;
};

} // namespace tickscope::feeds::coinbase
