#include "app/feeds/json_reader.h"

#include <algorithm>
#include <charconv>
#include <format>

namespace tickscope::feeds::json {

std::expected<document *, std::string> Reader::iterate(std::string_view text)
{
    m_buffer.assign(text);
    m_buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    if (auto error
        = m_parser.iterate(m_buffer.data(), text.size(), m_buffer.size()).get(m_document))
        return std::unexpected(std::format("malformed JSON ({})", describe(error)));
    return &m_document;
}

std::expected<object, std::string> Reader::iterateObject(std::string_view text)
{
    if (auto started = iterate(text); !started)
        return std::unexpected(started.error());
    object top;
    if (auto error = m_document.get_object().get(top))
        return std::unexpected(std::format("not a JSON object ({})", describe(error)));
    return top;
}

std::expected<void, std::string> Reader::checkEnd()
{
    // A structural error met inside (an array left open) makes simdjson give the document up;
    // a reader that skipped over that error must not ask it anything more.
    if (!m_document.is_alive())
        return std::unexpected(std::string("malformed JSON (unbalanced brackets)"));
    if (!m_document.at_end())
        return std::unexpected(std::string("trailing content after the JSON object"));
    return {};
}

std::expected<void, std::string> readInt(
    value v, std::optional<std::int64_t> &out, std::string_view key)
{
    std::int64_t number = 0;
    if (auto error = v.get_int64().get(number))
        return std::unexpected(std::format("'{}' is not an integer ({})", key, describe(error)));
    out = number;
    return {};
}

std::expected<void, std::string> readString(value v, std::string_view &out, std::string_view key)
{
    if (auto error = v.get_string().get(out))
        return std::unexpected(std::format("'{}' is not a string ({})", key, describe(error)));
    return {};
}

std::expected<void, std::string> readIntString(
    value v, std::optional<std::int64_t> &out, std::string_view key)
{
    std::string_view text;
    if (auto read = readString(v, text, key); !read)
        return read;
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        return std::unexpected(std::format("'{}' is not an integer (\"{}\")", key, text));
    out = number;
    return {};
}

std::optional<model::Decimal> parsePrice(std::string_view text)
{
    const auto price = model::Decimal::parse(text);
    if (!price || !price->isPositive())
        return std::nullopt;
    return price;
}

std::optional<model::Decimal> parseSize(std::string_view text)
{
    const auto size = model::Decimal::parse(text);
    if (!size || size->mantissa < 0)
        return std::nullopt;
    return size;
}

std::optional<model::Decimal> parseNumberToken(std::string_view token)
{
    while (!token.empty()
        && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r'
            || token.back() == '\t'))
        token.remove_suffix(1); // raw tokens keep the whitespace after them
    const bool negative = !token.empty() && token.front() == '-';
    if (negative)
        token.remove_prefix(1);
    const auto e = token.find_first_of("eE");
    const std::string_view mantissa = token.substr(0, e);
    int exponent = 0;
    if (e != std::string_view::npos) {
        std::string_view power = token.substr(e + 1);
        if (!power.empty() && power.front() == '+')
            power.remove_prefix(1);
        const auto [end, error]
            = std::from_chars(power.data(), power.data() + power.size(), exponent);
        if (power.empty() || error != std::errc{} || end != power.data() + power.size()
            || exponent < -40 || exponent > 40)
            return std::nullopt;
    }
    const auto point = mantissa.find('.');
    const std::string_view whole = mantissa.substr(0, point);
    const std::string_view fraction
        = point == std::string_view::npos ? std::string_view{} : mantissa.substr(point + 1);
    if (whole.empty() || (point != std::string_view::npos && fraction.empty()))
        return std::nullopt;
    std::string digits{whole};
    digits += fraction;
    if (!std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    // digits x 10^-(scale): move the point by the exponent.
    int scale = static_cast<int>(fraction.size()) - exponent;
    if (scale < 0) {
        digits.append(static_cast<std::size_t>(-scale), '0');
        scale = 0;
    }
    if (static_cast<int>(digits.size()) <= scale)
        digits.insert(0, static_cast<std::size_t>(scale) - digits.size() + 1, '0');
    std::string text = negative ? "-" : "";
    text.append(digits, 0, digits.size() - static_cast<std::size_t>(scale));
    if (scale > 0)
        text.append(1, '.').append(digits, digits.size() - static_cast<std::size_t>(scale));
    return model::Decimal::parse(text);
}

std::expected<void, std::string> readNumber(
    value v, std::optional<model::Decimal> &out, std::string_view key)
{
    simdjson::ondemand::json_type type{};
    if (v.type().get(type) || type != simdjson::ondemand::json_type::number)
        return std::unexpected(std::format("'{}' is not a number", key));
    const std::string_view token = v.raw_json_token();
    out = parseNumberToken(token);
    if (!out)
        return std::unexpected(
            std::format("'{}' ({}) is not a decimal Tickscope can hold", key, token.substr(0, 40)));
    return {};
}

// [["price","qty"], ...] -> levels; sizes may be zero (level removed), prices must be positive.
std::expected<void, std::string> readLevels(
    value levels, std::vector<model::PriceLevel> &out, std::string_view name)
{
    array list;
    if (auto error = levels.get_array().get(list))
        return std::unexpected(std::format("'{}' is not an array ({})", name, describe(error)));
    for (auto entry : list) {
        array pair;
        if (auto error = entry.get_array().get(pair))
            return std::unexpected(
                std::format("'{}' holds a level that is not an array ({})", name, describe(error)));
        std::string_view texts[2];
        std::size_t count = 0;
        for (auto element : pair) {
            if (count < 2 && element.get_string().get(texts[count]))
                return std::unexpected(std::format("'{}' holds a non-string number", name));
            ++count;
        }
        if (count != 2)
            return std::unexpected(
                std::format("'{}' holds a level of {} values, not 2", name, count));
        const auto price = parsePrice(texts[0]);
        const auto size = parseSize(texts[1]);
        if (!price)
            return std::unexpected(std::format("'{}' holds a bad price \"{}\"", name, texts[0]));
        if (!size)
            return std::unexpected(std::format("'{}' holds a bad quantity \"{}\"", name, texts[1]));
        out.push_back({*price, *size});
    }
    return {};
}

} // namespace tickscope::feeds::json
