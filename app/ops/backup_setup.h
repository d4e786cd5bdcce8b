// `tickscope backup setup` for the embedded cluster: a pgBackRest stanza with its repository in
// the cluster's backup/ folder, WAL archiving through pgBackRest (archive_mode needs a restart,
// which this does when it must), and pgBackRest's own check that a WAL segment reaches the
// repository. Run again, it changes nothing that is right already.
#pragma once

#include "app/model/backup_status.h"
#include "app/ops/pgbackrest.h"

#include <QString>
#include <expected>

namespace tickscope::ops {

class LocalServer;

struct BackupSetupReport
{
    QString configFile;
    QString repository;
    bool restarted = false; // archive_mode changed, so the server was restarted
};

// `server` must be running; connections to it are cut when archive_mode changes (a restart).
std::expected<BackupSetupReport, QString> setUpLocalBackups(LocalServer &server,
    const model::BackupSettings &settings, const PgBackRest::Progress &progress);

} // namespace tickscope::ops
