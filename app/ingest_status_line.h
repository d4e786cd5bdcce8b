// The headless view of running feeds: one line per feed and second with what arrived, what was
// committed and what is behind, and the totals when ingestion stops. `tickscope ingest` and the
// headless main job print it.
#pragma once

#include "app/model/feed_status.h"

#include <QString>
#include <map>
#include <string>

namespace tickscope::app {

class IngestStatusLine
{
public:
    void onFeed(const model::FeedStatus &status) { m_feeds[status.feed] = status; }
    void onWriter(const model::WriterStatus &status) { m_writers[status.feed] = status; }

    void print();
    void printTotals() const;

private:
    struct Counters
    {
        std::int64_t framesReceived = 0;
        std::int64_t rowsCommitted = 0;
    };
    std::map<std::string, model::FeedStatus> m_feeds;
    std::map<std::string, model::WriterStatus> m_writers;
    std::map<std::string, Counters> m_last;
};

} // namespace tickscope::app
