#include "ui/replication_page.h"

#include "ui/format.h"
#include "widgets/time_series_chart.h"
#include "widgets/value_table.h"

#include <QLabel>
#include <QSplitter>
#include <QVBoxLayout>

namespace tickscope::ui {

using Tone = widgets::ValueTable::Tone;

namespace {

constexpr qint64 kHistorySeconds = 3600;

QString seconds(double value)
{
    return QString::number(value, 'f', 3);
}

} // namespace

ReplicationPage::ReplicationPage(QWidget *parent)
    : QWidget(parent)
    , m_role(new QLabel(this))
    , m_standbys(new widgets::ValueTable(
          {tr("Standby"), tr("Address"), tr("Sent"), tr("Replayed"), tr("Lag"), tr("Write lag (s)"),
              tr("Flush lag (s)"), tr("Replay lag (s)"), tr("Sync"), tr("State")}))
    , m_lagChart(
          new widgets::TimeSeriesChart(tr("Replay lag, last hour (s)"), QStringLiteral("%.2f")))
    , m_slots(new widgets::ValueTable(
          {tr("Slot"), tr("Type"), tr("WAL kept"), tr("Safe left"), tr("WAL status"), tr("State")}))
    , m_archiver(new QLabel(this))
    , m_disks(new widgets::ValueTable(
          {tr("Disk"), tr("Path"), tr("Free"), tr("Of"), tr("Filling at"), tr("Runway")}))
{
    m_role->setObjectName(QStringLiteral("role"));
    m_standbys->setObjectName(QStringLiteral("standbys"));
    m_lagChart->setObjectName(QStringLiteral("lagChart"));
    m_slots->setObjectName(QStringLiteral("slots"));
    m_archiver->setObjectName(QStringLiteral("archiver"));
    m_disks->setObjectName(QStringLiteral("disks"));
    m_role->setWordWrap(true);
    m_archiver->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Replication</h2>"), this));
    layout->addWidget(m_role);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_standbys);
    split->addWidget(m_lagChart);
    split->addWidget(m_slots);
    split->addWidget(m_disks);
    layout->addWidget(split, 1);
    layout->addWidget(m_archiver);
}

void ReplicationPage::showStatus(const model::ReplicationStatus &status)
{
    if (!status.error.empty()) {
        m_role->setText(tr("Could not read the replication state: %1")
                .arg(QString::fromStdString(status.error)));
        return;
    }
    const QDateTime now = QDateTime::fromMSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::milliseconds>(status.checkedAt.time_since_epoch())
            .count());
    std::vector<widgets::ValueTable::Row> standbys;
    if (status.inRecovery) {
        const model::WalReceiver &receiver = *status.receiver;
        m_role->setText(tr("<b>Standby</b>: WAL receiver %1%2; received %3, replayed %4 (%5 "
                           "behind), replay delay %6 s.")
                .arg(QString::fromStdString(receiver.status),
                    receiver.sender.empty()
                        ? QString()
                        : tr(" from %1").arg(QString::fromStdString(receiver.sender)),
                    QString::fromStdString(receiver.receivedLsn),
                    QString::fromStdString(receiver.replayLsn),
                    format::bytes(receiver.replayLagBytes), seconds(receiver.replayDelaySeconds)));
        m_lagHistory.push_back({now, tr("this standby"), receiver.replayDelaySeconds});
    } else {
        m_role->setText(status.standbys.empty()
                ? tr("<b>Primary</b> at WAL %1, with no standby connected.")
                      .arg(QString::fromStdString(status.currentLsn))
                : tr("<b>Primary</b> at WAL %1, streaming to %n standby(s).", nullptr,
                      static_cast<int>(status.standbys.size()))
                      .arg(QString::fromStdString(status.currentLsn)));
        for (const auto &standby : status.standbys) {
            const QString name = QString::fromStdString(standby.name);
            standbys.push_back(
                {{name, QString::fromStdString(standby.address),
                     QString::fromStdString(standby.sentLsn),
                     QString::fromStdString(standby.replayLsn), format::bytes(standby.lagBytes),
                     seconds(standby.writeLagSeconds), seconds(standby.flushLagSeconds),
                     seconds(standby.replayLagSeconds), QString::fromStdString(standby.syncState),
                     QString::fromStdString(standby.state)},
                    standby.state == "streaming" ? Tone::Good : Tone::Warning, {}});
            m_lagHistory.push_back({now, name, standby.replayLagSeconds});
        }
    }
    m_standbys->setRows(standbys);
    while (!m_lagHistory.empty() && m_lagHistory.front().time.secsTo(now) > kHistorySeconds)
        m_lagHistory.pop_front();
    std::vector<widgets::TimeSeriesChart::Point> points;
    for (const auto &sample : m_lagHistory)
        points.push_back({sample.time, sample.standby, sample.lagSeconds});
    m_lagChart->setPoints(points, tr("No standby has streamed since the console started."));

    std::vector<widgets::ValueTable::Row> slotRows;
    for (const auto &slot : status.replicationSlots) {
        const bool lost = slot.walStatus == "lost" || slot.walStatus == "unreserved";
        slotRows.push_back({{QString::fromStdString(slot.name), QString::fromStdString(slot.type),
                                format::bytes(slot.retainedBytes),
                                slot.safeBytes ? format::bytes(*slot.safeBytes) : tr("unlimited"),
                                QString::fromStdString(slot.walStatus),
                                slot.active ? tr("active") : tr("inactive")},
            lost              ? Tone::Bad
                : slot.active ? Tone::Good
                              : Tone::Warning,
            slot.active ? QString()
                        : tr("No standby uses this slot: the primary keeps all WAL since it "
                             "left, until the disk fills. Start the standby, or drop the slot "
                             "with pg_drop_replication_slot() if it is gone for good.")});
    }
    m_slots->setRows(slotRows);

    std::vector<widgets::ValueTable::Row> disks;
    for (const auto &disk : status.disks) {
        const bool low = disk.hoursLeft && *disk.hoursLeft < 24;
        disks.push_back(
            {{QString::fromStdString(disk.what), QString::fromStdString(disk.path),
                 format::bytes(disk.freeBytes), format::bytes(disk.totalBytes),
                 disk.hoursLeft ? tr("%1/s").arg(format::bytes(
                                      static_cast<std::int64_t>(disk.fillBytesPerSecond)))
                                : tr("–"),
                 disk.hoursLeft ? format::duration(*disk.hoursLeft * 3600) : tr("not filling")},
                low ? Tone::Bad : Tone::Good, {}});
    }
    m_disks->setRows(disks);

    const auto &archiver = status.archiver;
    m_archiver->setText(!archiver.archiving ? tr("WAL archiving is off.")
            : archiver.failing()
            ? tr("<b>WAL archiving is failing</b> (last failure %1); %2 segment(s) waiting.")
                  .arg(QString::fromStdString(archiver.lastFailedWal))
                  .arg(archiver.readySegments)
            : tr("WAL archiver: %1 archived, last %2; %3 failure(s); %4 waiting.")
                  .arg(archiver.archivedCount)
                  .arg(QString::fromStdString(archiver.lastArchivedWal))
                  .arg(archiver.failedCount)
                  .arg(archiver.readySegments));
}

} // namespace tickscope::ui
