// The restore drill of `tickscope backup verify`: pgBackRest restores the latest backup of the
// embedded cluster into a scratch cluster beside it, which replays the archived WAL as a standby
// up to a point the source has just archived, pauses there and is compared with the source:
// every transaction's rows in market_data.trades (count and a checksum) must be the source's,
// and no transaction the copy calls committed may be missing from it. Transactions the source
// committed after that point are counted, not compared, so the drill runs while ingest writes.
// The scratch cluster is stopped and removed at the end, also after a failure.
#pragma once

#include "app/ops/pgbackrest.h"

#include <QString>
#include <QStringList>
#include <expected>

namespace tickscope::ops {

class LocalServer;

struct RestoreDrillReport
{
    QString backupLabel;
    QString restoredLsn; // the source's WAL position the copy reached
    double restoreSeconds = 0; // pgBackRest restore
    double replaySeconds = 0; // start and replay of the archived WAL
    double compareSeconds = 0;
    qint64 restoredRows = 0;
    qint64 restoredTransactions = 0;
    qint64 newerTransactions = 0; // committed on the source after that point
    qint64 goneRows = 0; // in the copy, no longer in the source (retention since)
    QStringList mismatches; // each one sentence; empty when the copy is whole

    bool whole() const { return mismatches.isEmpty(); }
};

// "restore drill of LABEL: whole. The copy reached WAL ... and holds N trade(s) ...".
QString describe(const RestoreDrillReport &report);

std::expected<RestoreDrillReport, QString> runRestoreDrill(
    const PgBackRest &pgbackrest, const LocalServer &source, const PgBackRest::Progress &progress);

} // namespace tickscope::ops
