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
        json::object channel;
        if (entry.get_object().get(channel))
            continue;
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
    std::string_view time;
    std::string_view price;
    std::string_view size;
    std::string_view side;
    std::string_view message;
    std::string_view reason;
    std::optional<std::int64_t> tradeId;
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
        if (key == "time")
            return readString(v, time, key);
        if (key == "price")
            return readString(v, price, key);
        if (key == "size")
            return readString(v, size, key);
        if (key == "side")
            return readString(v, side, key);
        if (key == "message")
            return readString(v, message, key);
        if (key == "reason")
            return readString(v, reason, key);
        if (key == "trade_id")
            return readInt(v, tradeId, key);
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
    std::optional<std::int64_t> timeNs;
    if (!time.empty()) {
        timeNs = parseRfc3339Ns(time);
        if (!timeNs)
            return std::unexpected(
                std::format("{} time \"{}\" is not an RFC 3339 time", type, time));
    }
    if (trade) {
        if (!tradeId || price.empty() || size.empty() || !timeNs)
            return std::unexpected(
                std::format("{} lacks one of trade_id, price, size, time", type));
        const auto parsedPrice = json::parsePrice(price);
        const auto parsedSize = json::parseSize(size);
        if (!parsedPrice || !parsedSize || parsedSize->isZero())
            return std::unexpected(std::format(
                "{} price \"{}\" or size \"{}\" is not a positive decimal", type, price, size));
        if (side != "buy" && side != "sell")
            return std::unexpected(
                std::format("{} side \"{}\" is neither buy nor sell", type, side));
        if (*tradeId < 0)
            return std::unexpected(std::format("trade_id {} is negative", *tradeId));
        return model::Trade{
            .exchangeTimeNs = *timeNs,
            .receivedAtNs = receivedAtNs,
            .instrument = *instrument,
            .tradeId = *tradeId,
            .price = *parsedPrice,
            .size = *parsedSize,
            // `side` is the maker's: a maker who sold met a buying taker.
            .side = side == "sell" ? model::Side::Buy : model::Side::Sell,
        };
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

} // namespace tickscope::feeds::coinbase
