#include "ui/live_page.h"

#include "widgets/price_chart.h"
#include "widgets/status_badge.h"

#include <QGridLayout>
#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

namespace tickscope::ui {

LivePage::LivePage(QWidget *parent)
    : QWidget(parent)
    , m_state(new widgets::StatusBadge(this))
    , m_details(new QLabel(this))
    , m_chartGrid(new QGridLayout)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Live</h2>"), this));
    m_state->setObjectName(QStringLiteral("feedState"));
    m_state->setStatus(widgets::StatusBadge::Level::Unknown, tr("No feed running"));
    layout->addWidget(m_state);
    m_details->setObjectName(QStringLiteral("feedDetails"));
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setWordWrap(true);
    layout->addWidget(m_details);
    auto *charts = new QWidget;
    charts->setLayout(m_chartGrid);
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(charts);
    layout->addWidget(scroll, 1);
}

void LivePage::setInstruments(const std::vector<model::Instrument> &instruments)
{
    for (const auto &[feed, charts] : m_charts)
        qDeleteAll(charts);
    m_charts.clear();
    int position = 0;
    for (const auto &instrument : instruments) {
        auto *chart = new widgets::PriceChart(
            QStringLiteral("%1 %2").arg(QString::fromStdString(instrument.exchange),
                QString::fromStdString(instrument.symbol)));
        chart->setObjectName(
            QStringLiteral("chart_%1").arg(QString::fromStdString(instrument.symbol)));
        m_chartGrid->addWidget(chart, position / 2, position % 2);
        ++position;
        m_charts[instrument.exchange].push_back(chart);
    }
}

void LivePage::showFeedStatus(const model::FeedStatus &status)
{
    m_feeds[status.feed] = status;
    refresh(status.feed);
}

void LivePage::showWriterStatus(const model::WriterStatus &status)
{
    m_writers[status.feed] = status;
    const auto charts = m_charts.find(status.feed);
    if (charts != m_charts.end()) {
        for (const auto &price : status.lastPrices) {
            if (price.instrument < charts->second.size())
                charts->second[price.instrument]->addPoint(price.timeNs / 1'000'000, price.price);
        }
    }
    refresh(status.feed);
}

void LivePage::refresh(const std::string &feed)
{
    using Level = widgets::StatusBadge::Level;
    const auto feedIt = m_feeds.find(feed);
    if (feedIt == m_feeds.end())
        return;
    const model::FeedStatus &status = feedIt->second;
    const model::WriterStatus writer = m_writers[feed];
    const bool healthy = status.state == model::FeedStatus::State::Live
        && (writer.state == model::WriterStatus::State::Live
            || writer.state == model::WriterStatus::State::Replaying);
    const bool failed = status.state == model::FeedStatus::State::Failed
        || writer.state == model::WriterStatus::State::DatabaseDown
        || writer.state == model::WriterStatus::State::Failed;
    m_state->setStatus(healthy ? Level::Ok
            : failed           ? Level::Error
                               : Level::Warning,
        tr("%1: feed %2, writer %3")
            .arg(QString::fromStdString(feed), QString::fromLatin1(model::stateName(status.state)),
                QString::fromLatin1(model::stateName(writer.state))));
    QString gap = tr("none");
    if (writer.lastGap)
        gap = QString::fromStdString(writer.lastGapSymbol + ' ' + model::describe(*writer.lastGap));
    QString text
        = tr("%1 frames received, %2 reconnects · %3 rows committed in %4 batches, %5 pending · "
             "latency p50 %6 ms, p99 %7 ms · %8 gaps (last: %9) · %10 malformed frames")
              .arg(status.framesReceived)
              .arg(status.reconnects)
              .arg(writer.rowsCommitted)
              .arg(writer.batchesCommitted)
              .arg(writer.pendingRows)
              .arg(writer.latencyP50Ms, 0, 'f', 1)
              .arg(writer.latencyP99Ms, 0, 'f', 1)
              .arg(writer.gapsFound)
              .arg(gap)
              .arg(writer.malformedFrames);
    if (!status.lastError.empty())
        text += tr("\nFeed: %1").arg(QString::fromStdString(status.lastError));
    if (!writer.lastError.empty())
        text += tr("\nDatabase: %1").arg(QString::fromStdString(writer.lastError));
    m_details->setText(text);
}

} // namespace tickscope::ui
