#include "ui/storage_page.h"

#include "ui/format.h"
#include "widgets/time_series_chart.h"
#include "widgets/value_table.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace tickscope::ui {

using Tone = widgets::ValueTable::Tone;

StoragePage::StoragePage(QWidget *parent)
    : QWidget(parent)
    , m_note(new QLabel(this))
    , m_hypertables(new widgets::ValueTable({tr("Hypertable"), tr("Size"), tr("Chunks"),
          tr("Chunk interval"), tr("Compressed"), tr("Ratio"), tr("Awaiting compression")}))
    , m_ratios(new widgets::TimeSeriesChart(tr("Compression ratio"), QStringLiteral("%.0f:1")))
    , m_jobs(new widgets::ValueTable({tr("Job"), tr("Scheduler"), tr("Schedule"), tr("Last run"),
          tr("Result"), tr("Next run"), tr("Runs"), tr("Failures"), tr("State")}))
    , m_aggregates(new widgets::ValueTable({tr("Aggregate"), tr("Watermark"), tr("Lag"),
          tr("Allowed lag"), tr("Queued corrections"), tr("State")}))
{
    m_note->setObjectName(QStringLiteral("note"));
    m_note->setWordWrap(true);
    m_hypertables->setObjectName(QStringLiteral("hypertables"));
    m_ratios->setObjectName(QStringLiteral("ratios"));
    m_jobs->setObjectName(QStringLiteral("jobs"));
    m_aggregates->setObjectName(QStringLiteral("aggregates"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Storage</h2>"), this));
    layout->addWidget(m_note);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_hypertables);
    split->addWidget(m_ratios);
    split->addWidget(m_jobs);
    split->addWidget(m_aggregates);
    layout->addWidget(split, 1);
}

void StoragePage::showStatus(const model::StorageStatus &status)
{
    if (!status.error.empty()) {
        m_note->setText(
            tr("Could not read the storage state: %1").arg(QString::fromStdString(status.error)));
        return;
    }
    m_note->setText(status.compressionAvailable
            ? tr("Checked %1 UTC.").arg(format::time(status.checkedAt))
            : tr("Compression unavailable: %1. Checked %2 UTC.")
                  .arg(QString::fromStdString(status.compressionNote),
                      format::time(status.checkedAt)));

    std::vector<widgets::ValueTable::Row> tables;
    for (const auto &table : status.hypertables) {
        const auto ratio = table.compressionRatio();
        const bool backlog = table.backlogChunks > 0;
        tables.push_back(
            {{QString::fromStdString(table.name), format::bytes(table.totalBytes),
                 QString::number(table.chunks)
                     + (table.tooManyChunks ? tr(" (too many)") : QString()),
                 QString::fromStdString(table.chunkInterval),
                 status.compressionAvailable ? QString::number(table.compressedChunks)
                                             : tr("unavailable"),
                 ratio ? QStringLiteral("%1:1").arg(*ratio, 0, 'f', 1) : QStringLiteral("–"),
                 status.compressionAvailable ? tr("%1 chunks, %2")
                                                   .arg(table.backlogChunks)
                                                   .arg(format::bytes(table.backlogBytes))
                                             : tr("unavailable")},
                backlog || table.tooManyChunks ? Tone::Warning : Tone::Normal,
                table.tooManyChunks ? tr("Many chunks make every query plan slower; a longer "
                                         "chunk_interval makes fewer.")
                                    : QString()});
    }
    m_hypertables->setRows(tables);

    std::vector<widgets::TimeSeriesChart::Point> points;
    for (const auto &sample : status.ratioHistory)
        points.push_back(
            {QDateTime::fromMSecsSinceEpoch(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                sample.time.time_since_epoch())
                                                .count(),
                 QTimeZone::UTC),
                QString::fromStdString(sample.hypertable), sample.ratio});
    m_ratios->setPoints(points,
        status.compressionAvailable ? tr("No compressed chunks sampled yet")
                                    : tr("Compression unavailable on this edition"));

    std::vector<widgets::ValueTable::Row> jobs;
    for (const auto &job : status.jobs) {
        QString state = tr("ok");
        Tone tone = Tone::Good;
        if (job.stuck) {
            state = tr("stuck: will not run again");
            tone = Tone::Bad;
        } else if (job.overdue) {
            state = tr("overdue");
            tone = Tone::Bad;
        } else if (job.lastResult == "failed") {
            state = tr("last run failed");
            tone = Tone::Bad;
        } else if (job.lastResult == "never run") {
            state = tr("not run yet");
            tone = Tone::Normal;
        }
        jobs.push_back({{QString::fromStdString(job.name), QString::fromStdString(job.scheduler),
                            QString::fromStdString(job.schedule), format::time(job.lastStart),
                            QString::fromStdString(job.lastResult), format::time(job.nextStart),
                            QString::number(job.runs), QString::number(job.failures), state},
            tone, QString::fromStdString(job.lastMessage)});
    }
    m_jobs->setRows(jobs);

    std::vector<widgets::ValueTable::Row> aggregates;
    for (const auto &aggregate : status.aggregates) {
        QString state = tr("fresh");
        Tone tone = Tone::Good;
        if (!aggregate.watermark) {
            state = tr("empty");
            tone = Tone::Normal;
        } else if (aggregate.watermarkInFuture) {
            state = tr("watermark in the future");
            tone = Tone::Bad;
        } else if (aggregate.lagSeconds > aggregate.allowedLagSeconds) {
            state = tr("behind");
            tone = Tone::Warning;
        }
        aggregates.push_back(
            {{QString::fromStdString(aggregate.name), format::time(aggregate.watermark),
                 aggregate.watermark ? format::duration(aggregate.lagSeconds) : QStringLiteral("–"),
                 format::duration(aggregate.allowedLagSeconds),
                 QString::number(aggregate.pendingBuckets), state},
                tone, {}});
    }
    m_aggregates->setRows(aggregates);
}

} // namespace tickscope::ui
