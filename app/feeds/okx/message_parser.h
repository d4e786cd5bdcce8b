// Parses OKX v5 public WebSocket frames (../shared/feeds/PROTOCOLS.md 4): `trades` pushes,
// `books` snapshots and updates (with the levels' exact text, which the checksum is computed
// over), subscribe and unsubscribe acks, error replies, notices (64008: the connection closes
// soon) and the text "pong"; and the REST answer of history-trades, for backfill. Every value is
// validated; a bad frame yields an error naming what was wrong instead of a message. Used by
// OkxNormalizer on the feed and writer threads.
#pragma once

#include "app/feeds/instrument_list.h"
#include "app/feeds/json_reader.h"
#include "app/feeds/okx/book_checksum.h"
#include "app/model/book.h"
#include "app/model/trade.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tickscope::feeds::okx {

// One `books` push: a snapshot (prevSeqId -1) or an update, for one instrument.
struct BookMessage
{
    std::uint32_t instrument = 0;
    bool snapshot = false;
    std::int64_t exchangeTimeNs = 0;
    std::int64_t receivedAtNs = 0;
    std::int64_t prevSeqId = 0;
    std::int64_t seqId = 0;
    std::optional<std::int32_t> checksum;
    // The levels as sent, best first in a snapshot, in any order in an update; parallel vectors
    // of the exact text and the parsed values.
    std::vector<TextLevel> bidTexts;
    std::vector<TextLevel> askTexts;
    std::vector<model::PriceLevel> bids;
    std::vector<model::PriceLevel> asks;
};

struct SubscribeAck
{
    std::string event; // subscribe, unsubscribe
    std::string channel;
    std::string symbol;
};

struct ErrorReply
{
    std::string code;
    std::string message;
};

// {"event":"notice"}: 64008 announces that the connection closes soon for an upgrade.
struct Notice
{
    std::string code;
    std::string message;
};

struct Pong
{
};

// A well-formed push of a channel Tickscope does not ingest (tickers, bbo-tbt, candles...).
struct Ignored
{
    std::string channel;
};

struct UnknownSymbol
{
    std::string symbol;
};

using Message = std::variant<std::vector<model::Trade>, BookMessage, SubscribeAck, ErrorReply,
    Notice, Pong, Ignored, UnknownSymbol>;

class MessageParser
{
public:
    explicit MessageParser(const InstrumentList &instruments);

    std::expected<Message, std::string> parse(std::string_view frame, std::int64_t receivedAtNs);
    // The REST answer of GET /api/v5/market/history-trades for `instrument`:
    // {"code":"0","msg":"","data":[{"instId":..,"tradeId":..,"px":..,"sz":..,"side":..,"ts":..}]},
    // newest first; a code other than "0" is OKX refusing, returned as the error.
    std::expected<std::vector<model::Trade>, std::string> parseHistoryTrades(
        std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs);

private:
    json::Reader m_reader;
    const InstrumentList &m_instruments;
};

} // namespace tickscope::feeds::okx
