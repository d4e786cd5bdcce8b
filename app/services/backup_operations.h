// The backup operations that `tickscope backup` and the console's Backups page share: setting up
// the stanza, running a backup, verifying (pgBackRest's verify and the restore drill) and the
// overview; each run recorded in audit.operator_actions when it starts and when it ends. Which
// pgBackRest: the configured [backup] command for a remote or containerised server, else the
// embedded cluster's own. Blocking: the console calls it on a worker thread.
#pragma once

#include "app/config/config.h"
#include "app/ops/pgbackrest.h"
#include "app/ops/restore_drill.h"
#include "app/services/database_session.h"
#include "db/operator_actions.h"

#include <QString>
#include <expected>
#include <optional>
#include <stop_token>

namespace tickscope::app {

class BackupOperations
{
public:
    using Progress = ops::PgBackRest::Progress;

    // `target` as an opened DatabaseSession left it (its conninfo known). The error says what
    // is missing, e.g. a [backup] command for a server that is not the embedded one.
    static std::expected<BackupOperations, QString> forTarget(
        const Config &config, const DatabaseTarget &target, db::Operator by);

    bool embedded() const { return m_embedded; }
    const ops::PgBackRest &pgbackrest() const { return m_pgbackrest; }
    // Where the database is, for the overview's connection (the target's role).
    const std::string &conninfo() const { return m_conninfo; }

    // The embedded cluster: repository, WAL archiving, stanza. Elsewhere: the stanza and
    // pgBackRest's check, the server's archive_command being its operator's. Yields a summary.
    std::expected<QString, QString> setup(const Progress &progress) const;
    // Yields the new backup's label and sizes.
    std::expected<QString, QString> backup(
        model::BackupType type, const Progress &progress, std::stop_token stop = {}) const;
    // pgBackRest's verify of the repository, then (embedded cluster) the restore drill.
    std::expected<ops::RestoreDrillReport, QString> verify(
        bool drill, const Progress &progress) const;

private:
    BackupOperations(ops::PgBackRest pgbackrest, bool embedded, std::string conninfo,
        model::BackupSettings settings, db::Operator by);

    // Records one row of audit.operator_actions; a failure to record is logged, not thrown.
    void record(
        const std::string &action, const db::ActionDetail &detail, db::ActionOutcome outcome) const;

    ops::PgBackRest m_pgbackrest;
    bool m_embedded = false;
    std::string m_conninfo;
    model::BackupSettings m_settings;
    db::Operator m_by;
};

} // namespace tickscope::app
