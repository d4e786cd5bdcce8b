// Something that happened to a feed's connection or subscription, for audit.feed_events: a
// connect, a disconnect with its reason, a subscription ack, an error from the exchange or a
// malformed frame.
#pragma once

#include <cstdint>
#include <string>

namespace tickscope::model {

struct FeedEvent
{
    enum class Kind {
        Connect,
        Disconnect,
        Subscribe,
        Subscribed,
        Error,
        Reconnect,
        ShutdownNotice,
        Resync,
        Pause, // the feed stopped receiving (its journal's disk is full)
        Resume // ... and started again; the window between is an outage gap
    };

    std::int64_t timeNs = 0;
    Kind kind = Kind::Error;
    std::string detail;
    std::uint32_t connection = 0; // which of the feed's connections, for connection events
};

inline const char *kindName(FeedEvent::Kind kind)
{
    switch (kind) {
    case FeedEvent::Kind::Connect:
        return "connect";
    case FeedEvent::Kind::Disconnect:
        return "disconnect";
    case FeedEvent::Kind::Subscribe:
        return "subscribe";
    case FeedEvent::Kind::Subscribed:
        return "subscribed";
    case FeedEvent::Kind::Reconnect:
        return "reconnect";
    case FeedEvent::Kind::ShutdownNotice:
        return "shutdown_notice";
    case FeedEvent::Kind::Resync:
        return "resync";
    case FeedEvent::Kind::Pause:
        return "pause";
    case FeedEvent::Kind::Resume:
        return "resume";
    case FeedEvent::Kind::Error:
        break;
    }
    return "error";
}

} // namespace tickscope::model
