#include "ui/live_page.h"

#include "app/model/wall_clock.h"
#include "widgets/tick_chart.h"
#include "widgets/value_table.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QScrollArea>
#include <QSettings>
#include <QToolButton>
#include <QVBoxLayout>

namespace tickscope::ui {

namespace {

using Tone = widgets::ValueTable::Tone;

QString key(const model::Instrument &instrument)
{
    return QString::fromStdString(instrument.exchange + ' ' + instrument.symbol);
}

struct WindowChoice
{
    const char *label;
    std::chrono::minutes length;
};

constexpr WindowChoice kWindows[] = {{"1 min", std::chrono::minutes(1)},
    {"5 min", std::chrono::minutes(5)}, {"15 min", std::chrono::minutes(15)},
    {"1 h", std::chrono::hours(1)}, {"4 h", std::chrono::hours(4)},
    {"1 day", std::chrono::hours(24)}, {"7 days", std::chrono::hours(24 * 7)}};

// What the charts can show: the line, or bars of a kind (and, for time bars, an interval).
struct DisplayChoice
{
    const char *label;
    const char *kind; // nullptr: the price line
    const char *interval; // time bars
};

constexpr DisplayChoice kDisplays[]
    = {{"Price line", nullptr, nullptr}, {"Candles 1m", "time", "1m"}, {"Candles 5m", "time", "5m"},
        {"Candles 15m", "time", "15m"}, {"Candles 1h", "time", "1h"}, {"Candles 4h", "time", "4h"},
        {"Candles 1d", "time", "1d"}, {"Tick bars", "tick", nullptr},
        {"Volume bars", "volume", nullptr}, {"Dollar bars", "dollar", nullptr}};

constexpr std::pair<const char *, widgets::TickChart::Indicator> kIndicators[]
    = {{"SMA 20", widgets::TickChart::Indicator::Sma20},
        {"EMA 50", widgets::TickChart::Indicator::Ema50},
        {"Bollinger 20, 2", widgets::TickChart::Indicator::Bollinger20},
        {"VWAP", widgets::TickChart::Indicator::Vwap}};

} // namespace

LivePage::LivePage(QWidget *parent)
    : QWidget(parent)
    , m_symbolsButton(new QToolButton(this))
    , m_window(new QComboBox(this))
    , m_display(new QComboBox(this))
    , m_barSize(new QLineEdit(this))
    , m_indicators(new QToolButton(this))
    , m_feeds(new widgets::ValueTable({tr("Exchange"), tr("Messages/s"), tr("Last message"),
                                          tr("Rows committed"), tr("Pending"), tr("Commit p99"),
                                          tr("Gaps today"), tr("Integrity failures"), tr("State")},
          this))
    , m_chartsNote(new QLabel(this))
    , m_chartGrid(new QGridLayout)
    , m_historyTrades(widgets::TickChart::kHistoryTrades)
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Live</h2>"), this));
    m_feeds->setObjectName(QStringLiteral("feedsTable"));
    m_feeds->setMaximumHeight(130); // five exchanges without a scroll bar
    layout->addWidget(m_feeds);

    auto *controls = new QHBoxLayout;
    m_symbolsButton->setObjectName(QStringLiteral("symbols"));
    m_symbolsButton->setText(tr("Symbols"));
    m_symbolsButton->setPopupMode(QToolButton::InstantPopup);
    m_symbolsButton->setMenu(new QMenu(m_symbolsButton));
    m_symbolsButton->setToolTip(tr("The symbols charted, at most %1").arg(kMaxCharts));
    controls->addWidget(m_symbolsButton);
    controls->addWidget(new QLabel(tr("Window:"), this));
    m_window->setObjectName(QStringLiteral("chartWindow"));
    for (const auto &choice : kWindows)
        m_window->addItem(tr(choice.label));
    controls->addWidget(m_window);
    m_display->setObjectName(QStringLiteral("chartDisplay"));
    for (const auto &choice : kDisplays)
        m_display->addItem(tr(choice.label));
    controls->addWidget(m_display);
    m_barSize->setObjectName(QStringLiteral("barSize"));
    m_barSize->setPlaceholderText(tr("size"));
    m_barSize->setToolTip(tr("Trades a tick bar, size a volume bar, notional a dollar bar"));
    m_barSize->setMaximumWidth(110);
    controls->addWidget(m_barSize);
    m_indicators->setObjectName(QStringLiteral("indicators"));
    m_indicators->setText(tr("Indicators"));
    m_indicators->setPopupMode(QToolButton::InstantPopup);
    m_indicators->setMenu(new QMenu(m_indicators));
    for (const auto &[label, indicator] : kIndicators) {
        QAction *action = m_indicators->menu()->addAction(tr(label));
        action->setCheckable(true);
        action->setData(static_cast<int>(indicator));
    }
    controls->addWidget(m_indicators);
    controls->addStretch(1);
    layout->addLayout(controls);
    m_chartsNote->setObjectName(QStringLiteral("chartsNote"));
    m_chartsNote->setWordWrap(true);
    layout->addWidget(m_chartsNote);

    auto *charts = new QWidget;
    charts->setLayout(m_chartGrid);
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(charts);
    layout->addWidget(scroll, 1);

    const QSettings settings;
    m_window->setCurrentIndex(std::clamp(settings.value(QStringLiteral("live/window"), 1).toInt(),
        0, static_cast<int>(std::size(kWindows)) - 1));
    m_chosen = settings.value(QStringLiteral("live/symbols")).toStringList();
    m_display->setCurrentIndex(std::clamp(settings.value(QStringLiteral("live/display"), 0).toInt(),
        0, static_cast<int>(std::size(kDisplays)) - 1));
    m_barSize->setText(
        settings.value(QStringLiteral("live/barSize"), QStringLiteral("100")).toString());
    m_openGL = settings.value(QStringLiteral("live/openGL"), false).toBool()
        && widgets::TickChart::openGLAvailable();
    const QVariantList indicators = settings.value(QStringLiteral("live/indicators")).toList();
    for (QAction *action : m_indicators->menu()->actions())
        action->setChecked(indicators.contains(action->data()));
    auto displayChanged = [this] {
        if (applyDisplay())
            saveChoices();
    };
    connect(m_display, &QComboBox::currentIndexChanged, this, displayChanged);
    connect(m_barSize, &QLineEdit::editingFinished, this, displayChanged);
    for (QAction *action : m_indicators->menu()->actions())
        connect(action, &QAction::toggled, this, displayChanged);
    connect(m_window, &QComboBox::currentIndexChanged, this, [this] {
        for (auto *chart : m_charts)
            chart->setWindow(chosenWindow());
        saveChoices();
    });
}

std::chrono::milliseconds LivePage::chosenWindow() const
{
    return kWindows[std::clamp(
                        m_window->currentIndex(), 0, static_cast<int>(std::size(kWindows)) - 1)]
        .length;
}

bool LivePage::applyDisplay()
{
    const DisplayChoice &choice = kDisplays[std::clamp(
        m_display->currentIndex(), 0, static_cast<int>(std::size(kDisplays)) - 1)];
    const bool sized = choice.kind && !choice.interval;
    m_barSize->setEnabled(sized);
    m_indicators->setEnabled(choice.kind != nullptr);
    if (!choice.kind) {
        for (auto *chart : m_charts)
            chart->showLine();
        m_chartsNote->setText(
            tr("Stored and live trades, newest at the right. Beyond the newest %L1 trades a chart "
               "loads, the shaded price ranges come from the stored aggregates.")
                .arg(m_historyTrades));
        return true;
    }
    const auto spec = analytics::parseBarSpec(
        choice.kind, choice.interval ? choice.interval : m_barSize->text().trimmed().toStdString());
    if (!spec) {
        m_chartsNote->setText(tr("Bar size: %1").arg(QString::fromStdString(spec.error())));
        return false;
    }
    std::vector<widgets::TickChart::Indicator> indicators;
    for (QAction *action : m_indicators->menu()->actions()) {
        if (action->isChecked())
            indicators.push_back(
                static_cast<widgets::TickChart::Indicator>(action->data().toInt()));
    }
    for (auto *chart : m_charts)
        chart->showBars(*spec, indicators);
    m_chartsNote->setText(choice.interval
            ? tr("Candles from the stored aggregates, then from the trades, the newest still open.")
            : tr("Bars of the newest %L1 stored trades and the live ones, the newest still open.")
                  .arg(m_historyTrades));
    return true;
}

void LivePage::drawWithOpenGL(bool on)
{
    m_openGL = on && widgets::TickChart::openGLAvailable();
    for (auto *chart : m_charts)
        chart->setOpenGL(m_openGL);
    saveChoices();
}

void LivePage::saveChoices() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("live/window"), m_window->currentIndex());
    settings.setValue(QStringLiteral("live/symbols"), m_chosen);
    settings.setValue(QStringLiteral("live/display"), m_display->currentIndex());
    settings.setValue(QStringLiteral("live/barSize"), m_barSize->text());
    QVariantList indicators;
    for (QAction *action : m_indicators->menu()->actions()) {
        if (action->isChecked())
            indicators << action->data();
    }
    settings.setValue(QStringLiteral("live/indicators"), indicators);
    settings.setValue(QStringLiteral("live/openGL"), m_openGL);
}

void LivePage::setInstruments(const std::vector<model::Instrument> &instruments)
{
    m_instruments = instruments;
    QStringList known;
    for (const auto &instrument : instruments)
        known << key(instrument);
    // What was chosen last time, of what is configured now; else the first few.
    QStringList chosen;
    for (const QString &symbol : std::as_const(m_chosen)) {
        if (known.contains(symbol) && chosen.size() < kMaxCharts)
            chosen << symbol;
    }
    if (chosen.isEmpty())
        chosen = known.mid(0, kMaxCharts);
    m_chosen = chosen;
    QMenu *menu = m_symbolsButton->menu();
    menu->clear();
    for (const QString &symbol : std::as_const(known)) {
        QAction *action = menu->addAction(symbol);
        action->setCheckable(true);
        action->setChecked(m_chosen.contains(symbol));
        connect(action, &QAction::toggled, this, [this, symbol, action](bool checked) {
            QStringList next = m_chosen;
            if (checked)
                next << symbol;
            else
                next.removeAll(symbol);
            if (next.size() > kMaxCharts) {
                const QSignalBlocker blocker(action);
                action->setChecked(false);
                m_chartsNote->setText(tr("At most %1 charts; clear one first.").arg(kMaxCharts));
                return;
            }
            chooseSymbols(next);
        });
    }
    rebuildCharts();
}

QStringList LivePage::chosenSymbols() const
{
    return m_chosen;
}

void LivePage::chooseSymbols(const QStringList &symbols)
{
    m_chosen = symbols.mid(0, kMaxCharts);
    for (QAction *action : m_symbolsButton->menu()->actions()) {
        const QSignalBlocker blocker(action);
        action->setChecked(m_chosen.contains(action->text()));
    }
    saveChoices();
    rebuildCharts();
}

void LivePage::rebuildCharts()
{
    // Charts of symbols still chosen keep what they hold.
    std::map<QString, widgets::TickChart *> kept = std::move(m_chartBySymbol);
    m_chartBySymbol.clear();
    m_charts.clear();
    m_chartOf.clear();
    for (const auto &instrument : m_instruments)
        m_chartOf[instrument.exchange].push_back(nullptr);
    std::vector<std::pair<widgets::TickChart *, const model::Instrument *>> opened;
    std::map<std::string, std::uint32_t> nextIndex;
    for (const auto &instrument : m_instruments) {
        const std::uint32_t index = nextIndex[instrument.exchange]++;
        const QString symbol = key(instrument);
        if (!m_chosen.contains(symbol))
            continue;
        widgets::TickChart *chart = kept.contains(symbol) ? kept[symbol] : nullptr;
        kept.erase(symbol);
        if (!chart) {
            chart = new widgets::TickChart(symbol);
            chart->setObjectName(
                QStringLiteral("chart_") + QString::fromStdString(instrument.symbol));
            chart->setWindow(chosenWindow());
            chart->setOpenGL(m_openGL);
            connect(chart, &widgets::TickChart::historyWanted, this, &LivePage::historyWanted);
            opened.emplace_back(chart, &instrument);
        }
        m_chartOf[instrument.exchange][index] = chart;
        m_charts.push_back(chart);
        m_chartBySymbol[symbol] = chart;
    }
    for (auto &[name, chart] : kept)
        delete chart;
    for (std::size_t at = 0; at < m_charts.size(); ++at)
        m_chartGrid->addWidget(m_charts[at], static_cast<int>(at) / 2, static_cast<int>(at) % 2);
    if (m_charts.empty())
        m_chartsNote->setText(m_instruments.empty()
                ? tr("No symbols configured: add instruments to a feed in the config file.")
                : tr("No symbol chosen: pick some under Symbols."));
    else
        applyDisplay();
    // Once they show what was chosen, the new charts load what is stored of it.
    for (const auto &[chart, instrument] : opened)
        chart->loadHistoryOf(instrument->exchange, instrument->symbol, m_historyTrades);
}

void LivePage::showHistory(const widgets::ChartHistory &history)
{
    const auto chart = m_chartBySymbol.find(
        QString::fromStdString(history.request.exchange + ' ' + history.request.symbol));
    if (chart != m_chartBySymbol.end())
        chart->second->setHistory(history);
}

void LivePage::appendTrades(const std::string &feed, std::span<const model::LiveTrade> trades)
{
    const auto charts = m_chartOf.find(feed);
    if (charts == m_chartOf.end())
        return;
    for (const auto &trade : trades) {
        if (trade.instrument >= charts->second.size() || !charts->second[trade.instrument])
            continue;
        const widgets::TickPoint point{trade.exchangeTimeNs / 1'000'000, trade.price, trade.size};
        charts->second[trade.instrument]->append(std::span(&point, 1));
    }
}

void LivePage::showFeedStatus(const model::FeedStatus &status)
{
    FeedRow &row = m_rows[status.feed];
    const std::int64_t now = model::wallClockNs();
    if (row.previousFrames >= 0 && now > row.previousAtNs)
        row.messagesPerSecond = static_cast<double>(status.framesReceived - row.previousFrames)
            * 1e9 / static_cast<double>(now - row.previousAtNs);
    row.previousFrames = status.framesReceived;
    row.previousAtNs = now;
    row.feed = status;
    refreshTable();
}

void LivePage::showWriterStatus(const model::WriterStatus &status)
{
    m_rows[status.feed].writer = status;
    refreshTable();
}

void LivePage::showExchangeDays(const std::vector<model::ExchangeDay> &days)
{
    m_days.clear();
    for (const auto &day : days)
        m_days[day.exchange] = day;
    refreshTable();
}

double LivePage::messagesPerSecond() const
{
    double total = 0;
    for (const auto &[feed, row] : m_rows)
        total += row.messagesPerSecond;
    return total;
}

void LivePage::refreshTable()
{
    using FeedState = model::FeedStatus::State;
    using WriterState = model::WriterStatus::State;
    const std::int64_t now = model::wallClockNs();
    std::vector<widgets::ValueTable::Row> rows;
    for (const auto &[feed, row] : m_rows) {
        const auto day = m_days.find(feed);
        const bool failed = row.feed.state == FeedState::Failed
            || row.writer.state == WriterState::DatabaseDown
            || row.writer.state == WriterState::JournalUnreadable;
        const bool healthy = row.feed.state == FeedState::Live
            && (row.writer.state == WriterState::Live
                || row.writer.state == WriterState::Replaying);
        const std::int64_t integrity = day == m_days.end() ? 0 : day->second.integrityFailures;
        const bool troubled = integrity > 0 || (day != m_days.end() && day->second.openGaps > 0);
        QString tip = QString::fromStdString(row.feed.lastError);
        if (!row.writer.lastError.empty())
            tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + QStringLiteral("Database: ")
                + QString::fromStdString(row.writer.lastError);
        rows.push_back(
            {{QString::fromStdString(feed), QString::number(row.messagesPerSecond, 'f', 0),
                 row.feed.lastFrameAtNs == 0
                     ? tr("none yet")
                     : tr("%1 s ago")
                           .arg(static_cast<double>(now - row.feed.lastFrameAtNs) / 1e9, 0, 'f', 1),
                 QString::number(row.writer.rowsCommitted), QString::number(row.writer.pendingRows),
                 tr("%1 ms").arg(row.writer.latencyP99Ms, 0, 'f', 1),
                 day == m_days.end()
                     ? QStringLiteral("–")
                     : tr("%1 (%2 open)").arg(day->second.gaps).arg(day->second.openGaps),
                 day == m_days.end() ? QStringLiteral("–") : QString::number(integrity),
                 tr("feed %1, writer %2")
                     .arg(QLatin1String(model::stateName(row.feed.state)),
                         QLatin1String(model::stateName(row.writer.state)))},
                failed                     ? Tone::Bad
                    : troubled || !healthy ? Tone::Warning
                                           : Tone::Good,
                tip});
    }
    m_feeds->setRows(rows);
}

} // namespace tickscope::ui
