#include "app/feeds/coinbase/message_parser.h"

#include "app/feeds/rfc3339.h"

#include <format>

namespace tickscope::feeds::coinbase {

namespace {

using json::describe;
using json::Fields;
using json::forEachField;
using json::readInt;
using json::readString;

// [["buy","price","size"], ...]: absolute sizes, "buy" for bids and "sell" for asks.
Fields readChanges(json::value changes, BookMessage &book)
{
    json::array list;
    if (auto error = changes.get_array().get(list))
        return std::unexpected(std::format("'changes' is not an array ({})", describe(error)));
    for (auto entry : list) {
        json::array change;
        if (auto error = entry.get_array().get(change))
            return std::unexpected(
                std::format("'changes' holds a non-array ({})", describe(error)));
        std::string_view text[3];
        std::size_t count = 0;
        for (auto element : change) {
            if (count < 3 && element.get_string().get(text[count]))
                return std::unexpected(std::string("'changes' holds a non-string value"));
            ++count;
        }
        if (count != 3)
            return std::unexpected(std::format("'changes' holds a change of {} values", count));
        const auto price = json::parsePrice(text[1]);
        const auto size = json::parseSize(text[2]);
        if (!price || !size)
            return std::unexpected(
                std::format("'changes' holds a bad level \"{}\" \"{}\"", text[1], text[2]));
        if (text[0] != "buy" && text[0] != "sell")
            return std::unexpected(
                std::format("'changes' side \"{}\" is neither buy nor sell", text[0]));
        (text[0] == "buy" ? book.bids : book.asks).push_back({*price, *size});
    }
    return {};
}

// {"name":"matches","product_ids":["BTC-USD"]} or a plain name.
Fields readSubscriptions(json::value channels, std::string &out)
{
    json::array list;
    if (auto error = channels.get_array().get(list))
        return std::unexpected(std::format("'channels' is not an array ({})", describe(error)));
    for (auto entry : list) {
        if (auto error = entry.error())
            return std::unexpected(std::format("'channels' is malformed ({})", describe(error)));
        json::object channel;
        if (entry.get_object().get(channel))
            continue; // a plain name
        std::string_view name;
        std::string products;
        auto read = forEachField(channel, [&](std::string_view key, json::value v) -> Fields {
            if (key == "name")
                return readString(v, name, key);
            if (key != "product_ids")
                return {};
            json::array ids;
            if (v.get_array().get(ids))
                return {};
            for (auto id : ids) {
                std::string_view text;
                if (!id.get_string().get(text))
                    products += (products.empty() ? "" : ",") + std::string(text);
            }
            return {};
        });
        if (!read)
            return read;
        out += std::format("{}{} {}", out.empty() ? "" : "; ", name, products);
    }
    return {};
}

// A trade's fields as Coinbase writes them, in a match and in a REST trade.
struct TradeFields
{
    std::string_view time;
    std::string_view price;
    std::string_view size;
    std::string_view side; // the maker's
    std::optional<std::int64_t> tradeId;
};

// Reads `key` into `fields` when it is one of a trade's; nullopt when it is not.
std::optional<Fields> readTradeField(std::string_view key, json::value v, TradeFields &fields)
{
    if (key == "time")
        return readString(v, fields.time, key);
    if (key == "price")
        return readString(v, fields.price, key);
    if (key == "size")
        return readString(v, fields.size, key);
    if (key == "side")
        return readString(v, fields.side, key);
    if (key == "trade_id")
        return readInt(v, fields.tradeId, key);
    return std::nullopt;
}

std::expected<model::Trade, std::string> makeTrade(std::string_view what, const TradeFields &fields,
    std::uint32_t instrument, std::int64_t receivedAtNs)
{
    if (!fields.tradeId || fields.price.empty() || fields.size.empty() || fields.time.empty())
        return std::unexpected(std::format("{} lacks one of trade_id, price, size, time", what));
    const auto timeNs = parseRfc3339Ns(fields.time);
    if (!timeNs)
        return std::unexpected(
            std::format("{} time \"{}\" is not an RFC 3339 time", what, fields.time));
    const auto price = json::parsePrice(fields.price);
    const auto size = json::parseSize(fields.size);
    if (!price || !size || size->isZero())
        return std::unexpected(
            std::format("{} price \"{}\" or size \"{}\" is not a positive decimal", what,
                fields.price, fields.size));
    if (fields.side != "buy" && fields.side != "sell")
        return std::unexpected(
            std::format("{} side \"{}\" is neither buy nor sell", what, fields.side));
    if (*fields.tradeId < 0)
        return std::unexpected(std::format("trade_id {} is negative", *fields.tradeId));
    return model::Trade{
        .exchangeTimeNs = *timeNs,
        .receivedAtNs = receivedAtNs,
        .instrument = instrument,
        .tradeId = *fields.tradeId,
        .price = *price,
        .size = *size,
        // `side` is the maker's: a maker who sold met a buying taker.
        .side = fields.side == "sell" ? model::Side::Buy : model::Side::Sell,
    };
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

    std::string_view type;
    std::string_view product;
    TradeFields fields;
    std::string_view message;
    std::string_view reason;
    std::string subscriptions;
    BookMessage book;
    bool hasBids = false;
    bool hasAsks = false;
    bool hasChanges = false;
    auto read = forEachField(*top, [&](std::string_view key, json::value v) -> Fields {
        if (key == "type")
            return readString(v, type, key);
        if (key == "product_id")
            return readString(v, product, key);
        if (auto read = readTradeField(key, v, fields))
            return *read;
        if (key == "message")
            return readString(v, message, key);
        if (key == "reason")
            return readString(v, reason, key);
        if (key == "bids") {
            hasBids = true;
            return json::readLevels(v, book.bids, key);
        }
        if (key == "asks") {
            hasAsks = true;
            return json::readLevels(v, book.asks, key);
        }
        if (key == "changes") {
            hasChanges = true;
            return readChanges(v, book);
        }
        if (key == "channels")
            return readSubscriptions(v, subscriptions);
        return {};
    });
    if (!read)
        return std::unexpected(read.error());
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());

    if (type == "subscriptions")
        return Subscriptions{std::move(subscriptions)};
    if (type == "error")
        return ErrorReply{std::string(message), std::string(reason)};
    const bool trade = type == "match" || type == "last_match";
    if (!trade && type != "snapshot" && type != "l2update") {
        if (type.empty())
            return std::unexpected(std::string("a message without a type"));
        return Ignored{std::string(type)}; // heartbeat, ticker, status...
    }
    const auto instrument = m_instruments.find(product);
    if (!instrument)
        return UnknownSymbol{std::string(product)};
    if (trade) {
        auto made = makeTrade(type, fields, *instrument, receivedAtNs);
        if (!made)
            return std::unexpected(made.error());
        return *made;
    }
    std::optional<std::int64_t> timeNs;
    if (!fields.time.empty()) {
        timeNs = parseRfc3339Ns(fields.time);
        if (!timeNs)
            return std::unexpected(
                std::format("{} time \"{}\" is not an RFC 3339 time", type, fields.time));
    }
    if (type == "snapshot" ? !hasBids || !hasAsks : !hasChanges)
        return std::unexpected(std::format("{} lacks its levels", type));
    if (type == "l2update" && !timeNs)
        return std::unexpected(std::string("l2update lacks its time"));
    book.instrument = *instrument;
    book.snapshot = type == "snapshot";
    book.exchangeTimeNs = timeNs.value_or(receivedAtNs);
    book.receivedAtNs = receivedAtNs;
    return book;
}

std::expected<std::vector<model::Trade>, std::string> MessageParser::parseTrades(
    std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs)
{
    auto document = m_reader.iterate(body);
    if (!document)
        return std::unexpected(document.error());
    // Coinbase answers an error as {"message":"NotFound"}.
    json::array rows;
    if ((*document)->get_array().get(rows)) {
        std::string_view message;
        auto top = m_reader.iterateObject(body);
        if (top)
            (void)forEachField(*top, [&](std::string_view key, json::value v) -> Fields {
                return key == "message" ? readString(v, message, key) : Fields{};
            });
        return std::unexpected(message.empty() ? std::string("trades answer is not an array")
                                               : std::format("Coinbase answered: {}", message));
    }
    std::vector<model::Trade> trades;
    for (auto row : rows) {
        json::object entry;
        if (auto error = row.get_object().get(entry))
            return std::unexpected(
                std::format("a trade that is not an object ({})", describe(error)));
        TradeFields fields;
        auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
            return readTradeField(key, v, fields).value_or(Fields{});
        });
        if (!read)
            return std::unexpected("trade " + read.error());
        auto trade = makeTrade("trade", fields, instrument, receivedAtNs);
        if (!trade)
            return std::unexpected(trade.error());
        trades.push_back(std::move(*trade));
    }
    if (!(*document)->at_end())
        return std::unexpected(std::string("trailing content after the JSON array"));
    return trades;
}

} // namespace tickscope::feeds::coinbase
