#include "app/feeds/bybit/message_parser.h"

#include <format>

namespace tickscope::feeds::bybit {

namespace {

using json::describe;
using json::Fields;
using json::forEachField;
using json::forEachObject;
using json::readInt;
using json::readString;

constexpr std::int64_t kNsPerMs = 1'000'000;

std::expected<std::int64_t, std::string> msToNs(std::int64_t ms, std::string_view what)
{
    if (ms <= 0 || ms > INT64_MAX / kNsPerMs)
        return std::unexpected(std::format("{} time {} is out of range", what, ms));
    return ms * kNsPerMs;
}

// A publicTrade entry; nullopt when its symbol is not configured (then in `unknown`).
std::expected<std::optional<model::Trade>, std::string> readTrade(json::object entry,
    const InstrumentList &instruments, std::int64_t receivedAtNs, std::string &unknown)
{
    std::string_view symbol;
    std::string_view side;
    std::string_view size;
    std::string_view price;
    std::string_view id;
    std::optional<std::int64_t> time;
    auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
        if (key == "s")
            return readString(v, symbol, key);
        if (key == "S")
            return readString(v, side, key);
        if (key == "v")
            return readString(v, size, key);
        if (key == "p")
            return readString(v, price, key);
        if (key == "i")
            return readString(v, id, key);
        if (key == "T")
            return readInt(v, time, key);
        return {};
    });
    if (!read)
        return std::unexpected("trade " + read.error());
    const auto instrument = instruments.find(symbol);
    if (!instrument) {
        unknown.assign(symbol);
        return std::nullopt;
    }
    if (id.empty() || !time || side.empty())
        return std::unexpected(std::string("trade lacks one of i, T, S, p, v"));
    const auto parsedPrice = json::parsePrice(price);
    if (!parsedPrice)
        return std::unexpected(std::format("trade p \"{}\" is not a positive decimal", price));
    const auto parsedSize = json::parseSize(size);
    if (!parsedSize || parsedSize->isZero())
        return std::unexpected(std::format("trade v \"{}\" is not a positive decimal", size));
    if (side != "Buy" && side != "Sell")
        return std::unexpected(std::format("trade S \"{}\" is neither Buy nor Sell", side));
    const auto timeNs = msToNs(*time, "trade");
    if (!timeNs)
        return std::unexpected(timeNs.error());
    model::Trade trade{
        .exchangeTimeNs = *timeNs,
        .receivedAtNs = receivedAtNs,
        .instrument = *instrument,
        .price = *parsedPrice,
        .size = *parsedSize,
        .side = side == "Buy" ? model::Side::Buy : model::Side::Sell, // the taker's side
    };
    trade.setTradeId(id);
    return trade;
}

} // namespace

MessageParser::MessageParser(const InstrumentList &instruments)
    : m_instruments(instruments)
{ }

std::expected<Message, std::string> MessageParser::parse(
    std::string_view frame, std::int64_t receivedAtNs)
{
    auto top = m_reader.iterateObject(frame);
    if (!top)
        return std::unexpected(top.error());

    std::string_view topic;
    std::string_view type;
    std::string_view op;
    std::string_view retMsg;
    std::optional<bool> success;
    std::optional<std::int64_t> ts;
    std::optional<std::int64_t> cts;
    bool tradeData = false;
    bool bookData = false;
    std::vector<model::Trade> trades;
    std::string unknownSymbol;
    BookMessage book;
    std::string_view bookSymbol;
    std::optional<std::int64_t> updateId;
    bool hasBids = false;
    bool hasAsks = false;

    // The data of a publicTrade push is an array, an orderbook push's an object: the topic may
    // come after it.
    auto readData = [&](json::value data) -> Fields {
        json::json_type type{};
        if (auto error = data.type().get(type))
            return std::unexpected(std::format("bad 'data' ({})", describe(error)));
        if (type == json::json_type::array) {
            tradeData = true;
            return forEachObject(data, "data", [&](json::object entry) -> Fields {
                auto trade = readTrade(entry, m_instruments, receivedAtNs, unknownSymbol);
                if (!trade)
                    return std::unexpected(trade.error());
                if (*trade)
                    trades.push_back(std::move(**trade));
                return {};
            });
        }
        json::object object;
        if (auto error = data.get_object().get(object))
            return std::unexpected(
                std::format("'data' is neither an array nor an object ({})", describe(error)));
        bookData = true;
        return forEachField(object, [&](std::string_view key, json::value v) -> Fields {
            if (key == "s")
                return readString(v, bookSymbol, key);
            if (key == "u")
                return readInt(v, updateId, key);
            if (key == "b") {
                hasBids = true;
                return json::readLevels(v, book.bids, key);
            }
            if (key == "a") {
                hasAsks = true;
                return json::readLevels(v, book.asks, key);
            }
            return {};
        });
    };

    auto read = forEachField(*top, [&](std::string_view key, json::value v) -> Fields {
        if (key == "topic")
            return readString(v, topic, key);
        if (key == "type")
            return readString(v, type, key);
        if (key == "op")
            return readString(v, op, key);
        if (key == "ret_msg")
            return readString(v, retMsg, key);
        if (key == "ts")
            return readInt(v, ts, key);
        if (key == "cts")
            return readInt(v, cts, key);
        if (key == "success") {
            bool flag = false;
            if (v.get_bool().get(flag))
                return std::unexpected(std::string("'success' is not a boolean"));
            success = flag;
            return {};
        }
        if (key == "data" && !topic.starts_with("tickers") && !topic.starts_with("kline"))
            return readData(v);
        return {};
    });
    if (!read)
        return std::unexpected(read.error());
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());

    if (!op.empty() && success)
        return Reply{std::string(op), *success, std::string(retMsg)};
    if (topic.empty())
        return std::unexpected(std::string("neither a push nor a reply"));
    const std::string_view channel = topic.substr(0, topic.find('.'));
    if (channel != "publicTrade" && channel != "orderbook")
        return Ignored{std::string(channel)};
    if (channel == "publicTrade") {
        if (!tradeData)
            return std::unexpected(std::string("publicTrade push without a trade array"));
        if (trades.empty() && !unknownSymbol.empty())
            return UnknownSymbol{std::move(unknownSymbol)};
        return trades;
    }
    if (!bookData)
        return std::unexpected(std::string("orderbook push without a book object"));
    const auto instrument = m_instruments.find(bookSymbol);
    if (!instrument)
        return UnknownSymbol{std::string(bookSymbol)};
    if (!updateId || !hasBids || !hasAsks)
        return std::unexpected(std::string("orderbook lacks one of u, b, a"));
    if (*updateId < 1)
        return std::unexpected(std::format("orderbook u {} is below 1", *updateId));
    if (type != "snapshot" && type != "delta")
        return std::unexpected(
            std::format("orderbook type \"{}\" is neither snapshot nor delta", type));
    const auto time = msToNs(cts.value_or(ts.value_or(0)), "orderbook");
    if (!time)
        return std::unexpected(time.error());
    book.instrument = *instrument;
    book.snapshot = type == "snapshot";
    book.exchangeTimeNs = *time;
    book.receivedAtNs = receivedAtNs;
    book.updateId = *updateId;
    return book;
}

} // namespace tickscope::feeds::bybit
