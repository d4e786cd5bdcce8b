// A message as it came from an exchange, before parsing: what the journal stores and what a
// normalizer reads, live or in a replay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickscope::feeds {

enum class RawKind : std::uint8_t {
    WebSocketText = 1, // one text frame as received; tag = the index of its connection (journals
                       // written before it was kept: 0)
    RestResponse = 2, // a REST body the feed asked for; tag = its RestTopic, payload below
    Marker = 3, // the connections' own events: "connect\t<url>", "disconnect\t<reason>", ...;
                // tag = the index of the connection (FeedConnection) they concern
};

// What a REST response answers.
enum class RestTopic : std::uint8_t {
    BookSnapshot = 0, // the depth snapshot that a book is synchronised from
    TradeBackfill = 1, // trades that a gap in trade ids left out
};

// A REST response's payload names its instrument by the exchange's symbol, not by a position in
// the configured list, so a journal reads the same after symbols were added or reordered:
// "<symbol>\n<body>".
struct RestPayload
{
    std::string_view symbol;
    std::string_view body;
};

inline std::string encodeRestPayload(std::string_view symbol, std::string_view body)
{
    std::string payload;
    payload.reserve(symbol.size() + 1 + body.size());
    payload.append(symbol).append(1, '\n').append(body);
    return payload;
}

inline std::optional<RestPayload> decodeRestPayload(std::string_view payload)
{
    const auto newline = payload.find('\n');
    if (newline == 0 || newline == std::string_view::npos)
        return std::nullopt;
    return RestPayload{payload.substr(0, newline), payload.substr(newline + 1)};
}

struct RawMessage
{
    RawKind kind = RawKind::WebSocketText;
    std::uint32_t tag = 0;
    std::int64_t receivedAtNs = 0;
    std::string_view payload;
};

} // namespace tickscope::feeds
