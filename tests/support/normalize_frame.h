// What the frame tests of every exchange share: a decimal from its text, and one text frame or
// one REST backfill answer through an exchange's normalizer, received at kReceivedAt.
#pragma once

#include "app/feeds/feed_normalizer.h"

#include <string_view>

namespace tickscope::testing {

inline constexpr std::int64_t kReceivedAt = 1'700'000'000'123'456'789;

inline model::Decimal dec(const char *text)
{
    return *model::Decimal::parse(text);
}

inline feeds::NormalizedOutput normalize(feeds::FeedNormalizer &normalizer, std::string_view frame)
{
    feeds::NormalizedOutput out;
    normalizer.normalize({feeds::RawKind::WebSocketText, 0, kReceivedAt, frame}, out);
    return out;
}

// `body` as the answer to a backfill request for `symbol`'s trades.
inline feeds::NormalizedOutput normalizeBackfill(
    feeds::FeedNormalizer &normalizer, std::string_view symbol, std::string_view body)
{
    const std::string payload = feeds::encodeRestPayload(symbol, body);
    feeds::NormalizedOutput out;
    normalizer.normalize(
        {feeds::RawKind::RestResponse, static_cast<std::uint32_t>(feeds::RestTopic::TradeBackfill),
            kReceivedAt, payload},
        out);
    return out;
}

// The error event of an answer that could not be used, and that it left the gap to later.
inline bool refusedWith(const feeds::NormalizedOutput &out, std::string_view text)
{
    return out.malformed == 1 && out.backfillRefused.size() == 1 && out.backfilledTrades.empty()
        && out.events.size() == 1 && out.events[0].detail.find(text) != std::string::npos;
}

} // namespace tickscope::testing
