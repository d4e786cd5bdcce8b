#include "app/feeds/kraken/message_parser.h"

#include "app/feeds/rfc3339.h"

#include <format>

namespace tickscope::feeds::kraken {

namespace {

using json::describe;
using json::readInt;
using json::readNumber;
using json::readString;

using json::Fields;
using json::forEachField;
using json::forEachObject;

std::expected<std::int64_t, std::string> timeOf(std::string_view text, std::string_view what)
{
    const auto ns = parseRfc3339Ns(text);
    if (!ns)
        return std::unexpected(
            std::format("{} timestamp \"{}\" is not an RFC 3339 time", what, text));
    return *ns;
}

// [{"price":0.5666,"qty":4831.75496356},...]
Fields readLevels(json::value levels, std::vector<model::PriceLevel> &out, std::string_view name)
{
    return forEachObject(levels, name, [&](json::object entry) -> Fields {
        std::optional<model::Decimal> price;
        std::optional<model::Decimal> qty;
        auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
            if (key == "price")
                return readNumber(v, price, "price");
            if (key == "qty")
                return readNumber(v, qty, "qty");
            return {};
        });
        if (!read)
            return std::unexpected(std::format("'{}': {}", name, read.error()));
        if (!price || !price->isPositive())
            return std::unexpected(
                std::format("'{}' holds a level without a positive price", name));
        if (!qty || qty->mantissa < 0)
            return std::unexpected(std::format("'{}' holds a level without a quantity", name));
        out.push_back({*price, *qty});
        return {};
    });
}

// Nullopt for a trade of an instrument not configured, whose symbol goes to `unknown`.
std::expected<std::optional<model::Trade>, std::string> readTrade(json::object entry,
    const InstrumentList &instruments, std::int64_t receivedAtNs, std::string &unknown)
{
    std::string_view symbol;
    std::string_view side;
    std::string_view timestamp;
    std::optional<model::Decimal> price;
    std::optional<model::Decimal> qty;
    std::optional<std::int64_t> tradeId;
    auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
        if (key == "symbol")
            return readString(v, symbol, key);
        if (key == "side")
            return readString(v, side, key);
        if (key == "timestamp")
            return readString(v, timestamp, key);
        if (key == "price")
            return readNumber(v, price, key);
        if (key == "qty")
            return readNumber(v, qty, key);
        if (key == "trade_id")
            return readInt(v, tradeId, key);
        return {};
    });
    if (!read)
        return std::unexpected("trade " + read.error());
    const auto instrument = instruments.find(symbol);
    if (!instrument) {
        unknown.assign(symbol);
        return std::nullopt;
    }
    if (!tradeId || !price || !qty || side.empty() || timestamp.empty())
        return std::unexpected(
            std::string("trade lacks one of trade_id, price, qty, side, timestamp"));
    if (*tradeId < 0)
        return std::unexpected(std::format("trade_id {} is negative", *tradeId));
    if (!price->isPositive() || !qty->isPositive())
        return std::unexpected(std::string("trade price and qty must be above zero"));
    if (side != "buy" && side != "sell")
        return std::unexpected(std::format("trade side \"{}\" is neither buy nor sell", side));
    const auto time = timeOf(timestamp, "trade");
    if (!time)
        return std::unexpected(time.error());
    return model::Trade{
        .exchangeTimeNs = *time,
        .receivedAtNs = receivedAtNs,
        .instrument = *instrument,
        .tradeId = *tradeId,
        .price = *price,
        .size = *qty,
        .side = side == "buy" ? model::Side::Buy : model::Side::Sell, // the taker's side
    };
}

// ["price","volume",time,"b"|"s","m"|"l","misc",trade_id]: a trade of the REST history.
std::expected<model::Trade, std::string> readHistoryRow(
    json::value row, std::uint32_t instrument, std::int64_t receivedAtNs)
{
    json::array fields;
    if (auto error = row.get_array().get(fields))
        return std::unexpected(std::format("a trade that is not an array ({})", describe(error)));
    std::string_view price;
    std::string_view volume;
    std::string_view side;
    std::optional<model::Decimal> seconds;
    std::optional<std::int64_t> tradeId;
    int index = 0;
    for (auto field : fields) {
        json::value v;
        if (auto error = field.get(v))
            return std::unexpected(std::format("a trade's value is bad ({})", describe(error)));
        Fields read;
        switch (index++) {
        case 0:
            read = readString(v, price, "price");
            break;
        case 1:
            read = readString(v, volume, "volume");
            break;
        case 2:
            read = readNumber(v, seconds, "time");
            break;
        case 3:
            read = readString(v, side, "side");
            break;
        case 6:
            read = readInt(v, tradeId, "trade_id");
            break;
        default:
            break;
        }
        if (!read)
            return std::unexpected("trade " + read.error());
    }
    if (index < 7 || !tradeId)
        return std::unexpected(std::format("a trade of {} values, without its trade_id", index));
    const auto parsedPrice = json::parsePrice(price);
    const auto parsedVolume = json::parseSize(volume);
    if (!parsedPrice || !parsedVolume || parsedVolume->isZero())
        return std::unexpected(std::format(
            "trade {} price \"{}\" or volume \"{}\" is not above zero", *tradeId, price, volume));
    if (side != "b" && side != "s")
        return std::unexpected(
            std::format("trade {} side \"{}\" is neither b nor s", *tradeId, side));
    // Seconds with up to 9 decimals, kept to the microseconds the WebSocket sends.
    const auto badTime = [&] {
        return std::unexpected(std::format("trade {} time is not a time in seconds", *tradeId));
    };
    if (!seconds || !seconds->isPositive() || seconds->scale > 9)
        return badTime();
    std::int64_t ns = seconds->mantissa;
    for (int i = seconds->scale; i < 9; ++i) {
        if (ns > INT64_MAX / 10)
            return badTime();
        ns *= 10;
    }
    return model::Trade{
        .exchangeTimeNs = ns - ns % 1000,
        .receivedAtNs = receivedAtNs,
        .instrument = instrument,
        .tradeId = *tradeId,
        .price = *parsedPrice,
        .size = *parsedVolume,
        .side = side == "b" ? model::Side::Buy : model::Side::Sell, // the taker's side
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

    std::string_view channel;
    std::string_view type;
    std::string_view method;
    std::string_view error;
    std::string_view symbol;
    std::string_view resultChannel;
    std::string_view resultSymbol;
    std::optional<bool> success;
    bool hasData = false;
    std::vector<model::Trade> trades;
    std::string unknownSymbol;
    BookMessage book;
    bool bookSeen = false;
    InstrumentInfo info;
    Status status;

    auto readData = [&](json::value data) -> Fields {
        hasData = true;
        if (channel.empty())
            return std::unexpected(std::string("'data' comes before 'channel'"));
        if (channel == "trade") {
            return forEachObject(data, "data", [&](json::object entry) -> Fields {
                auto trade = readTrade(entry, m_instruments, receivedAtNs, unknownSymbol);
                if (!trade)
                    return std::unexpected(trade.error());
                if (*trade)
                    trades.push_back(std::move(**trade));
                return {};
            });
        }
        if (channel == "book") {
            return forEachObject(data, "data", [&](json::object entry) -> Fields {
                if (bookSeen)
                    return std::unexpected(std::string("book push with more than one book"));
                bookSeen = true;
                std::string_view bookSymbol;
                std::string_view timestamp;
                std::optional<std::int64_t> checksum;
                bool hasBids = false;
                bool hasAsks = false;
                auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
                    if (key == "symbol")
                        return readString(v, bookSymbol, key);
                    if (key == "timestamp")
                        return readString(v, timestamp, key);
                    if (key == "checksum")
                        return readInt(v, checksum, key);
                    if (key == "bids") {
                        hasBids = true;
                        return readLevels(v, book.bids, key);
                    }
                    if (key == "asks") {
                        hasAsks = true;
                        return readLevels(v, book.asks, key);
                    }
                    return {};
                });
                if (!read)
                    return std::unexpected("book " + read.error());
                const auto instrument = m_instruments.find(bookSymbol);
                if (!instrument) {
                    unknownSymbol.assign(bookSymbol);
                    return {};
                }
                if (!hasBids && !hasAsks)
                    return std::unexpected(std::string("book lacks bids and asks"));
                if (checksum && (*checksum < 0 || *checksum > UINT32_MAX))
                    return std::unexpected(std::format(
                        "book checksum {} is not an unsigned 32-bit integer", *checksum));
                book.instrument = *instrument;
                if (checksum)
                    book.checksum = static_cast<std::uint32_t>(*checksum);
                if (!timestamp.empty()) {
                    const auto time = timeOf(timestamp, "book");
                    if (!time)
                        return std::unexpected(time.error());
                    book.exchangeTimeNs = *time;
                }
                return {};
            });
        }
        if (channel == "instrument") {
            json::object object;
            if (auto failed = data.get_object().get(object))
                return std::unexpected(
                    std::format("instrument 'data' is not an object ({})", describe(failed)));
            return forEachField(object, [&](std::string_view key, json::value v) -> Fields {
                if (key != "pairs")
                    return {};
                return forEachObject(v, "pairs", [&](json::object pair) -> Fields {
                    std::string_view pairSymbol;
                    std::optional<std::int64_t> price;
                    std::optional<std::int64_t> quantity;
                    auto read
                        = forEachField(pair, [&](std::string_view k, json::value x) -> Fields {
                              if (k == "symbol")
                                  return readString(x, pairSymbol, k);
                              if (k == "price_precision")
                                  return readInt(x, price, k);
                              if (k == "qty_precision")
                                  return readInt(x, quantity, k);
                              return {};
                          });
                    if (!read)
                        return std::unexpected("instrument pair " + read.error());
                    const auto instrument = m_instruments.find(pairSymbol);
                    if (!instrument)
                        return {};
                    if (!price || !quantity || *price < 0 || *price > model::Decimal::kMaxScale
                        || *quantity < 0 || *quantity > model::Decimal::kMaxScale)
                        return std::unexpected(std::format(
                            "instrument {} lacks price_precision or qty_precision from 0 to {}",
                            pairSymbol, model::Decimal::kMaxScale));
                    info.precisions.push_back(
                        {*instrument, static_cast<int>(*price), static_cast<int>(*quantity)});
                    return {};
                });
            });
        }
        if (channel == "status") {
            return forEachObject(data, "data", [&](json::object entry) -> Fields {
                std::string_view system;
                auto read = forEachField(entry, [&](std::string_view key, json::value v) -> Fields {
                    return key == "system" ? readString(v, system, key) : Fields{};
                });
                status.system.assign(system);
                return read;
            });
        }
        return {}; // a channel not stored: its data is not read
    };

    auto read = forEachField(*top, [&](std::string_view key, json::value v) -> Fields {
        if (key == "channel")
            return readString(v, channel, key);
        if (key == "type")
            return readString(v, type, key);
        if (key == "method")
            return readString(v, method, key);
        if (key == "error")
            return readString(v, error, key);
        if (key == "symbol")
            return readString(v, symbol, key);
        if (key == "success") {
            bool flag = false;
            if (v.get_bool().get(flag))
                return std::unexpected(std::string("'success' is not a boolean"));
            success = flag;
            return {};
        }
        if (key == "result") {
            json::object result;
            if (v.get_object().get(result))
                return {}; // ping's result, for one, is not an object
            return forEachField(result, [&](std::string_view k, json::value x) -> Fields {
                if (k == "channel")
                    return readString(x, resultChannel, "result.channel");
                if (k == "symbol")
                    return readString(x, resultSymbol, "result.symbol");
                return {};
            });
        }
        if (key == "data")
            return readData(v);
        return {};
    });
    if (!read)
        return std::unexpected(read.error());
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());

    if (!method.empty()) {
        if (method == "pong")
            return Ignored{"pong"};
        if (success == false)
            return ErrorReply{std::string(method), std::string(symbol), std::string(error)};
        if (method == "subscribe" || method == "unsubscribe")
            return SubscribeAck{
                std::string(method), std::string(resultChannel), std::string(resultSymbol)};
        return Ignored{std::string(method)};
    }
    if (channel.empty())
        return std::unexpected(std::string("neither a push nor a method reply"));
    if (channel == "heartbeat")
        return Ignored{"heartbeat"};
    if (channel == "status")
        return status;
    if (channel == "instrument")
        return info;
    if (channel != "trade" && channel != "book")
        return Ignored{std::string(channel)};
    if (!unknownSymbol.empty() && trades.empty())
        return UnknownSymbol{std::move(unknownSymbol)};
    if (!hasData)
        return std::unexpected(std::format("{} push without data", channel));
    if (type != "snapshot" && type != "update")
        return std::unexpected(
            std::format("{} type \"{}\" is neither snapshot nor update", channel, type));
    if (channel == "trade")
        return trades;
    if (!bookSeen)
        return std::unexpected(std::string("book push without a book"));
    book.snapshot = type == "snapshot";
    book.receivedAtNs = receivedAtNs;
    if (book.exchangeTimeNs == 0)
        book.exchangeTimeNs = receivedAtNs;
    return book;
}

std::expected<std::vector<model::Trade>, std::string> MessageParser::parseTradeHistory(
    std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs)
{
    auto top = m_reader.iterateObject(body);
    if (!top)
        return std::unexpected(top.error());
    std::string errors;
    bool hasTrades = false;
    std::vector<model::Trade> trades;
    auto read = forEachField(*top, [&](std::string_view key, json::value v) -> Fields {
        if (key == "error") {
            json::array list;
            if (auto error = v.get_array().get(list))
                return std::unexpected(
                    std::format("'error' is not an array ({})", describe(error)));
            for (auto entry : list) {
                std::string_view text;
                if (entry.get_string().get(text))
                    return std::unexpected(std::string("'error' holds a non-string"));
                errors += errors.empty() ? "" : "; ";
                errors += text;
            }
            return {};
        }
        if (key != "result")
            return {};
        json::object result;
        if (auto error = v.get_object().get(result))
            return std::unexpected(std::format("'result' is not an object ({})", describe(error)));
        // One key names the pair (Kraken's own spelling, XXBTZUSD); "last" is the next cursor.
        return forEachField(result, [&](std::string_view pair, json::value rows) -> Fields {
            if (pair == "last")
                return {};
            if (hasTrades)
                return std::unexpected(std::string("'result' holds more than one pair"));
            hasTrades = true;
            json::array list;
            if (auto error = rows.get_array().get(list))
                return std::unexpected(
                    std::format("'{}' is not an array ({})", pair, describe(error)));
            for (auto row : list) {
                json::value value;
                if (auto error = row.get(value))
                    return std::unexpected(std::format("a bad trade ({})", describe(error)));
                auto trade = readHistoryRow(value, instrument, receivedAtNs);
                if (!trade)
                    return std::unexpected(trade.error());
                trades.push_back(std::move(*trade));
            }
            return {};
        });
    });
    if (!read)
        return std::unexpected(read.error());
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());
    if (!errors.empty())
        return std::unexpected("Kraken answered: " + errors);
    if (!hasTrades)
        return std::unexpected(std::string("Trades answer without the pair's trades"));
    return trades;
}

} // namespace tickscope::feeds::kraken
