// What an exchange does, as its adapter declares it; the feed session, the writer and the
// sequencer act on the declaration instead of assuming one exchange's ways. The facts for each
// venue are in the exchange folders (and ../shared/feeds/PROTOCOLS.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <format>
#include <string>

namespace tickscope::feeds {

struct ExchangeTraits
{
    // How a venue numbers its trades, per instrument.
    enum class TradeIds {
        Contiguous, // each id is the last one plus one: a jump is a gap (Binance `t`, Kraken v2)
        Increasing, // ids grow but skip values: an older id is a duplicate, a jump is not a gap
        Opaque, // strings or unordered numbers (UUIDs): only the database's key deduplicates
    };
    // How a book that lost its sequence is rebuilt.
    enum class BookRecovery {
        RestSnapshot, // fetch a snapshot over REST and apply the buffered updates after it
        SocketSnapshot, // the socket sends a snapshot first (on subscribe, on restart)
        Resubscribe, // unsubscribe and subscribe again to get a fresh snapshot
    };
    // What tells a book update that it follows the previous one.
    enum class BookIntegrity {
        Sequence, // update ids: each update's first id follows the last one's final id
        PreviousLink, // each update names the previous update's id
        Checksum, // a CRC32 of the top levels after each update
        None,
    };
    enum class KeepAlive {
        WebSocketPing, // protocol-level ping frames
        TextPing, // an application message ("ping") the exchange answers
        None,
    };
    // How missing trades can be fetched afterwards: how the history endpoint pages.
    enum class Backfill {
        FromId, // from a trade id on, oldest first (Binance historicalTrades fromId)
        BeforeId, // the ids below a cursor id, newest first (OKX history-trades, Coinbase trades)
        SinceTime, // after an exchange time, oldest first (Kraken Trades since)
        None,
    };

    TradeIds tradeIds = TradeIds::Opaque;
    BookRecovery bookRecovery = BookRecovery::SocketSnapshot;
    BookIntegrity bookIntegrity = BookIntegrity::None;
    KeepAlive keepAlive = KeepAlive::WebSocketPing;
    Backfill backfill = Backfill::None;
    std::size_t streamsPerConnection = 0; // 0: no limit

    // The venue's REST request-weight limit per minute and address (0: none known), and what a
    // book snapshot and a trade backfill request weigh against it (feeds::RequestPacer).
    struct RestWeights
    {
        int perMinute = 0;
        int snapshot = 1;
        int backfill = 1;
    };
    RestWeights restWeights;

    // The subscribe and unsubscribe messages one connection may send in a window (0: no limit
    // known). The feed spaces them out, so that a storm of resubscriptions is never refused.
    struct ControlLimit
    {
        int messages = 0;
        std::chrono::seconds window{1};
    };
    ControlLimit controlLimit;
};

// A backfill page's cursor in words, for the log and the audit trail: "trades from id 7".
inline std::string describeBackfillPage(ExchangeTraits::Backfill paging, std::int64_t cursor)
{
    switch (paging) {
    case ExchangeTraits::Backfill::FromId:
        return std::format("trades from id {}", cursor);
    case ExchangeTraits::Backfill::BeforeId:
        return std::format("trades before id {}", cursor);
    case ExchangeTraits::Backfill::SinceTime:
        return std::format("trades after {:%FT%T}Z",
            std::chrono::sys_time<std::chrono::nanoseconds>(std::chrono::nanoseconds(cursor)));
    case ExchangeTraits::Backfill::None:
        break;
    }
    return "trades";
}

} // namespace tickscope::feeds
