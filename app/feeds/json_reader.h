// What every exchange's frame parser needs from simdjson's on-demand API: a reusable parser with
// the padded copy of the text it reads past the end of, and readers of single fields whose errors
// name the field. The string_views a document yields stay valid until the next iterate().
#pragma once

#include "app/model/book.h"
#include "app/model/decimal.h"

#include <expected>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::feeds::json {

using simdjson::ondemand::array;
using simdjson::ondemand::document;
using simdjson::ondemand::json_type;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

inline std::string describe(simdjson::error_code error)
{
    return simdjson::error_message(error);
}

class Reader
{
public:
    // Starts reading `text`; the document stays usable until the next call.
    std::expected<document *, std::string> iterate(std::string_view text);
    // Starts reading `text`, which must be one JSON object (every exchange's frames are).
    std::expected<object, std::string> iterateObject(std::string_view text);
    // Once that object has been read: an error when anything follows it.
    std::expected<void, std::string> checkEnd();

private:
    simdjson::ondemand::parser m_parser;
    std::string m_buffer;
    document m_document;
};

std::expected<void, std::string> readInt(
    value v, std::optional<std::int64_t> &out, std::string_view key);
std::expected<void, std::string> readString(value v, std::string_view &out, std::string_view key);
// An integer sent as a JSON string ("1630048897897"), as OKX sends its times and counts.
std::expected<void, std::string> readIntString(
    value v, std::optional<std::int64_t> &out, std::string_view key);

// What reading a part of a frame gives: nothing, or the error.
using Fields = std::expected<void, std::string>;

// Calls `read(key, value)` for every field of `object`, in the order sent.
template<typename Read> Fields forEachField(object fields, const Read &read)
{
    for (auto field : fields) {
        std::string_view key;
        if (auto error = field.escaped_key().get(key))
            return std::unexpected("bad key (" + describe(error) + ")");
        value v;
        if (auto error = field.value().get(v))
            return std::unexpected(
                "bad value of '" + std::string(key) + "' (" + describe(error) + ")");
        if (auto done = read(key, v); !done)
            return done;
    }
    return {};
}

// Calls `read(entry)` for every object of the array `entries`, named `name` in errors.
template<typename Read> Fields forEachObject(value entries, std::string_view name, const Read &read)
{
    array list;
    if (auto error = entries.get_array().get(list))
        return std::unexpected(
            "'" + std::string(name) + "' is not an array (" + describe(error) + ")");
    for (auto element : list) {
        object entry;
        if (auto error = element.get_object().get(entry))
            return std::unexpected(
                "'" + std::string(name) + "' holds a non-object (" + describe(error) + ")");
        if (auto done = read(entry); !done)
            return done;
    }
    return {};
}

// A price: a decimal above zero. A size: a decimal of zero or more (zero removes a book level).
std::optional<model::Decimal> parsePrice(std::string_view text);
std::optional<model::Decimal> parseSize(std::string_view text);
// [["price","qty"], ...] (Binance, Bybit) into levels: prices above zero, sizes of zero or more
// (zero removes the level); `name` is the field's, for errors.
std::expected<void, std::string> readLevels(
    value levels, std::vector<model::PriceLevel> &out, std::string_view name);

// A JSON number's exact text ("0.5147", "1e-08", "45285.2") as a decimal, never through a double:
// what Kraken's prices and quantities need.
std::optional<model::Decimal> parseNumberToken(std::string_view token);
// Reads a JSON number field as its exact decimal (value::raw_json_token()).
std::expected<void, std::string> readNumber(
    value v, std::optional<model::Decimal> &out, std::string_view key);

} // namespace tickscope::feeds::json
