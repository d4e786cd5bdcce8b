// A message as it came from an exchange, before parsing: what the journal stores and what a
// normalizer reads, live or in a replay.
#pragma once

#include <cstdint>
#include <string_view>

namespace tickscope::feeds {

enum class RawKind : std::uint8_t {
    WebSocketText = 1, // one text frame as received
    RestResponse = 2, // a REST body the feed asked for; tag = restTag(topic, instrument)
    Marker = 3, // the connection's own events: "connect\t<url>", "disconnect\t<reason>", ...
};

// What a REST response answers, and for which instrument, packed into its record's tag.
enum class RestTopic : std::uint8_t {
    BookSnapshot = 0, // the depth snapshot that a book is synchronised from
    TradeBackfill = 1, // trades that a gap in trade ids left out
};

constexpr std::uint32_t restTag(RestTopic topic, std::uint32_t instrument)
{
    return (static_cast<std::uint32_t>(topic) << 24) | (instrument & 0xffffffu);
}
constexpr RestTopic restTopic(std::uint32_t tag)
{
    return static_cast<RestTopic>(tag >> 24);
}
constexpr std::uint32_t restInstrument(std::uint32_t tag)
{
    return tag & 0xffffffu;
}

struct RawMessage
{
    RawKind kind = RawKind::WebSocketText;
    std::uint32_t tag = 0;
    std::int64_t receivedAtNs = 0;
    std::string_view payload;
};

} // namespace tickscope::feeds
