#include "ui/gaps_page.h"

#include "app/cli/table.h"
#include "ui/format.h"
#include "widgets/span_timeline.h"
#include "widgets/value_table.h"

#include <QCheckBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QTimeZone>
#include <map>

namespace tickscope::ui {

namespace {

constexpr int kMaxTimelines = 24;

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

QString nsTime(const std::optional<std::int64_t> &ns)
{
    return ns ? format::microsTime(*ns / 1000) : QString();
}

widgets::ValueTable::Tone toneOf(double share)
{
    using Tone = widgets::ValueTable::Tone;
    return share >= 0.9999 ? Tone::Good : share >= 0.99 ? Tone::Warning : Tone::Bad;
}

app::cli::Table gapTable(const std::vector<model::RecordedGap> &gaps)
{
    app::cli::Table table{{QStringLiteral("id"), QStringLiteral("exchange"),
        QStringLiteral("symbol"), QStringLiteral("kind"), QStringLiteral("missing"),
        QStringLiteral("start"), QStringLiteral("end"), QStringLiteral("detected"),
        QStringLiteral("status"), QStringLiteral("note")}};
    for (const auto &gap : gaps)
        table.rows.push_back({QString::number(gap.id), text(gap.exchange), text(gap.symbol),
            text(gap.kind),
            gap.firstMissing ? QStringLiteral("%1..%2").arg(*gap.firstMissing).arg(*gap.lastMissing)
                             : QString(),
            nsTime(gap.startNs), nsTime(gap.endNs), nsTime(gap.detectedNs), text(gap.status),
            text(gap.note)});
    return table;
}

} // namespace

GapsPage::GapsPage(QWidget *parent)
    : QWidget(parent)
    , m_exchange(new QLineEdit)
    , m_symbol(new QLineEdit)
    , m_openOnly(new QCheckBox(tr("Open only")))
    , m_days(new QSpinBox)
    , m_summary(new QLabel)
    , m_ledgerTable(
          new widgets::ValueTable({tr("Exchange"), tr("Symbol"), tr("Channel"), tr("Day (UTC)"),
              tr("Gap time"), tr("Gaps"), tr("Open"), tr("Causes"), tr("Repairs"), tr("Complete")}))
    , m_timelines(new QVBoxLayout)
    , m_integrity(new widgets::ValueTable(
          {tr("Exchange"), tr("Symbol"), tr("Updates"), tr("Dropped"), tr("Checksums"),
              tr("Failed"), tr("Breaks"), tr("Crossed"), tr("Resyncs"), tr("Last problem")}))
    , m_gaps(new widgets::ValueTable({tr("Id"), tr("Exchange"), tr("Symbol"), tr("Kind"),
          tr("Missing ids"), tr("Start"), tr("End"), tr("Detected"), tr("Note"), tr("Status")}))
{
    m_exchange->setObjectName(QStringLiteral("exchangeFilter"));
    m_exchange->setPlaceholderText(tr("all exchanges"));
    m_symbol->setObjectName(QStringLiteral("symbolFilter"));
    m_symbol->setPlaceholderText(tr("all symbols"));
    m_days->setRange(1, 90);
    const QSettings settings;
    m_exchange->setText(settings.value(QStringLiteral("gaps/exchange")).toString());
    m_symbol->setText(settings.value(QStringLiteral("gaps/symbol")).toString());
    m_openOnly->setChecked(settings.value(QStringLiteral("gaps/openOnly"), false).toBool());
    m_days->setValue(settings.value(QStringLiteral("gaps/days"), 7).toInt());
    m_days->setSuffix(tr(" days"));
    m_ledgerTable->setObjectName(QStringLiteral("ledger"));
    m_gaps->setObjectName(QStringLiteral("gaps"));
    m_integrity->setObjectName(QStringLiteral("integrity"));
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setWordWrap(true);
    auto *exportButton = new QPushButton(tr("Export CSV…"));

    auto *filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Exchange")));
    filters->addWidget(m_exchange);
    filters->addWidget(new QLabel(tr("Symbol")));
    filters->addWidget(m_symbol);
    filters->addWidget(m_openOnly);
    filters->addWidget(new QLabel(tr("Window")));
    filters->addWidget(m_days);
    filters->addStretch(1);
    filters->addWidget(exportButton);

    auto *timelines = new QWidget;
    timelines->setLayout(m_timelines);
    auto *scroll = new QScrollArea;
    scroll->setWidget(timelines);
    scroll->setWidgetResizable(true);
    scroll->setMaximumHeight(180);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(m_summary);
    layout->addWidget(new QLabel(tr("<b>Completeness per day</b>")));
    layout->addWidget(m_ledgerTable, 2);
    layout->addWidget(new QLabel(tr("<b>Gaps per symbol over the window</b>")));
    layout->addWidget(scroll, 1);
    layout->addWidget(new QLabel(tr("<b>Book integrity per stream over the window</b>")));
    layout->addWidget(m_integrity, 1);
    layout->addWidget(new QLabel(tr("<b>Gaps</b>")));
    layout->addWidget(m_gaps, 2);

    connect(m_exchange, &QLineEdit::editingFinished, this, &GapsPage::emitFilter);
    connect(m_symbol, &QLineEdit::editingFinished, this, &GapsPage::emitFilter);
    connect(m_openOnly, &QCheckBox::toggled, this, &GapsPage::emitFilter);
    connect(m_days, &QSpinBox::valueChanged, this, &GapsPage::emitFilter);
    connect(exportButton, &QPushButton::clicked, this, &GapsPage::exportAsked);
    m_summary->setText(tr("Waiting for the database…"));
}

void GapsPage::emitFilter()
{
    QSettings settings;
    settings.setValue(QStringLiteral("gaps/exchange"), m_exchange->text());
    settings.setValue(QStringLiteral("gaps/symbol"), m_symbol->text());
    settings.setValue(QStringLiteral("gaps/openOnly"), m_openOnly->isChecked());
    settings.setValue(QStringLiteral("gaps/days"), m_days->value());
    emit filterChanged(
        m_exchange->text(), m_symbol->text(), m_openOnly->isChecked(), m_days->value());
}

void GapsPage::showLedger(const model::GapLedger &ledger)
{
    m_ledger = ledger;
    if (!ledger.error.empty()) {
        m_summary->setText(tr("Cannot read the gaps: %1").arg(text(ledger.error)));
        return;
    }
    // The figure: the worst day of each channel.
    std::map<std::string, double> worst;
    for (const auto &day : ledger.days) {
        auto [it, inserted] = worst.try_emplace(day.channel, day.share());
        if (!inserted)
            it->second = std::min(it->second, day.share());
    }
    QStringList figures;
    for (const auto &[channel, share] : worst)
        figures << tr("%1 %2%").arg(text(channel)).arg(share * 100, 0, 'f', 3);
    const auto open
        = std::ranges::count(ledger.gaps, std::string("open"), &model::RecordedGap::status);
    m_summary->setText(tr("%n gap(s) in the window, %1 open. Worst day: %2.", nullptr,
        static_cast<int>(ledger.gaps.size()))
            .arg(open)
            .arg(figures.isEmpty() ? tr("no instruments") : figures.join(QStringLiteral(", "))));

    // The days with something missing first, worst first; then the whole ones, latest first.
    std::vector<model::DailyCompleteness> ordered = ledger.days;
    std::ranges::stable_sort(ordered, [](const auto &a, const auto &b) {
        if (a.share() != b.share())
            return a.share() < b.share();
        return a.dayNs > b.dayNs;
    });
    std::vector<widgets::ValueTable::Row> days;
    for (const auto &day : ordered)
        days.push_back({{text(day.exchange), text(day.symbol), text(day.channel),
                            QDateTime::fromMSecsSinceEpoch(day.dayNs / 1'000'000, QTimeZone::UTC)
                                .toString(QStringLiteral("yyyy-MM-dd")),
                            format::duration(day.gapSeconds), QString::number(day.gaps),
                            QString::number(day.openGaps), text(day.causes), text(day.repairs),
                            QString::number(day.share() * 100, 'f', 3) + u'%'},
            toneOf(day.share())});
    m_ledgerTable->setRows(days);

    // One timeline per symbol with gaps, its window gaps and sequence gaps drawn by their times.
    while (QLayoutItem *item = m_timelines->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    std::map<std::string, std::vector<widgets::SpanTimeline::Span>> spans;
    for (const auto &gap : ledger.gaps) {
        if (!gap.startNs || !gap.endNs)
            continue;
        spans[gap.exchange + ' ' + gap.symbol].push_back({*gap.startNs / 1'000'000,
            std::max(*gap.endNs / 1'000'000, *gap.startNs / 1'000'000 + 1),
            tr("%1 %2, %3").arg(text(gap.kind), text(gap.status), nsTime(gap.startNs))});
    }
    int shown = 0;
    for (auto &[name, list] : spans) {
        if (++shown > kMaxTimelines)
            break;
        auto *row = new QWidget;
        auto *rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        auto *label = new QLabel(text(name));
        label->setMinimumWidth(140);
        auto *timeline = new widgets::SpanTimeline;
        timeline->setObjectName(QStringLiteral("timeline ") + text(name));
        timeline->setRange(ledger.fromNs / 1'000'000, ledger.toNs / 1'000'000, std::move(list));
        rowLayout->addWidget(label);
        rowLayout->addWidget(timeline, 1);
        m_timelines->addWidget(row);
    }

    // Streams whose book failed a check first; then those resynchronised; then the sound ones.
    std::vector<model::StreamIntegrity> streams = ledger.integrity;
    std::ranges::stable_sort(streams, std::greater<>(), [](const model::StreamIntegrity &stream) {
        return std::pair(stream.troubled(), stream.totals.resyncs > 0);
    });
    std::vector<widgets::ValueTable::Row> integrity;
    for (const auto &stream : streams) {
        using Tone = widgets::ValueTable::Tone;
        const auto &totals = stream.totals;
        integrity.push_back(
            {{text(stream.exchange), text(stream.symbol), QString::number(totals.updatesApplied),
                 QString::number(totals.updatesDropped), QString::number(totals.checksumChecks),
                 QString::number(totals.checksumFailures), QString::number(totals.sequenceBreaks),
                 QString::number(totals.crossedBooks), QString::number(totals.resyncs),
                 nsTime(stream.lastProblemNs)},
                stream.troubled()        ? Tone::Bad
                    : totals.resyncs > 0 ? Tone::Warning
                                         : Tone::Good});
    }
    m_integrity->setRows(integrity);

    std::vector<widgets::ValueTable::Row> rows;
    for (const auto &gap : ledger.gaps) {
        using Tone = widgets::ValueTable::Tone;
        rows.push_back(
            {{QString::number(gap.id), text(gap.exchange), text(gap.symbol), text(gap.kind),
                 gap.firstMissing
                     ? QStringLiteral("%1..%2").arg(*gap.firstMissing).arg(*gap.lastMissing)
                     : QString(),
                 nsTime(gap.startNs), nsTime(gap.endNs), nsTime(gap.detectedNs), text(gap.note),
                 text(gap.status)},
                gap.status == "open"             ? Tone::Warning
                    : gap.status == "backfilled" ? Tone::Good
                                                 : Tone::Bad});
    }
    m_gaps->setRows(rows);
}

bool GapsPage::exportCsv(const QString &path, QString *error) const
{
    QSaveFile file{path};
    const QByteArray csv
        = (app::cli::renderTable(gapTable(m_ledger.gaps), QStringLiteral("csv")) + u'\n').toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(csv) != csv.size() || !file.commit()) {
        *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void GapsPage::exportAsked()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the gaps"), QStringLiteral("gaps.csv"), tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportCsv(path, &error))
        QMessageBox::warning(this, tr("Export failed"), error);
}

} // namespace tickscope::ui
