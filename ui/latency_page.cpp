#include "ui/latency_page.h"

#include "ui/latency_chain.h"
#include "widgets/value_table.h"

#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

namespace tickscope::ui {

namespace {

using Tone = widgets::ValueTable::Tone;

QString seconds(const std::optional<double> &value)
{
    if (!value)
        return QStringLiteral("–");
    if (std::abs(*value) < 1)
        return QStringLiteral("%1 ms").arg(*value * 1000, 0, 'f', 1);
    return QStringLiteral("%1 s").arg(*value, 0, 'f', *value < 100 ? 1 : 0);
}

} // namespace

LatencyPage::LatencyPage(QWidget *parent)
    : QWidget(parent)
    , m_table(new widgets::ValueTable(
          {tr("Feed"), tr("Exchange → receive (p99)"), tr("Receive → commit (p99)"),
              tr("→ Standby replay"), tr("→ Aggregate watermark"), tr("→ WAL archived"),
              tr("Waits longest")},
          this))
    , m_chart(new widgets::TimeSeriesChart(
          tr("Each stage over the last ten minutes (the slowest feed)"), QStringLiteral("%.3f s"),
          this))
    , m_sampler(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Latency chain</h2>"), this));
    auto *intro = new QLabel(
        tr("Where data waits on its way from the exchange to safety: the exchange's trade time → "
           "received here → committed → replayed on the standby → in the finest OHLCV level → "
           "in the WAL archive. The first two stages are each feed's own (the last "
           "second's trades); the others are the database's."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_table->setObjectName(QStringLiteral("latencyTable"));
    m_table->setMaximumHeight(170);
    layout->addWidget(m_table);
    m_chart->setObjectName(QStringLiteral("latencyChart"));
    layout->addWidget(m_chart, 1);
    m_sampler->setInterval(std::chrono::seconds(1));
    connect(m_sampler, &QTimer::timeout, this, &LatencyPage::sample);
    m_sampler->start();
    m_chart->setPoints({}, tr("No feed has committed trades yet."));
}

void LatencyPage::showWriterStatus(const model::WriterStatus &status)
{
    m_writers[status.feed] = status;
    refreshTable();
}

void LatencyPage::showReplicationStatus(const model::ReplicationStatus &status)
{
    m_replication = status;
    refreshTable();
}

void LatencyPage::showStorageStatus(const model::StorageStatus &status)
{
    m_storage = status;
    refreshTable();
}

void LatencyPage::refreshTable()
{
    const auto now = std::chrono::system_clock::now();
    std::vector<widgets::ValueTable::Row> rows;
    for (const auto &[feed, writer] : m_writers) {
        const LatencyChain chain = latencyChain(writer, m_replication ? &*m_replication : nullptr,
            m_storage ? &*m_storage : nullptr, now);
        QStringList cells{QString::fromStdString(feed)};
        QStringList notes;
        bool late = false;
        for (const auto &stage : chain.stages) {
            cells << seconds(stage.seconds);
            notes << stage.name + QStringLiteral(": ") + seconds(stage.seconds)
                    + (stage.note.isEmpty() ? QString() : QStringLiteral(" (") + stage.note + u')');
            late = late || stage.late;
        }
        const int slowest = chain.slowest();
        cells << (slowest < 0 ? tr("nothing measured yet")
                              : chain.stages[static_cast<std::size_t>(slowest)].name);
        rows.push_back({cells, late ? Tone::Warning : Tone::Good, notes.join(u'\n')});
    }
    m_table->setRows(rows);
}

void LatencyPage::sample()
{
    if (m_writers.empty())
        return;
    const auto now = std::chrono::system_clock::now();
    const QDateTime time = QDateTime::currentDateTimeUtc();
    std::map<QString, double> worst;
    for (const auto &[feed, writer] : m_writers) {
        const LatencyChain chain = latencyChain(writer, m_replication ? &*m_replication : nullptr,
            m_storage ? &*m_storage : nullptr, now);
        for (const auto &stage : chain.stages) {
            if (stage.seconds)
                worst[stage.name] = std::max(worst[stage.name], *stage.seconds);
        }
    }
    for (const auto &[stage, value] : worst)
        m_history.push_back({time, stage, value});
    const QDateTime oldest = time.addSecs(-std::chrono::seconds(kHistory).count());
    while (!m_history.empty() && m_history.front().time < oldest)
        m_history.pop_front();
    m_chart->setPoints({m_history.begin(), m_history.end()}, tr("No stage measured yet."));
}

} // namespace tickscope::ui
