// Parses Kraken WebSocket v2 frames (../shared/feeds/PROTOCOLS.md 3): `trade` and `book` pushes,
// the `instrument` snapshot (the precisions the book checksum needs), subscribe and unsubscribe
// acks and failures, `status`, heartbeats and pongs. Prices and quantities come as JSON numbers
// and are read from their exact text, never through a double. Every value is validated; a bad
// frame yields an error naming what was wrong. Also the REST answer of public/Trades, for
// backfill. Used by KrakenNormalizer.
#pragma once

#include "app/feeds/instrument_list.h"
#include "app/feeds/json_reader.h"
#include "app/model/book.h"
#include "app/model/trade.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tickscope::feeds::kraken {

// One `book` push for one instrument; levels in the order sent (they apply in that order).
struct BookMessage
{
    std::uint32_t instrument = 0;
    bool snapshot = false;
    std::int64_t exchangeTimeNs = 0; // the receive time when the push has no timestamp
    std::int64_t receivedAtNs = 0;
    std::optional<std::uint32_t> checksum;
    std::vector<model::PriceLevel> bids;
    std::vector<model::PriceLevel> asks;
};

// The decimals of the configured instruments' prices and quantities.
struct Precisions
{
    std::uint32_t instrument = 0;
    int price = 0;
    int quantity = 0;
};

struct InstrumentInfo
{
    std::vector<Precisions> precisions; // configured instruments only
};

struct SubscribeAck
{
    std::string method; // subscribe, unsubscribe
    std::string channel;
    std::string symbol;
};

struct ErrorReply
{
    std::string method;
    std::string symbol;
    std::string error;
};

// The engine's state: online, maintenance, cancel_only, post_only.
struct Status
{
    std::string system;
};

// A well-formed frame Tickscope does not store (heartbeat, pong, ticker, ohlc...).
struct Ignored
{
    std::string channel;
};

struct UnknownSymbol
{
    std::string symbol;
};

using Message = std::variant<std::vector<model::Trade>, BookMessage, InstrumentInfo, SubscribeAck,
    ErrorReply, Status, Ignored, UnknownSymbol>;

class MessageParser
{
public:
    explicit MessageParser(const InstrumentList &instruments);

    std::expected<Message, std::string> parse(std::string_view frame, std::int64_t receivedAtNs);
    // The REST answer of GET /0/public/Trades for `instrument`: {"error":[],"result":{"<PAIR>":
    // [["price","volume",time,"b"|"s","m"|"l","misc",trade_id],...],"last":"<ns>"}}, oldest
    // first; Kraken's errors are returned as the error.
    std::expected<std::vector<model::Trade>, std::string> parseTradeHistory(
        std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs);

private:
    json::Reader m_reader;
    const InstrumentList &m_instruments;
};

} // namespace tickscope::feeds::kraken
