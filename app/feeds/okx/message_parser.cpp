#include "app/feeds/okx/message_parser.h"

#include <format>

namespace tickscope::feeds::okx {

namespace {

using json::describe;
using json::readInt;
using json::readIntString;
using json::readString;

constexpr std::int64_t kNsPerMs = 1'000'000;

std::expected<std::int64_t, std::string> msToNs(
    std::optional<std::int64_t> ms, std::string_view what)
{
    if (!ms)
        return std::unexpected(std::format("{} lacks ts", what));
    if (*ms <= 0 || *ms > INT64_MAX / kNsPerMs)
        return std::unexpected(std::format("{} time {} is out of range", what, *ms));
    return *ms * kNsPerMs;
}

// [["price","size","0","orders"], ...]: the exact text of each level, and its values.
std::expected<void, std::string> readLevels(json::value levels, std::vector<TextLevel> &texts,
    std::vector<model::PriceLevel> &out, std::string_view name)
{
    json::array array;
    if (auto error = levels.get_array().get(array))
        return std::unexpected(std::format("'{}' is not an array ({})", name, describe(error)));
    for (auto entry : array) {
        json::array fields;
        if (auto error = entry.get_array().get(fields))
            return std::unexpected(
                std::format("'{}' holds a level that is not an array ({})", name, describe(error)));
        std::string_view text[2];
        std::size_t count = 0;
        for (auto field : fields) {
            std::string_view string;
            if (field.get_string().get(string))
                return std::unexpected(std::format("'{}' holds a non-string value", name));
            if (count < 2)
                text[count] = string;
            ++count;
        }
        if (count < 2)
            return std::unexpected(std::format("'{}' holds a level of {} values", name, count));
        const auto price = json::parsePrice(text[0]);
        const auto size = json::parseSize(text[1]);
        if (!price)
            return std::unexpected(std::format("'{}' holds a bad price \"{}\"", name, text[0]));
        if (!size)
            return std::unexpected(std::format("'{}' holds a bad size \"{}\"", name, text[1]));
        texts.push_back({std::string(text[0]), std::string(text[1])});
        out.push_back({*price, *size});
    }
    return {};
}

std::expected<model::Trade, std::string> readTrade(json::object entry,
    const InstrumentList &instruments, std::string_view channelSymbol, std::int64_t receivedAtNs)
{
    std::string_view symbol = channelSymbol;
    std::string_view tradeId;
    std::string_view price;
    std::string_view size;
    std::string_view side;
    std::optional<std::int64_t> time;
    std::optional<std::int64_t> count;
    auto read = json::forEachField(entry, [&](std::string_view key, json::value v) -> json::Fields {
        if (key == "instId")
            return readString(v, symbol, key);
        if (key == "tradeId")
            return readString(v, tradeId, key);
        if (key == "px")
            return readString(v, price, key);
        if (key == "sz")
            return readString(v, size, key);
        if (key == "side")
            return readString(v, side, key);
        if (key == "ts")
            return readIntString(v, time, key);
        if (key == "count")
            return readIntString(v, count, key);
        return {};
    });
    if (!read)
        return std::unexpected("trade " + read.error());
    if (symbol != channelSymbol)
        return std::unexpected(
            std::format("trade of {} in the channel of {}", symbol, channelSymbol));
    const auto instrument = instruments.find(symbol);
    if (!instrument)
        return std::unexpected(std::format("unknown symbol {}", symbol));
    if (tradeId.empty() || price.empty() || size.empty() || side.empty())
        return std::unexpected(std::string("trade lacks one of tradeId, px, sz, side"));
    const auto parsedPrice = json::parsePrice(price);
    if (!parsedPrice)
        return std::unexpected(std::format("trade px \"{}\" is not a positive decimal", price));
    const auto parsedSize = json::parseSize(size);
    if (!parsedSize || parsedSize->isZero())
        return std::unexpected(std::format("trade sz \"{}\" is not a positive decimal", size));
    if (side != "buy" && side != "sell")
        return std::unexpected(std::format("trade side \"{}\" is neither buy nor sell", side));
    if (count && *count < 1)
        return std::unexpected(std::format("trade count {} is below 1", *count));
    const auto timeNs = msToNs(time, "trade");
    if (!timeNs)
        return std::unexpected(timeNs.error());
    model::Trade trade{
        .exchangeTimeNs = *timeNs,
        .receivedAtNs = receivedAtNs,
        .instrument = *instrument,
        .idsCovered = count.value_or(1),
        .price = *parsedPrice,
        .size = *parsedSize,
        .side = side == "buy" ? model::Side::Buy : model::Side::Sell, // the taker's side
    };
    trade.setTradeId(tradeId);
    if (trade.hasNumericId() && trade.tradeId < trade.idsCovered - 1)
        return std::unexpected(
            std::format("trade id {} cannot end {} aggregated trades", tradeId, *count));
    return trade;
}

std::expected<void, std::string> readBook(json::object entry, BookMessage &book)
{
    std::optional<std::int64_t> time;
    std::optional<std::int64_t> checksum;
    std::optional<std::int64_t> prevSeqId;
    std::optional<std::int64_t> seqId;
    bool hasBids = false;
    bool hasAsks = false;
    auto read = json::forEachField(entry, [&](std::string_view key, json::value v) -> json::Fields {
        if (key == "bids") {
            hasBids = true;
            return readLevels(v, book.bidTexts, book.bids, key);
        }
        if (key == "asks") {
            hasAsks = true;
            return readLevels(v, book.askTexts, book.asks, key);
        }
        if (key == "ts")
            return readIntString(v, time, key);
        if (key == "checksum")
            return readInt(v, checksum, key);
        if (key == "prevSeqId")
            return readInt(v, prevSeqId, key);
        if (key == "seqId")
            return readInt(v, seqId, key);
        return {};
    });
    if (!read)
        return std::unexpected("book " + read.error());
    if (!hasBids || !hasAsks || !prevSeqId || !seqId)
        return std::unexpected(std::string("book lacks one of bids, asks, prevSeqId, seqId"));
    if (checksum && (*checksum < INT32_MIN || *checksum > INT32_MAX))
        return std::unexpected(std::format("book checksum {} is not a 32-bit integer", *checksum));
    if (*seqId < 0 || *prevSeqId < -1)
        return std::unexpected(
            std::format("book sequence prevSeqId={} seqId={} is invalid", *prevSeqId, *seqId));
    const auto timeNs = msToNs(time, "book");
    if (!timeNs)
        return std::unexpected(timeNs.error());
    book.exchangeTimeNs = *timeNs;
    book.prevSeqId = *prevSeqId;
    book.seqId = *seqId;
    if (checksum)
        book.checksum = static_cast<std::int32_t>(*checksum);
    return {};
}

} // namespace

MessageParser::MessageParser(const InstrumentList &instruments)
    : m_instruments(instruments)
{ }

std::expected<Message, std::string> MessageParser::parse(
    std::string_view frame, std::int64_t receivedAtNs)
{
    if (frame == "pong")
        return Pong{};
    auto top = m_reader.iterateObject(frame);
    if (!top)
        return std::unexpected(top.error());

    std::string_view event;
    std::string_view code;
    std::string_view text;
    std::string_view channel;
    std::string_view symbol;
    std::string_view action;
    bool hasArg = false;
    bool hasData = false;
    std::vector<model::Trade> trades;
    BookMessage book;
    for (auto field : *top) {
        std::string_view key;
        if (auto error = field.escaped_key().get(key))
            return std::unexpected(std::format("bad key ({})", describe(error)));
        json::value v;
        if (auto error = field.value().get(v))
            return std::unexpected(std::format("bad value ({})", describe(error)));
        std::expected<void, std::string> read;
        if (key == "event") {
            read = readString(v, event, key);
        } else if (key == "code") {
            read = readString(v, code, key);
        } else if (key == "msg") {
            read = readString(v, text, key);
        } else if (key == "action") {
            read = readString(v, action, key);
        } else if (key == "arg") {
            json::object arg;
            if (auto error = v.get_object().get(arg))
                return std::unexpected(std::format("'arg' is not an object ({})", describe(error)));
            hasArg = true;
            for (auto argField : arg) {
                std::string_view argKey;
                json::value argValue;
                if (argField.escaped_key().get(argKey) || argField.value().get(argValue))
                    return std::unexpected(std::string("'arg' holds a bad field"));
                if (argKey == "channel")
                    read = readString(argValue, channel, "arg.channel");
                else if (argKey == "instId")
                    read = readString(argValue, symbol, "arg.instId");
                if (!read)
                    return std::unexpected(read.error());
            }
        } else if (key == "data") {
            hasData = true;
            if (!hasArg)
                return std::unexpected(std::string("'data' comes before 'arg'"));
            if (channel != "trades" && channel != "books")
                continue; // a channel Tickscope does not store: its data is not read
            if (!m_instruments.find(symbol))
                continue; // reported below
            json::array entries;
            if (auto error = v.get_array().get(entries))
                return std::unexpected(std::format("'data' is not an array ({})", describe(error)));
            std::size_t count = 0;
            for (auto element : entries) {
                json::object entry;
                if (auto error = element.get_object().get(entry))
                    return std::unexpected(
                        std::format("'data' holds a non-object ({})", describe(error)));
                ++count;
                if (channel == "trades") {
                    auto trade = readTrade(entry, m_instruments, symbol, receivedAtNs);
                    if (!trade)
                        return std::unexpected(trade.error());
                    trades.push_back(std::move(*trade));
                } else if (count > 1) {
                    return std::unexpected(std::string("book push with more than one book"));
                } else if (auto read = readBook(entry, book); !read) {
                    return std::unexpected(read.error());
                }
            }
            if (channel == "books" && count != 1)
                return std::unexpected(std::string("book push without a book"));
        }
        if (!read)
            return std::unexpected(read.error());
    }
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());

    if (event == "error")
        return ErrorReply{std::string(code), std::string(text)};
    if (event == "notice")
        return Notice{std::string(code), std::string(text)};
    if (event == "subscribe" || event == "unsubscribe")
        return SubscribeAck{std::string(event), std::string(channel), std::string(symbol)};
    if (!event.empty())
        return Ignored{std::string(event)}; // login, channel-conn-count...
    if (!hasArg || !hasData || channel.empty())
        return std::unexpected(std::string("neither a push, an event nor \"pong\""));
    if (channel != "trades" && channel != "books")
        return Ignored{std::string(channel)};
    const auto instrument = m_instruments.find(symbol);
    if (!instrument)
        return UnknownSymbol{std::string(symbol)};
    if (channel == "trades")
        return trades;
    if (action != "snapshot" && action != "update")
        return std::unexpected(
            std::format("book action \"{}\" is neither snapshot nor update", action));
    book.instrument = *instrument;
    book.snapshot = action == "snapshot";
    book.receivedAtNs = receivedAtNs;
    if (book.snapshot != (book.prevSeqId == -1))
        return std::unexpected(std::format(
            "book {} with prevSeqId {}", book.snapshot ? "snapshot" : "update", book.prevSeqId));
    return book;
}

std::expected<std::vector<model::Trade>, std::string> MessageParser::parseHistoryTrades(
    std::string_view body, std::uint32_t instrument, std::int64_t receivedAtNs)
{
    auto top = m_reader.iterateObject(body);
    if (!top)
        return std::unexpected(top.error());
    const std::string &symbol = m_instruments.at(instrument).symbol;
    std::string_view code;
    std::string_view text;
    bool hasData = false;
    std::vector<model::Trade> trades;
    auto read = json::forEachField(*top, [&](std::string_view key, json::value v) -> json::Fields {
        if (key == "code")
            return readString(v, code, key);
        if (key == "msg")
            return readString(v, text, key);
        if (key != "data")
            return {};
        hasData = true;
        return json::forEachObject(v, key, [&](json::object entry) -> json::Fields {
            auto trade = readTrade(entry, m_instruments, symbol, receivedAtNs);
            if (!trade)
                return std::unexpected(trade.error());
            trades.push_back(std::move(*trade));
            return {};
        });
    });
    if (!read)
        return std::unexpected(read.error());
    if (auto end = m_reader.checkEnd(); !end)
        return std::unexpected(end.error());
    if (code != "0")
        return std::unexpected(std::format("OKX answered code {}: {}", code, text));
    if (!hasData)
        return std::unexpected(std::string("history-trades answer without 'data'"));
    return trades;
}

} // namespace tickscope::feeds::okx
