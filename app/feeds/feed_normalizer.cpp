#include "app/feeds/feed_normalizer.h"

#include <array>
#include <format>

namespace tickscope::feeds {

namespace {

constexpr std::size_t kMaxQuotedBytes = 512;

constexpr std::array kMarkerKinds{model::FeedEvent::Kind::Connect,
    model::FeedEvent::Kind::Disconnect, model::FeedEvent::Kind::Subscribe,
    model::FeedEvent::Kind::Subscribed, model::FeedEvent::Kind::Error,
    model::FeedEvent::Kind::Reconnect, model::FeedEvent::Kind::ShutdownNotice,
    model::FeedEvent::Kind::Resync};

} // namespace

std::string encodeMarker(model::FeedEvent::Kind kind, std::string_view detail)
{
    return std::format("{}\t{}", model::kindName(kind), detail);
}

void FeedNormalizer::normalize(const RawMessage &message, NormalizedOutput &out)
{
    switch (message.kind) {
    case RawKind::WebSocketText:
        normalizeFrame(message, out);
        return;
    case RawKind::RestResponse:
        normalizeRestResponse(message, out);
        return;
    case RawKind::Marker:
        break;
    }
    const auto tab = message.payload.find('\t');
    const std::string_view name = message.payload.substr(0, tab);
    for (const auto kind : kMarkerKinds) {
        if (name == model::kindName(kind)) {
            out.events.push_back({message.receivedAtNs, kind,
                tab == std::string_view::npos ? std::string()
                                              : std::string(message.payload.substr(tab + 1))});
            return;
        }
    }
    reportMalformed(message, "unknown marker", out);
}

void FeedNormalizer::reportMalformed(
    const RawMessage &message, std::string_view why, NormalizedOutput &out)
{
    ++out.malformed;
    const std::string_view quoted = message.payload.substr(0, kMaxQuotedBytes);
    out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Error,
        std::format("malformed message ({}): {}{}", why, quoted,
            quoted.size() < message.payload.size() ? "..." : "")});
}

} // namespace tickscope::feeds
