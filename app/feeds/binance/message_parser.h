// Parses Binance spot WebSocket frames (raw and combined streams: @trade or @aggTrade, @depth diff
// events, subscription acks, error replies, serverShutdown) and the REST depth snapshot into the
// normalized model. Runs on the feed thread; every value is validated, and a bad frame yields an
// error naming what was wrong instead of a message.
#pragma once

#include "app/feeds/instrument_list.h"
#include "app/model/book.h"
#include "app/model/trade.h"

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tickscope::feeds::binance {

// The unit of every time field; microseconds when the URL asks for timeUnit=MICROSECOND.
enum class TimeUnit { Milliseconds, Microseconds };

// Which stream's trades are stored: each trade (@trade, id t), or aggregates (@aggTrade, each
// covering trade ids f..l, stored as trade l covering l - f + 1 ids). The other is ignored.
enum class TradeStream { Trade, AggTrade };

struct SubscribeAck
{
    std::int64_t id = 0;
};

struct ErrorReply
{
    std::int64_t code = 0;
    std::string message;
};

// The server is about to go away; open a new connection now.
struct ServerShutdown
{
    std::int64_t eventTimeNs = 0;
};

// A well-formed frame of a channel Tickscope does not ingest (bookTicker, kline_1m, ticker,
// aggTrade...): the combined stream's channel, else the event type.
struct Ignored
{
    std::string channel;
};

// Data for a symbol that is not in the instrument list.
struct UnknownSymbol
{
    std::string symbol;
};

using Message = std::variant<model::Trade, model::BookDelta, SubscribeAck, ErrorReply,
    ServerShutdown, Ignored, UnknownSymbol>;

class MessageParser
{
public:
    MessageParser(const InstrumentList &instruments, TimeUnit timeUnit,
        TradeStream tradeStream = TradeStream::Trade);
    ~MessageParser();
    MessageParser(const MessageParser &) = delete;
    MessageParser &operator=(const MessageParser &) = delete;

    std::expected<Message, std::string> parse(std::string_view frame, std::int64_t receivedAtNs);

    // GET /api/v3/depth's body: {"lastUpdateId":N,"bids":[["p","q"],...],"asks":[...]}.
    std::expected<model::BookSnapshot, std::string> parseDepthSnapshot(
        std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs);

    // GET /api/v3/historicalTrades's body: [{"id":N,"price":"p","qty":"q","time":T,
    // "isBuyerMaker":b,...},...], the trades of `instrument` from some id on.
    std::expected<std::vector<model::Trade>, std::string> parseHistoricalTrades(
        std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs);

private:
    struct State;
    std::unique_ptr<State> m_state;
    const InstrumentList &m_instruments;
    TimeUnit m_timeUnit;
    TradeStream m_tradeStream;
};

} // namespace tickscope::feeds::binance
