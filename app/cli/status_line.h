// The headless view of running feeds: one line per feed and second with what arrived, what was
// committed and what is behind, and the totals when ingestion stops. `tickscope ingest` and the
// headless main job print it.
#pragma once

#include "app/model/feed_status.h"

#include <QString>
#include <chrono>
#include <map>
#include <string>

namespace tickscope::app {

class StatusLine
{
public:
    void onFeed(const model::FeedStatus &status);
    void onWriter(const model::WriterStatus &status);

    void print();
    void printTotals() const;

private:
    // A counter's rate between the last two snapshots, measured when they arrive (each side
    // sends one a second on its own timer, so the printing second would alias).
    struct Rate
    {
        std::int64_t last = 0;
        std::chrono::steady_clock::time_point at;
        double perSecond = 0;

        void update(std::int64_t value);
    };
    std::map<std::string, model::FeedStatus> m_feeds;
    std::map<std::string, model::WriterStatus> m_writers;
    std::map<std::string, Rate> m_frameRates;
    std::map<std::string, Rate> m_rowRates;
};

} // namespace tickscope::app
