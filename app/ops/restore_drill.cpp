#include "app/ops/restore_drill.h"

#include "app/ops/local_server.h"
#include "app/ops/pgbackrest.h"
#include "db/backup_queries.h"
#include "db/connection.h"

#include <QDir>
#include <QElapsedTimer>
#include <QThread>
#include <chrono>
#include <pqxx/pqxx>

namespace tickscope::ops {

namespace {

constexpr std::chrono::seconds kArchiveWait{120};
constexpr std::chrono::minutes kReplayWait{30};
constexpr qsizetype kMismatchesShown = 10;

// Polls `ready` every 200 ms until it holds or `limit` passes.
bool waitFor(std::chrono::milliseconds limit, const std::function<bool()> &ready)
{
    QElapsedTimer clock;
    clock.start();
    while (!ready()) {
        if (clock.elapsed() > limit.count())
            return false;
        QThread::msleep(200);
    }
    return true;
}

// The scratch cluster: stopped and removed however the drill ends.
class ScratchCluster
{
public:
    explicit ScratchCluster(const QString &directory)
        : m_server(directory)
    {
        discard();
    }
    ~ScratchCluster() { discard(); }
    ScratchCluster(const ScratchCluster &) = delete;
    ScratchCluster &operator=(const ScratchCluster &) = delete;

    LocalServer &server() { return m_server; }

private:
    void discard()
    {
        // A drill killed half-way leaves its cluster behind; the next one clears it first.
        (void)m_server.stop();
        QDir(m_server.directory()).removeRecursively();
    }

    LocalServer m_server;
};

} // namespace

QString describe(const RestoreDrillReport &report)
{
    return QStringLiteral("restore drill of %1: %2. The copy reached WAL %3 and holds %4 trade(s) "
                          "in %5 transaction(s), each equal to the source's (count and "
                          "checksum); %6 transaction(s) came later on the source%7. Restore %8 s, "
                          "replay %9 s, compare %10 s.")
        .arg(report.backupLabel,
            report.whole() ? QStringLiteral("whole") : QStringLiteral("NOT WHOLE"),
            report.restoredLsn)
        .arg(report.restoredRows)
        .arg(report.restoredTransactions)
        .arg(report.newerTransactions)
        .arg(report.goneRows > 0
                ? QStringLiteral("; %1 row(s) of the copy have since left the source (retention)")
                      .arg(report.goneRows)
                : QString())
        .arg(report.restoreSeconds, 0, 'f', 1)
        .arg(report.replaySeconds, 0, 'f', 1)
        .arg(report.compareSeconds, 0, 'f', 1);
}

std::expected<RestoreDrillReport, QString> runRestoreDrill(
    const PgBackRest &pgbackrest, const LocalServer &source, const PgBackRest::Progress &progress)
{
    RestoreDrillReport report;
    const auto inventory = pgbackrest.info();
    if (!inventory)
        return std::unexpected(inventory.error());
    if (inventory->backups.empty())
        return std::unexpected(QStringLiteral(
            "there is no backup to restore; take one with `tickscope backup run --type full`"));
    report.backupLabel = QString::fromStdString(inventory->backups.back().label);

    try {
        auto sourceConnection = db::connect(source.conninfo().toStdString(), "restore drill");
        // A point the archive holds: the end of the segment switched now.
        std::string targetSegment;
        {
            pqxx::nontransaction tx{sourceConnection};
            const auto row
                = tx.exec("SELECT lsn::text, pg_walfile_name(lsn) FROM pg_switch_wal() lsn")
                      .one_row();
            report.restoredLsn = QString::fromStdString(row[0].as<std::string>());
            targetSegment = row[1].as<std::string>();
        }
        progress(-1,
            QStringLiteral("waiting for WAL segment %1 to reach the repository")
                .arg(QString::fromStdString(targetSegment)));
        const bool archived = waitFor(kArchiveWait, [&] {
            pqxx::nontransaction tx{sourceConnection};
            // Past it, or it; "<segment>.<offset>.backup" (a backup's label) is not the segment.
            return tx
                .exec("SELECT coalesce(left(last_archived_wal, 24) > $1 "
                      "OR last_archived_wal = $1, false) FROM pg_stat_archiver",
                    pqxx::params{targetSegment})
                .one_field()
                .as<bool>();
        });
        if (!archived) {
            const auto archiver = db::readArchiverStatus(sourceConnection);
            return std::unexpected(
                QStringLiteral("WAL segment %1 was not archived within %2 s (last archived: %3, "
                               "last failed: %4); see the server log")
                    .arg(QString::fromStdString(targetSegment))
                    .arg(kArchiveWait.count())
                    .arg(QString::fromStdString(archiver.lastArchivedWal),
                        QString::fromStdString(archiver.lastFailedWal)));
        }

        ScratchCluster scratch{source.directory() + QStringLiteral("/backup/drill")};
        LocalServer &copy = scratch.server();
        if (auto prepared = copy.prepareCopyOf(source); !prepared)
            return std::unexpected(prepared.error());

        QElapsedTimer clock;
        clock.start();
        progress(-1,
            QStringLiteral("restoring backup %1 into %2")
                .arg(report.backupLabel, copy.dataDirectory()));
        // As a standby: it replays the archive and stays read-only, so it commits nothing of its
        // own that could be taken for the source's; and it archives nothing.
        const auto restored = pgbackrest.run(
            {QStringLiteral("restore"), QStringLiteral("--pg1-path=") + copy.dataDirectory(),
                QStringLiteral("--type=standby"), QStringLiteral("--archive-mode=off"),
                QStringLiteral("--log-level-console=detail")},
            progress);
        if (!restored)
            return std::unexpected(restored.error());
        report.restoreSeconds = static_cast<double>(clock.restart()) / 1000.0;

        const auto port = freeLoopbackPort();
        if (!port)
            return std::unexpected(QStringLiteral("no free port on 127.0.0.1 for the copy"));
        if (auto started = copy.start(*port); !started)
            return std::unexpected(
                QStringLiteral("the restored copy did not start: %1").arg(started.error()));
        auto copyConnection = db::connect(copy.conninfo().toStdString(), "restore drill");
        progress(-1, QStringLiteral("replaying archived WAL up to %1").arg(report.restoredLsn));
        const bool replayed = waitFor(kReplayWait, [&] {
            pqxx::nontransaction tx{copyConnection};
            return tx
                .exec("SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)",
                    pqxx::params{report.restoredLsn.toStdString()})
                .one_field()
                .as<bool>();
        });
        if (!replayed)
            return std::unexpected(
                QStringLiteral("the copy did not replay the archive up to %1 within %2 min")
                    .arg(report.restoredLsn)
                    .arg(kReplayWait.count()));
        std::int64_t copyNextXid = 0;
        {
            pqxx::nontransaction tx{copyConnection};
            tx.exec("SELECT pg_wal_replay_pause()");
            if (!waitFor(kArchiveWait, [&] {
                    return tx.exec("SELECT pg_get_wal_replay_pause_state() = 'paused'")
                        .one_field()
                        .as<bool>();
                }))
                return std::unexpected(QStringLiteral("the copy's WAL replay did not pause"));
            copyNextXid = tx.exec("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
                              .one_field()
                              .as<std::int64_t>();
        }
        report.replaySeconds = static_cast<double>(clock.restart()) / 1000.0;

        progress(-1, QStringLiteral("comparing market_data.trades, transaction by transaction"));
        const auto copyRows = db::tradesByTransaction(copyConnection);
        const auto sourceRows = db::tradesByTransaction(sourceConnection);
        for (const auto &[xid, rows] : copyRows) {
            report.restoredRows += rows.rows;
            const auto found = sourceRows.find(xid);
            if (found == sourceRows.end())
                report.goneRows += rows.rows;
            else if (found->second != rows)
                report.mismatches << QStringLiteral(
                    "transaction %1: the copy has %2 row(s) with checksum %3, the source %4 "
                    "with checksum %5")
                                         .arg(xid)
                                         .arg(rows.rows)
                                         .arg(QString::fromStdString(rows.checksum))
                                         .arg(found->second.rows)
                                         .arg(QString::fromStdString(found->second.checksum));
        }
        report.restoredTransactions = static_cast<qint64>(copyRows.size());
        // A transaction id of the source's that the copy has not assigned yet is newer than the
        // point; one it has must not be committed there, or its rows went missing.
        std::vector<std::int64_t> older;
        const std::int64_t epoch = copyNextXid & ~std::int64_t{0xFFFF'FFFF};
        for (const auto &[xid, rows] : sourceRows) {
            if (copyRows.contains(xid))
                continue;
            if ((epoch | xid) >= copyNextXid)
                ++report.newerTransactions;
            else
                older.push_back(epoch | xid);
        }
        // Those not committed there were still running at the point: the source's newer work.
        report.newerTransactions += static_cast<qint64>(older.size());
        pqxx::nontransaction tx{copyConnection};
        for (const auto &[fullXid] :
            tx.query<std::int64_t>("SELECT x FROM unnest($1::bigint[]) x "
                                   "WHERE pg_xact_status(x::text::xid8) = 'committed'",
                pqxx::params{older})) {
            --report.newerTransactions;
            report.mismatches << QStringLiteral(
                "transaction %1 is committed in the copy, but its %2 row(s) are missing there")
                                     .arg(fullXid)
                                     .arg(sourceRows.at(fullXid & 0xFFFF'FFFF).rows);
        }
        report.compareSeconds = static_cast<double>(clock.elapsed()) / 1000.0;
    } catch (const std::exception &error) {
        return std::unexpected(
            QStringLiteral("the restore drill failed: %1").arg(QString::fromUtf8(error.what())));
    }
    if (report.mismatches.size() > kMismatchesShown) {
        const qsizetype more = report.mismatches.size() - kMismatchesShown;
        report.mismatches = report.mismatches.mid(0, kMismatchesShown);
        report.mismatches << QStringLiteral("... and %1 more").arg(more);
    }
    return report;
}

} // namespace tickscope::ops
