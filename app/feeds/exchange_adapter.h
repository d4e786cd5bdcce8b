// What the feed and writer threads need to know about one exchange: what it does (its traits),
// where to connect, what to send after connecting, which frames concern the order book, where
// book snapshots and missing trades come from, and how to normalize its messages. One
// implementation per exchange folder, found by name in the adapter registry.
#pragma once

#include "app/feeds/exchange_traits.h"
#include "app/feeds/feed_normalizer.h"
#include "app/feeds/instrument_list.h"

#include <QByteArray>
#include <QList>
#include <QUrl>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tickscope::feeds {

class ExchangeAdapter
{
public:
    virtual ~ExchangeAdapter() = default;

    virtual std::string feedName() const = 0; // journal folder and audit name, from the config
    virtual const InstrumentList &instruments() const = 0;
    virtual const ExchangeTraits &traits() const = 0;
    // A connection's URL and what to send once it is connected, for the streams of
    // `instruments` (indices into instruments(); at most traits().streamsPerConnection streams).
    virtual QUrl streamUrl(std::span<const std::uint32_t> instruments) const = 0;
    virtual QList<QByteArray> subscribeMessages(std::span<const std::uint32_t> instruments) const
        = 0;
    // How many streams one instrument takes (trades, book): what the connection limit counts.
    virtual std::size_t streamsPerInstrument() const = 0;
    // Sent when the connection has been quiet for a while (KeepAlive::TextPing).
    virtual QByteArray keepAliveMessage() const { return {}; }
    // The exchange closes connections after this long; reconnect a little before. Zero: the
    // exchange names no limit.
    virtual std::chrono::seconds connectionLifetime() const = 0;
    // A cheap test on the raw frame: may the feed thread pass it on without parsing it? True for
    // the bulk of the traffic (trades); book and control frames must be parsed there.
    virtual bool feedThreadCanSkip(std::string_view frame) const = 0;
    // BookRecovery::Resubscribe: what to send for a fresh snapshot of `instrument`'s book.
    virtual QList<QByteArray> resubscribeMessages(std::uint32_t /*instrument*/) const { return {}; }
    // BookRecovery::RestSnapshot: where the book of `instrument` is fetched from.
    virtual QUrl snapshotUrl(std::uint32_t /*instrument*/) const { return {}; }
    // Up to `limit` trades of `instrument` from `cursor`, as traits().backfill pages: FromId,
    // the first id wanted; BeforeId, the ids below it; SinceTime, trades after this exchange
    // time (ns).
    virtual QUrl backfillUrl(
        std::uint32_t /*instrument*/, std::int64_t /*cursor*/, int /*limit*/) const
    {
        return {};
    }
    // The most trades one page may ask for.
    virtual int backfillPageSize() const { return 0; }
    virtual std::unique_ptr<FeedNormalizer> createNormalizer() const = 0;
};

} // namespace tickscope::feeds
