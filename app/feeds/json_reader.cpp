#include "app/feeds/json_reader.h"

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

} // namespace tickscope::feeds::json
