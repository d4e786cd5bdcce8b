// The Live page: a feeds table (per exchange: messages a second, age of the last message, rows
// committed and pending, commit latency, gaps and book-integrity failures today, state) and a
// live chart of each chosen symbol's committed trades (price and size, decimated, at 30 frames
// a second), or their bars: candles at 1m to 1d, tick, volume or dollar bars, with SMA, EMA,
// Bollinger bands and VWAP over them. The app hands it status snapshots once a second and the
// committed trades in batches from its frame timer; it never waits on anything. The chosen symbols,
// the chart window, what the charts show and whether OpenGL paints them are kept in QSettings.
#pragma once

#include "app/model/feed_status.h"
#include "app/model/gap_ledger.h"
#include "app/model/instrument.h"
#include "app/model/live_trade.h"
#include "widgets/chart_history.h"

#include <QWidget>
#include <chrono>
#include <map>
#include <span>
#include <string>
#include <vector>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QToolButton;

namespace tickscope::widgets {
class TickChart;
class ValueTable;
} // namespace tickscope::widgets

namespace tickscope::ui {

class LivePage : public QWidget
{
    Q_OBJECT
public:
    // At most this many charts at once: beyond it a chart is too small to read.
    static constexpr int kMaxCharts = 8;

    explicit LivePage(QWidget *parent = nullptr);

    // Each exchange's messages a second over the latest snapshots, summed; for the status bar.
    double messagesPerSecond() const;
    // "exchange symbol" of the charts shown, in order.
    QStringList chosenSymbols() const;
    void chooseSymbols(const QStringList &symbols);
    // The most trades each chart loads from the database when it opens (TickChart's default
    // otherwise); charts opened from now on.
    void setHistoryTrades(std::int64_t trades) { m_historyTrades = trades; }
    // Whether the charts paint through OpenGL (kept in QSettings; false where there is none).
    bool drawsWithOpenGL() const { return m_openGL; }

signals:
    // A chart asks for the stored trades and aggregates of what it shows.
    void historyWanted(const tickscope::widgets::ChartHistoryRequest &request);

public slots:
    void setInstruments(const std::vector<tickscope::model::Instrument> &instruments);
    void showFeedStatus(const tickscope::model::FeedStatus &status);
    void showWriterStatus(const tickscope::model::WriterStatus &status);
    void showExchangeDays(const std::vector<tickscope::model::ExchangeDay> &days);
    void appendTrades(const std::string &feed, std::span<const tickscope::model::LiveTrade> trades);
    void showHistory(const tickscope::widgets::ChartHistory &history);
    void drawWithOpenGL(bool on);

private:
    struct FeedRow
    {
        model::FeedStatus feed;
        model::WriterStatus writer;
        double messagesPerSecond = 0;
        std::int64_t previousFrames = -1;
        std::int64_t previousAtNs = 0;
    };

    void rebuildCharts();
    // Line or bars, on every chart, as the controls say; false (and a note) for a bad bar size.
    bool applyDisplay();
    void refreshTable();
    void saveChoices() const;
    std::chrono::milliseconds chosenWindow() const;

    QToolButton *m_symbolsButton;
    QComboBox *m_window;
    QComboBox *m_display; // the line, candles at six intervals, tick, volume or dollar bars
    QLineEdit *m_barSize; // of tick, volume and dollar bars
    QToolButton *m_indicators;
    widgets::ValueTable *m_feeds;
    QLabel *m_chartsNote;
    QGridLayout *m_chartGrid;
    std::vector<model::Instrument> m_instruments;
    QStringList m_chosen;
    std::vector<widgets::TickChart *> m_charts; // in the order of m_instruments
    std::map<QString, widgets::TickChart *> m_chartBySymbol; // by "exchange symbol"
    std::int64_t m_historyTrades;
    bool m_openGL = false;
    // By feed and instrument index: the chart its trades go to, or null.
    std::map<std::string, std::vector<widgets::TickChart *>> m_chartOf;
    std::map<std::string, FeedRow> m_rows;
    std::map<std::string, model::ExchangeDay> m_days;
};

} // namespace tickscope::ui
