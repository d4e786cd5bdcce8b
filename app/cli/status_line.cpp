#include "app/cli/status_line.h"

#include "app/cli/cli.h"

namespace tickscope::app {

namespace {

// Records between the writer's checkpoint and the end of the journal (within one segment).
QString journalLag(const model::JournalPosition &end, const model::JournalPosition &committed)
{
    if (end.segment == committed.segment)
        return QString::number(std::max<std::int64_t>(0, end.index - committed.index));
    return QStringLiteral("%1 segments").arg(end.segment - committed.segment);
}

} // namespace

void StatusLine::Rate::update(std::int64_t value)
{
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - at).count();
    if (at != std::chrono::steady_clock::time_point{} && seconds > 0)
        perSecond = static_cast<double>(value - last) / seconds;
    last = value;
    at = now;
}

void StatusLine::onFeed(const model::FeedStatus &status)
{
    m_feeds[status.feed] = status;
    m_frameRates[status.feed].update(status.framesReceived);
}

void StatusLine::onWriter(const model::WriterStatus &status)
{
    m_writers[status.feed] = status;
    m_rowRates[status.feed].update(status.rowsCommitted);
}

void StatusLine::print()
{
    for (const auto &[name, feed] : m_feeds) {
        const auto writer = m_writers[name];
        const auto frames = static_cast<std::int64_t>(m_frameRates[name].perSecond);
        const auto rows = static_cast<std::int64_t>(m_rowRates[name].perSecond);
        QString gap = QStringLiteral("none");
        if (writer.lastGap)
            gap = QString::fromStdString(
                writer.lastGapSymbol + ' ' + model::describe(*writer.lastGap));
        QString line = QStringLiteral(
            "%1 %2 | %3 msg/s | %4 rows/s | writer %5 | pending %6 | journal lag %7 | "
            "p50 %8 ms p99 %9 ms | gaps %10, last %11 | malformed %12")
                           .arg(QString::fromStdString(name),
                               QString::fromLatin1(model::stateName(feed.state)))
                           .arg(frames)
                           .arg(rows)
                           .arg(QString::fromLatin1(model::stateName(writer.state)))
                           .arg(writer.pendingRows)
                           .arg(journalLag(feed.journalEnd, writer.committed))
                           .arg(writer.latencyP50Ms, 0, 'f', 1)
                           .arg(writer.latencyP99Ms, 0, 'f', 1)
                           .arg(writer.gapsFound)
                           .arg(gap)
                           .arg(writer.malformedFrames);
        // What is set aside is said on every line, until the operator has seen to it.
        if (writer.quarantined > 0)
            line += QStringLiteral(" | QUARANTINED %1 (audit.quarantine)").arg(writer.quarantined);
        if (writer.unknownSymbolFrames > 0)
            line += QStringLiteral(" | unknown symbols %1").arg(writer.unknownSymbolFrames);
        if (feed.journalDiskLow)
            line += QStringLiteral(" | JOURNAL DISK LOW: %1 MB free")
                        .arg(feed.journalFreeBytes >> 20);
        if (writer.checkpointsFollowed > 0)
            line += QStringLiteral(" | re-read after a failover: %1")
                        .arg(writer.checkpointsFollowed);
        if (writer.epochs > 0)
            line += QStringLiteral(" | new journal epoch (audit.journal_epochs)");
        if (!feed.lastError.empty())
            line += QStringLiteral(" | feed: ") + QString::fromStdString(feed.lastError);
        if (!writer.lastError.empty())
            line += QStringLiteral(" | database: ") + QString::fromStdString(writer.lastError);
        cli::print(line);
    }
}

void StatusLine::printTotals() const
{
    for (const auto &[name, writer] : m_writers)
        cli::print(QStringLiteral(
            "%1: %2 rows committed (%3 trades) in %4 batches, %5 duplicates skipped, %6 gaps")
                .arg(QString::fromStdString(name))
                .arg(writer.rowsCommitted)
                .arg(writer.tradesCommitted)
                .arg(writer.batchesCommitted)
                .arg(writer.duplicatesSkipped)
                .arg(writer.gapsFound));
}

} // namespace tickscope::app
