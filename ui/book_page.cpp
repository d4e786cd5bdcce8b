#include "ui/book_page.h"

#include "ui/format.h"
#include "widgets/depth_chart.h"
#include "widgets/value_table.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QTimeZone>
#include <QVBoxLayout>

namespace tickscope::ui {

namespace {

const QString kSymbolKey = QStringLiteral("book/symbol");

QString timeText(std::int64_t ns)
{
    return ns == 0 ? QStringLiteral("–") : format::microsTime(ns / 1000);
}

} // namespace

BookPage::BookPage(QWidget *parent)
    : QWidget(parent)
    , m_symbol(new QComboBox(this))
    , m_live(new QRadioButton(tr("Live"), this))
    , m_past(new QRadioButton(tr("As of (UTC)"), this))
    , m_instant(new QDateTimeEdit(this))
    , m_show(new QPushButton(tr("Show"), this))
    , m_state(new QLabel(this))
    , m_ladder(new widgets::ValueTable(
          {tr("Bid total"), tr("Bid size"), tr("Bid"), tr("Ask"), tr("Ask size"), tr("Ask total")},
          this))
    , m_depth(new widgets::DepthChart(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Book</h2>"), this));
    auto *controls = new QHBoxLayout;
    m_symbol->setObjectName(QStringLiteral("bookSymbol"));
    controls->addWidget(new QLabel(tr("Symbol:"), this));
    controls->addWidget(m_symbol);
    m_live->setObjectName(QStringLiteral("bookLive"));
    m_past->setObjectName(QStringLiteral("bookAsOf"));
    m_live->setChecked(true);
    controls->addWidget(m_live);
    controls->addWidget(m_past);
    m_instant->setObjectName(QStringLiteral("bookInstant"));
    m_instant->setTimeZone(QTimeZone::UTC);
    m_instant->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    m_instant->setDateTime(QDateTime::currentDateTimeUtc());
    m_instant->setEnabled(false);
    controls->addWidget(m_instant);
    m_show->setObjectName(QStringLiteral("bookShow"));
    controls->addWidget(m_show);
    controls->addStretch(1);
    layout->addLayout(controls);
    m_state->setObjectName(QStringLiteral("bookState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_state);
    m_ladder->setObjectName(QStringLiteral("ladder"));
    m_depth->setObjectName(QStringLiteral("depth"));
    auto *book = new QHBoxLayout;
    book->addWidget(m_ladder, 1);
    book->addWidget(m_depth, 1);
    layout->addLayout(book, 1);

    connect(m_past, &QRadioButton::toggled, m_instant, &QWidget::setEnabled);
    connect(m_live, &QRadioButton::toggled, this, [this](bool live) {
        if (live)
            request();
    });
    connect(m_show, &QPushButton::clicked, this, &BookPage::request);
    connect(m_symbol, &QComboBox::currentIndexChanged, this, [this] {
        QSettings().setValue(kSymbolKey, m_symbol->currentText());
        request();
    });
}

void BookPage::setInstruments(const std::vector<model::Instrument> &instruments)
{
    m_instruments = instruments;
    const QSignalBlocker blocker(m_symbol);
    m_symbol->clear();
    for (const auto &instrument : instruments)
        m_symbol->addItem(QString::fromStdString(instrument.exchange + ' ' + instrument.symbol));
    const int saved = m_symbol->findText(QSettings().value(kSymbolKey).toString());
    m_symbol->setCurrentIndex(saved >= 0 ? saved : 0);
    request();
}

void BookPage::showLive()
{
    m_live->setChecked(true);
    request();
}

void BookPage::showAsOf(qint64 asOfNs)
{
    m_past->setChecked(true);
    m_instant->setDateTime(QDateTime::fromMSecsSinceEpoch(asOfNs / 1'000'000, QTimeZone::UTC));
    emit bookRequested(
        QString::fromStdString(
            m_instruments[static_cast<std::size_t>(std::max(0, m_symbol->currentIndex()))]
                .exchange),
        QString::fromStdString(
            m_instruments[static_cast<std::size_t>(std::max(0, m_symbol->currentIndex()))].symbol),
        asOfNs);
}

void BookPage::request()
{
    const int index = m_symbol->currentIndex();
    if (index < 0 || static_cast<std::size_t>(index) >= m_instruments.size())
        return;
    const auto &instrument = m_instruments[static_cast<std::size_t>(index)];
    const qint64 asOf = m_live->isChecked()
        ? 0
        : m_instant->dateTime().toMSecsSinceEpoch() * 1'000'000 + 999'999; // to the ms' end
    m_state->setText(tr("Rebuilding the book…"));
    emit bookRequested(QString::fromStdString(instrument.exchange),
        QString::fromStdString(instrument.symbol), asOf);
}

void BookPage::showLadder(const model::BookLadder &ladder)
{
    if (!ladder.error.empty()) {
        m_state->setText(tr("No book for %1 %2: %3")
                .arg(QString::fromStdString(ladder.exchange), QString::fromStdString(ladder.symbol),
                    QString::fromStdString(ladder.error)));
        m_ladder->setRows({});
        m_depth->setLevels({}, {});
        return;
    }
    m_state->setText(
        tr("%1 %2 %3: the state after sequence %4, sent by the exchange at %5, received at %6; "
           "rebuilt from the snapshot received at %7 and %8 delta(s) after it.")
            .arg(QString::fromStdString(ladder.exchange), QString::fromStdString(ladder.symbol),
                ladder.asOfNs == 0 ? tr("live") : tr("as of %1").arg(timeText(ladder.asOfNs)))
            .arg(ladder.sequence)
            .arg(timeText(ladder.exchangeTimeNs), timeText(ladder.receivedAtNs),
                timeText(ladder.snapshotReceivedNs))
            .arg(ladder.deltasApplied));
    std::vector<widgets::ValueTable::Row> rows;
    const std::size_t depth = std::max(ladder.bids.size(), ladder.asks.size());
    double bidTotal = 0;
    double askTotal = 0;
    for (std::size_t level = 0; level < depth; ++level) {
        QStringList cells(6);
        if (level < ladder.bids.size()) {
            bidTotal += ladder.bids[level].size.toDouble();
            cells[0] = QString::number(bidTotal, 'g', 10);
            cells[1] = QString::fromStdString(ladder.bids[level].size.toString());
            cells[2] = QString::fromStdString(ladder.bids[level].price.toString());
        }
        if (level < ladder.asks.size()) {
            askTotal += ladder.asks[level].size.toDouble();
            cells[3] = QString::fromStdString(ladder.asks[level].price.toString());
            cells[4] = QString::fromStdString(ladder.asks[level].size.toString());
            cells[5] = QString::number(askTotal, 'g', 10);
        }
        rows.push_back({cells});
    }
    m_ladder->setRows(rows);
    m_depth->setLevels(ladder.bids, ladder.asks);
}

} // namespace tickscope::ui
