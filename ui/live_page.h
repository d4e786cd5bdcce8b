// The Live page: the ingest running in the background, per feed (connection state, messages and
// rows a second, what is pending, the last gap, latency) and a live price chart per instrument.
// Receives value types from the app once or a few times a second; never waits on anything.
#pragma once

#include "app/model/feed_status.h"
#include "app/model/instrument.h"

#include <QWidget>
#include <map>
#include <string>
#include <vector>

class QGridLayout;
class QLabel;

namespace tickscope::widgets {
class PriceChart;
class StatusBadge;
} // namespace tickscope::widgets

namespace tickscope::ui {

class LivePage : public QWidget
{
    Q_OBJECT
public:
    explicit LivePage(QWidget *parent = nullptr);

public slots:
    void setInstruments(const std::vector<tickscope::model::Instrument> &instruments);
    void showFeedStatus(const tickscope::model::FeedStatus &status);
    void showWriterStatus(const tickscope::model::WriterStatus &status);

private:
    void refresh(const std::string &feed);

    widgets::StatusBadge *m_state;
    QLabel *m_details;
    QGridLayout *m_chartGrid;
    // By feed (the exchange's name) and the instrument's index in that feed.
    std::map<std::string, std::vector<widgets::PriceChart *>> m_charts;
    std::map<std::string, model::FeedStatus> m_feeds;
    std::map<std::string, model::WriterStatus> m_writers;
    std::map<std::string, std::int64_t> m_lastFrames;
};

} // namespace tickscope::ui
