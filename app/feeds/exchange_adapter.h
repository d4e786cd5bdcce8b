// What the feed thread needs to know about one exchange: where to connect, what to send after
// connecting, which frames concern the order book, where book snapshots come from, and how to
// normalize its messages. One implementation per exchange folder.
#pragma once

#include "app/feeds/feed_normalizer.h"
#include "app/feeds/instrument_list.h"

#include <QByteArray>
#include <QList>
#include <QUrl>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace tickscope::feeds {

class ExchangeAdapter
{
public:
    virtual ~ExchangeAdapter() = default;

    virtual std::string feedName() const = 0; // journal folder and audit name: "binance"
    virtual const InstrumentList &instruments() const = 0;
    virtual QUrl streamUrl() const = 0;
    virtual QList<QByteArray> subscribeMessages() const = 0; // sent once connected
    // The exchange closes connections after this long; reconnect a little before.
    virtual std::chrono::seconds connectionLifetime() const = 0;
    // A cheap test on the raw frame: may the feed thread pass it on without parsing it? True for
    // the bulk of the traffic (trades); book and control frames must be parsed there.
    virtual bool feedThreadCanSkip(std::string_view frame) const = 0;
    virtual QUrl snapshotUrl(std::uint32_t instrument) const = 0;
    // Up to `limit` trades of `instrument` from trade id `fromId` on, to fill a gap.
    virtual QUrl backfillUrl(std::uint32_t instrument, std::int64_t fromId, int limit) const = 0;
    virtual int backfillPageSize() const = 0;
    virtual std::unique_ptr<FeedNormalizer> createNormalizer() const = 0;
};

} // namespace tickscope::feeds
