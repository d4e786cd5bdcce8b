#include "app/feeds/coinbase/advanced_message_parser.h"

#include "app/feeds/rfc3339.h"

#include <algorithm>
#include <format>

namespace tickscope::feeds::coinbase {

namespace {

using json::describe;
using json::Fields;
using json::forEachField;
using json::forEachObject;
using json::readInt;
using json::readString;

std::expected<std::int64_t, std::string> timeOf(std::string_view text, std::string_view what)
{
    const auto ns = parseRfc3339Ns(text);
    if (!ns)
        return std::unexpected(std::format("{} \"{}\" is not an RFC 3339 time", what, text));
    return *ns;
}

// {"trade_id":"..","product_id":..,"price":..,"size":..,"side":"BUY"|"SELL","time":..}
Fields readTrade(json::object entry, const InstrumentList &instruments, TradeSide meaning,
    std::int64_t receivedAtNs, AdvancedTrades &out)
{
    std::string_view id;
    std::string_view product;
    std::string_view price;
    std::string_view size;
    std::string_view side;
    std::string_view time;
    auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
        if (key == "trade_id")
            return readString(v, id, key);
        if (key == "product_id")
            return readString(v, product, key);
        if (key == "price")
            return readString(v, price, key);
        if (key == "size")
            return readString(v, size, key);
        if (key == "side")
            return readString(v, side, key);
        if (key == "time")
            return readString(v, time, key);
        return {};
    });
    if (!read)
        return std::unexpected("trade " + read.error());
    if (id.empty() || product.empty() || price.empty() || size.empty() || time.empty())
        return std::unexpected(
            std::string("trade lacks one of trade_id, product_id, price, size, time"));
    const auto instrument = instruments.find(product);
    if (!instrument) {
        out.unknownSymbols.emplace_back(product);
        return {};
    }
    const auto parsedPrice = json::parsePrice(price);
    const auto parsedSize = json::parseSize(size);
    if (!parsedPrice || !parsedSize || parsedSize->isZero())
        return std::unexpected(std::format(
            "trade {} price \"{}\" or size \"{}\" is not a positive decimal", id, price, size));
    if (side != "BUY" && side != "SELL")
        return std::unexpected(
            std::format("trade {} side \"{}\" is neither BUY nor SELL", id, side));
    const auto timeNs = timeOf(time, "trade time");
    if (!timeNs)
        return std::unexpected(timeNs.error());
    const bool buy = side == "BUY";
    model::Trade trade{
        .exchangeTimeNs = *timeNs,
        .receivedAtNs = receivedAtNs,
        .instrument = *instrument,
        .price = *parsedPrice,
        .size = *parsedSize,
        .side = meaning == TradeSide::Unknown      ? model::Side::Unknown
            : (meaning == TradeSide::Taker) == buy ? model::Side::Buy
                                                   : model::Side::Sell,
    };
    trade.setTradeId(id);
    out.trades.push_back(std::move(trade));
    return {};
}

// {"side":"bid"|"offer","event_time":..,"price_level":..,"new_quantity":..}
Fields readUpdate(json::object entry, BookMessage &book)
{
    std::string_view side;
    std::string_view price;
    std::string_view quantity;
    auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
        if (key == "side")
            return readString(v, side, key);
        if (key == "price_level")
            return readString(v, price, key);
        if (key == "new_quantity")
            return readString(v, quantity, key);
        return {};
    });
    if (!read)
        return std::unexpected("book update " + read.error());
    const auto parsedPrice = json::parsePrice(price);
    const auto parsedQuantity = json::parseSize(quantity);
    if (!parsedPrice || !parsedQuantity)
        return std::unexpected(
            std::format("book update price_level \"{}\" or new_quantity \"{}\" is not a decimal",
                price, quantity));
    if (side != "bid" && side != "offer")
        return std::unexpected(
            std::format("book update side \"{}\" is neither bid nor offer", side));
    (side == "bid" ? book.bids : book.asks).push_back({*parsedPrice, *parsedQuantity});
    return {};
}

// {"type":"snapshot"|"update","product_id":..,"updates":[..]}
Fields readBook(json::object event, const InstrumentList &instruments, std::int64_t timeNs,
    std::int64_t receivedAtNs, AdvancedBooks &out)
{
    std::string_view type;
    std::string_view product;
    BookMessage book{.exchangeTimeNs = timeNs, .receivedAtNs = receivedAtNs};
    bool hasUpdates = false;
    auto read = forEachField(event, [&](std::string_view key, json::value v) -> Fields {
        if (key == "type")
            return readString(v, type, key);
        if (key == "product_id")
            return readString(v, product, key);
        if (key != "updates")
            return {};
        hasUpdates = true;
        return forEachObject(
            v, key, [&](json::object entry) -> Fields { return readUpdate(entry, book); });
    });
    if (!read)
        return read;
    if (type != "snapshot" && type != "update")
        return std::unexpected(
            std::format("l2_data event type \"{}\" is neither snapshot nor update", type));
    if (!hasUpdates)
        return std::unexpected(std::string("l2_data event without updates"));
    const auto instrument = instruments.find(product);
    if (!instrument) {
        out.unknownSymbols.emplace_back(product);
        return {};
    }
    book.instrument = *instrument;
    book.snapshot = type == "snapshot";
    out.books.push_back(std::move(book));
    return {};
}

// [{"subscriptions":{"level2":["BTC-USD"],..}}] -> "level2 BTC-USD; market_trades ..."
Fields readSubscriptions(json::object event, std::string &out)
{
    return forEachField(event, [&](std::string_view key, json::value v) -> Fields {
        if (key != "subscriptions")
            return {};
        json::object channels;
        if (auto error = v.get_object().get(channels))
            return std::unexpected(
                std::format("'subscriptions' is not an object ({})", describe(error)));
        return forEachField(channels, [&](std::string_view channel, json::value ids) -> Fields {
            std::string products;
            json::array list;
            if (ids.get_array().get(list))
                return std::unexpected(std::format("'{}' holds no product list", channel));
            for (auto id : list) {
                std::string_view text;
                if (!id.get_string().get(text))
                    products += (products.empty() ? "" : ",") + std::string(text);
            }
            out += std::format("{}{} {}", out.empty() ? "" : "; ", channel, products);
            return {};
        });
    });
}

} // namespace

AdvancedMessageParser::AdvancedMessageParser(const InstrumentList &instruments, TradeSide side)
    : m_instruments(instruments)
    , m_side(side)
{ }

std::expected<AdvancedFrame, std::string> AdvancedMessageParser::parse(
    std::string_view frame, std::int64_t receivedAtNs)
{
    auto top = m_reader.iterateObject(frame);
    if (!top)
        return std::unexpected(top.error());
    std::string_view type;
    std::string_view message;
    std::string_view channel;
    std::string_view timestamp;
    std::optional<std::int64_t> sequence;
    std::optional<std::int64_t> timeNs;
    bool hasEvents = false;
    AdvancedTrades trades;
    AdvancedBooks books;
    std::string subscriptions;
    auto read = forEachField(*top, [&](std::string_view key, json::value v) -> Fields {
        if (key == "type")
            return readString(v, type, key);
        if (key == "message")
            return readString(v, message, key);
        if (key == "channel")
            return readString(v, channel, key);
        if (key == "sequence_num")
            return readInt(v, sequence, key);
        if (key == "timestamp") {
            if (auto done = readString(v, timestamp, key); !done)
                return done;
            auto time = timeOf(timestamp, "timestamp");
            if (!time)
                return std::unexpected(time.error());
            timeNs = *time;
            return {};
        }
        if (key != "events")
            return {};
        hasEvents = true;
        if (channel.empty())
            return std::unexpected(std::string("'events' comes before 'channel'"));
        if (channel != "market_trades" && channel != "l2_data" && channel != "subscriptions")
            return {}; // heartbeats, ticker...: not read
        if (channel == "l2_data" && !timeNs)
            return std::unexpected(std::string("l2_data without its timestamp before 'events'"));
        return forEachObject(v, key, [&](json::object event) -> Fields {
            if (channel == "subscriptions")
                return readSubscriptions(event, subscriptions);
            if (channel == "l2_data")
                return readBook(event, m_instruments, *timeNs, receivedAtNs, books);
            return forEachField(event, [&](std::string_view field, json::value list) -> Fields {
                if (field != "trades")
                    return {};
                return forEachObject(list, field, [&](json::object entry) -> Fields {
                    return readTrade(entry, m_instruments, m_side, receivedAtNs, trades);
                });
            });
        });
    });
    if (!read)
        return std::unexpected(read.error());
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());

    if (type == "error")
        return AdvancedFrame{sequence, ErrorReply{std::string(message), {}}};
    if (channel.empty() || !hasEvents)
        return std::unexpected(std::string("neither a channel message nor an error"));
    if (!sequence || *sequence < 0)
        return std::unexpected(std::format("{} message without a sequence_num", channel));
    if (channel == "market_trades") {
        // An update lists its trades newest first.
        std::ranges::sort(trades.trades, {}, [](const model::Trade &trade) {
            return std::pair(trade.exchangeTimeNs, trade.tradeId);
        });
        return AdvancedFrame{sequence, std::move(trades)};
    }
    if (channel == "l2_data")
        return AdvancedFrame{sequence, std::move(books)};
    if (channel == "subscriptions")
        return AdvancedFrame{sequence, Subscriptions{std::move(subscriptions)}};
    return AdvancedFrame{sequence, Ignored{std::string(channel)}};
}

} // namespace tickscope::feeds::coinbase
