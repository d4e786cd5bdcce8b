// A message as it came from an exchange, before parsing: what the journal stores and what a
// normalizer reads, live or in a replay.
#pragma once

#include <cstdint>
#include <string_view>

namespace tickscope::feeds {

enum class RawKind : std::uint8_t {
    WebSocketText = 1, // one text frame as received
    RestResponse = 2, // a REST body the feed asked for (a book snapshot); tag = instrument
    Marker = 3, // the connection's own events: "connect\t<url>", "disconnect\t<reason>", ...
};

struct RawMessage
{
    RawKind kind = RawKind::WebSocketText;
    std::uint32_t tag = 0;
    std::int64_t receivedAtNs = 0;
    std::string_view payload;
};

} // namespace tickscope::feeds
