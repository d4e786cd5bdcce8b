// What the frame tests of every exchange share: a decimal from its text, and one text frame
// through an exchange's normalizer, received at kReceivedAt.
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

} // namespace tickscope::testing
