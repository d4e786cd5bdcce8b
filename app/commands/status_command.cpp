#include "app/cli/cli.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/services/replication_sampler.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "ui/format.h"

#include <QThread>
#include <format>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("status");
// Two samples this far apart give the disks' fill rate.
constexpr unsigned long kRateSampleMs = 3000;

std::string bytes(std::int64_t value)
{
    return ui::format::bytes(value).toStdString();
}

std::string replicationText(const model::ReplicationStatus &status)
{
    std::string text;
    if (status.inRecovery) {
        const model::WalReceiver &receiver = *status.receiver;
        text += std::format("role:      standby, WAL receiver {}{}{}\n", receiver.status,
            receiver.sender.empty() ? "" : " from " + receiver.sender,
            receiver.slot.empty() ? "" : " over slot " + receiver.slot);
        text += std::format("received:  {}; replayed {} ({} behind, replay delay {:.3f} s)\n",
            receiver.receivedLsn, receiver.replayLsn, bytes(receiver.replayLagBytes),
            receiver.replayDelaySeconds);
    } else {
        text += std::format("role:      primary, WAL at {}\n", status.currentLsn);
        if (status.standbys.empty())
            text += "standbys:  none connected\n";
        else {
            text
                += std::format("standbys:\n  {:<16} {:<21} {:<10} {:<6} {:>12} {:>12} {:>10} {:>9} "
                               "{:>9} {:>9}\n",
                    "NAME", "ADDRESS", "STATE", "SYNC", "SENT", "REPLAYED", "LAG", "WRITE s",
                    "FLUSH s", "REPLAY s");
            for (const auto &standby : status.standbys)
                text += std::format("  {:<16} {:<21} {:<10} {:<6} {:>12} {:>12} {:>10} {:>9.3f} "
                                    "{:>9.3f} {:>9.3f}\n",
                    standby.name, standby.address, standby.state, standby.syncState,
                    standby.sentLsn, standby.replayLsn, bytes(standby.lagBytes),
                    standby.writeLagSeconds, standby.flushLagSeconds, standby.replayLagSeconds);
        }
    }
    if (status.replicationSlots.empty())
        text += "slots:     none\n";
    else {
        text += std::format("slots:\n  {:<20} {:<9} {:<7} {:<11} {:>12} {:>12}\n", "NAME", "TYPE",
            "ACTIVE", "WAL STATUS", "WAL KEPT", "SAFE LEFT");
        for (const auto &slot : status.replicationSlots)
            text += std::format("  {:<20} {:<9} {:<7} {:<11} {:>12} {:>12}\n", slot.name, slot.type,
                slot.active ? "yes" : "NO", slot.walStatus, bytes(slot.retainedBytes),
                slot.safeBytes ? bytes(*slot.safeBytes) : "unlimited");
    }
    const auto &archiver = status.archiver;
    text += !archiver.archiving
        ? std::string("archiver:  off\n")
        : std::format("archiver:  {} archived, last {}; {} failed{}; {} "
                      "waiting\n",
              archiver.archivedCount, archiver.lastArchivedWal, archiver.failedCount,
              archiver.failing() ? " - FAILING NOW" : "", archiver.readySegments);
    for (const auto &disk : status.disks)
        text += std::format("disk:      {} ({}): {} free of {}; {}\n", disk.what, disk.path,
            bytes(disk.freeBytes), bytes(disk.totalBytes),
            disk.hoursLeft
                ? std::format("filling at {}/s: {:.1f} h left",
                      bytes(static_cast<std::int64_t>(disk.fillBytesPerSecond)), *disk.hoursLeft)
                : std::string("not filling"));
    return text;
}

} // namespace

int runStatusCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral("Says which database Tickscope uses and what it is; with --replication, "
                       "its streaming replication: on a primary the standbys with their state "
                       "and lag (bytes and seconds) and the replication slots with the WAL each "
                       "holds back, on a standby the WAL receiver and the replay delay; the WAL "
                       "archiver; and the disk runway of the data, WAL and journal disks "
                       "(measured over %1 s). It starts nothing.")
            .arg(kRateSampleMs / 1000));
    parser.addOption({QStringLiteral("replication"),
        QStringLiteral("Streaming replication, slots, archiver and disk runway.")});
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    const auto &[config, target] = *chosen;
    auto session = DatabaseSession::open(
        target, {.purpose = "status", .startEmbedded = false, .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    try {
        pqxx::connection &connection = (*session)->connection();
        cli::print(QStringLiteral("database:  %1 (%2)\nserver:    %3")
                .arg(QString::fromStdString(db::describeEndpoint(connection)),
                    QString::fromStdString(target.source),
                    QString::fromStdString(
                        db::describeCapabilities(db::probeCapabilities(connection)))));
        if (!parser.isSet(QStringLiteral("replication")))
            return cli::kSuccess;
        ReplicationSampler sampler{
            target.embedded, journalDirectory(config.journalDirectory, (*session)->target())};
        sampler.sample(connection);
        QThread::msleep(kRateSampleMs);
        cli::print(QString::fromStdString(replicationText(sampler.sample(connection))).trimmed());
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    return cli::kSuccess;
}

} // namespace tickscope::app
