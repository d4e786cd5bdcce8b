#include "app/feeds/binance/message_parser.h"

#include "app/feeds/json_reader.h"

#include <format>
#include <limits>
#include <optional>

namespace tickscope::feeds::binance {

namespace {

using json::describe;
using json::object;
using json::readInt;
using json::readString;
using json::value;

// The fields of any frame, wrapper and event alike, collected in one forward pass.
struct Fields
{
    std::string_view eventType; // e
    std::string_view symbol; // s
    std::string_view price; // p
    std::string_view quantity; // q
    std::optional<std::int64_t> eventTime; // E
    std::optional<std::int64_t> tradeTime; // T
    std::optional<std::int64_t> tradeId; // t
    std::optional<std::int64_t> firstTradeId; // f (aggTrade)
    std::optional<std::int64_t> lastTradeId; // l (aggTrade)
    std::optional<std::int64_t> firstUpdateId; // U
    std::optional<std::int64_t> finalUpdateId; // u
    std::optional<std::int64_t> lastUpdateId; // lastUpdateId (REST snapshot)
    std::optional<bool> buyerIsMaker; // m
    std::optional<std::int64_t> id;
    std::optional<std::int64_t> code;
    std::string_view message; // msg
    std::string_view stream; // a combined stream's name: "btcusdt@bookTicker"
    bool hasResult = false;
    bool hasBids = false;
    bool hasAsks = false;
    std::string levelsError; // b or a present but not levels: only a depthUpdate minds
    std::vector<model::PriceLevel> bids;
    std::vector<model::PriceLevel> asks;
};

std::expected<void, std::string> readObject(object fields, Fields &out, int depth);

std::expected<void, std::string> readField(std::string_view key, value v, Fields &out, int depth)
{
    if (key == "data" && depth == 0) {
        object inner;
        if (auto error = v.get_object().get(inner))
            return std::unexpected(std::format("'data' is not an object ({})", describe(error)));
        return readObject(inner, out, depth + 1);
    }
    if (key == "e")
        return readString(v, out.eventType, key);
    if (key == "s")
        return readString(v, out.symbol, key);
    if (key == "p")
        return readString(v, out.price, key);
    if (key == "q")
        return readString(v, out.quantity, key);
    if (key == "E")
        return readInt(v, out.eventTime, key);
    if (key == "T")
        return readInt(v, out.tradeTime, key);
    if (key == "t")
        return readInt(v, out.tradeId, key);
    if (key == "f" || key == "l") {
        // aggTrade's trade ids; a ticker's "l" is its low price, a string.
        simdjson::ondemand::json_type type{};
        if (v.type().get(type) || type != simdjson::ondemand::json_type::number)
            return {};
        return readInt(v, key == "f" ? out.firstTradeId : out.lastTradeId, key);
    }
    if (key == "U")
        return readInt(v, out.firstUpdateId, key);
    if (key == "u")
        return readInt(v, out.finalUpdateId, key);
    if (key == "lastUpdateId")
        return readInt(v, out.lastUpdateId, key);
    if (key == "code")
        return readInt(v, out.code, key);
    if (key == "msg")
        return readString(v, out.message, key);
    if (key == "m") {
        bool flag = false;
        if (auto error = v.get_bool().get(flag))
            return std::unexpected(std::format("'m' is not a boolean ({})", describe(error)));
        out.buyerIsMaker = flag;
        return {};
    }
    if (key == "id") {
        bool null = false;
        if (auto error = v.is_null().get(null))
            return std::unexpected(std::format("'id' is not a value ({})", describe(error)));
        if (null)
            return {};
        return readInt(v, out.id, key);
    }
    if (key == "result") {
        out.hasResult = true;
        return {};
    }
    if (key == "stream" && depth == 0)
        return readString(v, out.stream, key);
    if (key == "b" || key == "a") {
        // Other channels use the letters for other things (bookTicker's best prices, aggTrade's
        // id), so they are levels only where they are arrays; a depthUpdate then insists.
        simdjson::ondemand::json_type type{};
        if (v.type().get(type) || type != simdjson::ondemand::json_type::array) {
            out.levelsError = std::format("'{}' is not an array of levels", key);
            return {};
        }
        (key == "b" ? out.hasBids : out.hasAsks) = true;
        return json::readLevels(v, key == "b" ? out.bids : out.asks, key);
    }
    if (key == "bids") {
        out.hasBids = true;
        return json::readLevels(v, out.bids, key);
    }
    if (key == "asks") {
        out.hasAsks = true;
        return json::readLevels(v, out.asks, key);
    }
    return {}; // fields Tickscope does not use ("stream", "M", ...)
}

std::expected<void, std::string> readObject(object fields, Fields &out, int depth)
{
    for (auto field : fields) {
        std::string_view key;
        if (auto error = field.escaped_key().get(key))
            return std::unexpected(std::format("bad key ({})", describe(error)));
        if (auto read = readField(key, field.value(), out, depth); !read)
            return read;
    }
    return {};
}

} // namespace

struct MessageParser::State
{
    json::Reader reader;

    std::expected<Fields, std::string> read(std::string_view text)
    {
        auto top = reader.iterateObject(text);
        if (!top)
            return std::unexpected(top.error());
        Fields fields;
        if (auto read = readObject(*top, fields, 0); !read)
            return std::unexpected(read.error());
        if (auto end = reader.checkEnd(); !end)
            return std::unexpected(end.error());
        return fields;
    }
};

MessageParser::MessageParser(
    const InstrumentList &instruments, TimeUnit timeUnit, TradeStream tradeStream)
    : m_state(std::make_unique<State>())
    , m_instruments(instruments)
    , m_timeUnit(timeUnit)
    , m_tradeStream(tradeStream)
{ }

MessageParser::~MessageParser() = default;

std::expected<Message, std::string> MessageParser::parse(
    std::string_view frame, std::int64_t receivedAtNs)
{
    auto read = m_state->read(frame);
    if (!read)
        return std::unexpected(read.error());
    const Fields &f = *read;
    const std::int64_t nsPerUnit = m_timeUnit == TimeUnit::Milliseconds ? 1'000'000 : 1'000;
    auto toNs = [&](std::int64_t time) -> std::expected<std::int64_t, std::string> {
        if (time <= 0 || time > INT64_MAX / nsPerUnit)
            return std::unexpected(std::format("time {} is out of range", time));
        return time * nsPerUnit;
    };

    if (f.code)
        return ErrorReply{*f.code, std::string(f.message)};
    if (f.hasResult)
        return SubscribeAck{f.id.value_or(0)};
    // A combined stream names its channel ("btcusdt@kline_1m" -> "kline_1m"); a raw one only by
    // its event type, and bookTicker (which has none) by its update id and best prices.
    const auto at = f.stream.find('@');
    const std::string_view channel = at != std::string_view::npos ? f.stream.substr(at + 1)
        : !f.eventType.empty()                                    ? f.eventType
        : f.finalUpdateId && !f.levelsError.empty()               ? std::string_view("bookTicker")
                                                                  : std::string_view();
    if (f.eventType == "serverShutdown") {
        const auto time = toNs(f.eventTime.value_or(0));
        return ServerShutdown{time.value_or(receivedAtNs)};
    }
    const std::string_view tradeEvent
        = m_tradeStream == TradeStream::AggTrade ? "aggTrade" : "trade";
    if (f.eventType != tradeEvent && f.eventType != "depthUpdate") {
        if (channel.empty())
            return std::unexpected(std::string("neither an event, an ack nor an error reply"));
        return Ignored{std::string(channel)};
    }
    if (f.eventType == "depthUpdate" && !f.levelsError.empty())
        return std::unexpected("depthUpdate " + f.levelsError);

    const auto instrument = m_instruments.find(f.symbol);
    if (!instrument)
        return UnknownSymbol{std::string(f.symbol)};

    if (f.eventType == tradeEvent) {
        const bool aggregate = m_tradeStream == TradeStream::AggTrade;
        if (aggregate && (!f.firstTradeId || !f.lastTradeId))
            return std::unexpected(std::string("aggTrade lacks f or l"));
        if (aggregate
            && (*f.firstTradeId < 0 || *f.firstTradeId > *f.lastTradeId
                || *f.lastTradeId == std::numeric_limits<std::int64_t>::max()))
            return std::unexpected(std::format(
                "aggTrade trade ids f={} l={} are no range", *f.firstTradeId, *f.lastTradeId));
        const auto tradeId = aggregate ? f.lastTradeId : f.tradeId;
        if (!tradeId || !f.tradeTime || !f.buyerIsMaker || f.price.empty() || f.quantity.empty())
            return std::unexpected(std::format(
                "{} lacks one of {}, T, m, p, q", tradeEvent, aggregate ? "f, l" : "t"));
        if (*tradeId < 0)
            return std::unexpected(std::format("trade id {} is negative", *tradeId));
        const auto price = model::Decimal::parse(f.price);
        if (!price || !price->isPositive())
            return std::unexpected(
                std::format("trade price \"{}\" is not a positive decimal", f.price));
        const auto size = model::Decimal::parse(f.quantity);
        if (!size || !size->isPositive())
            return std::unexpected(
                std::format("trade quantity \"{}\" is not a positive decimal", f.quantity));
        const auto time = toNs(*f.tradeTime);
        if (!time)
            return std::unexpected("trade " + time.error());
        // m: the buyer was the maker, so the aggressor sold.
        return model::Trade{
            .exchangeTimeNs = *time,
            .receivedAtNs = receivedAtNs,
            .instrument = *instrument,
            .tradeId = *tradeId,
            .idsCovered = aggregate ? *f.lastTradeId - *f.firstTradeId + 1 : 1,
            .price = *price,
            .size = *size,
            .side = *f.buyerIsMaker ? model::Side::Sell : model::Side::Buy,
        };
    }

    if (!f.firstUpdateId || !f.finalUpdateId || !f.eventTime || !f.hasBids || !f.hasAsks)
        return std::unexpected(std::string("depthUpdate lacks one of U, u, E, b, a"));
    if (*f.firstUpdateId > *f.finalUpdateId || *f.firstUpdateId < 0)
        return std::unexpected(std::format(
            "depthUpdate range U={} u={} is invalid", *f.firstUpdateId, *f.finalUpdateId));
    const auto time = toNs(*f.eventTime);
    if (!time)
        return std::unexpected("depthUpdate " + time.error());
    return model::BookDelta{
        .exchangeTimeNs = *time,
        .receivedAtNs = receivedAtNs,
        .instrument = *instrument,
        .firstSequence = *f.firstUpdateId,
        .sequence = *f.finalUpdateId,
        .bids = std::move(read->bids),
        .asks = std::move(read->asks),
    };
}

std::expected<model::BookSnapshot, std::string> MessageParser::parseDepthSnapshot(
    std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs)
{
    auto read = m_state->read(body);
    if (!read)
        return std::unexpected("depth snapshot: " + read.error());
    if (read->code)
        return std::unexpected(
            std::format("depth snapshot: error {} {}", *read->code, read->message));
    if (!read->lastUpdateId || !read->hasBids || !read->hasAsks)
        return std::unexpected(std::string("depth snapshot lacks one of lastUpdateId, bids, asks"));
    return model::BookSnapshot{
        .exchangeTimeNs = receivedAtNs,
        .receivedAtNs = receivedAtNs,
        .instrument = instrument,
        .sequence = *read->lastUpdateId,
        .bids = std::move(read->bids),
        .asks = std::move(read->asks),
    };
}

std::expected<std::vector<model::Trade>, std::string> MessageParser::parseHistoricalTrades(
    std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs)
{
    const auto document = m_state->reader.iterate(body);
    if (!document)
        return std::unexpected("historical trades: " + document.error());
    json::array array;
    if (auto error = (*document)->get_array().get(array))
        return std::unexpected(
            std::format("historical trades: not an array ({})", describe(error)));
    const std::int64_t nsPerUnit = m_timeUnit == TimeUnit::Milliseconds ? 1'000'000 : 1'000;
    std::vector<model::Trade> trades;
    for (auto element : array) {
        object entry;
        if (auto error = element.get_object().get(entry))
            return std::unexpected(
                std::format("historical trades: an entry is not an object ({})", describe(error)));
        std::optional<std::int64_t> id;
        std::optional<std::int64_t> time;
        std::optional<bool> buyerIsMaker;
        std::string_view price;
        std::string_view quantity;
        for (auto field : entry) {
            std::string_view key;
            if (field.escaped_key().get(key))
                return std::unexpected(std::string("historical trades: bad key"));
            value v;
            if (field.value().get(v))
                return std::unexpected(std::string("historical trades: bad value"));
            std::expected<void, std::string> read;
            if (key == "id")
                read = readInt(v, id, key);
            else if (key == "time")
                read = readInt(v, time, key);
            else if (key == "price")
                read = readString(v, price, key);
            else if (key == "qty")
                read = readString(v, quantity, key);
            else if (key == "isBuyerMaker") {
                bool flag = false;
                if (v.get_bool().get(flag))
                    return std::unexpected(
                        std::string("historical trades: 'isBuyerMaker' is not a boolean"));
                buyerIsMaker = flag;
            }
            if (!read)
                return std::unexpected("historical trades: " + read.error());
        }
        const auto parsedPrice = json::parsePrice(price);
        const auto parsedSize = json::parseSize(quantity);
        if (!id || !time || !buyerIsMaker || !parsedPrice || !parsedSize
            || !parsedSize->isPositive() || *time <= 0 || *time > INT64_MAX / nsPerUnit)
            return std::unexpected(std::string(
                "historical trades: an entry lacks a valid id, price, qty, time or isBuyerMaker"));
        trades.push_back({.exchangeTimeNs = *time * nsPerUnit,
            .receivedAtNs = receivedAtNs,
            .instrument = instrument,
            .tradeId = *id,
            .price = *parsedPrice,
            .size = *parsedSize,
            .side = *buyerIsMaker ? model::Side::Sell : model::Side::Buy});
    }
    return trades;
}

} // namespace tickscope::feeds::binance
