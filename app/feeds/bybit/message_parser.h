// Parses Bybit v5 spot public WebSocket frames (../shared/feeds/PROTOCOLS.md 5): `publicTrade`
// pushes, `orderbook.{depth}` snapshots and deltas with their update id `u`, and the answers to
// subscribe, unsubscribe and ping (success, ret_msg). Fields are read in any order (Bybit puts
// spot's `ts` before `type`). Every value is validated; a bad frame yields an error naming what
// was wrong. Used by BybitNormalizer.
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

namespace tickscope::feeds::bybit {

struct BookMessage
{
    std::uint32_t instrument = 0;
    bool snapshot = false;
    std::int64_t exchangeTimeNs = 0; // cts, the matching engine's time (else ts)
    std::int64_t receivedAtNs = 0;
    std::int64_t updateId = 0; // u; 1 after a service restart
    std::vector<model::PriceLevel> bids;
    std::vector<model::PriceLevel> asks;
};

// The answer to a subscribe, unsubscribe or ping.
struct Reply
{
    std::string op;
    bool success = false;
    std::string message; // ret_msg
};

struct Ignored
{
    std::string channel;
};

struct UnknownSymbol
{
    std::string symbol;
};

using Message = std::variant<std::vector<model::Trade>, BookMessage, Reply, Ignored, UnknownSymbol>;

class MessageParser
{
public:
    explicit MessageParser(const InstrumentList &instruments);

    std::expected<Message, std::string> parse(std::string_view frame, std::int64_t receivedAtNs);

private:
    json::Reader m_reader;
    const InstrumentList &m_instruments;
};

} // namespace tickscope::feeds::bybit
