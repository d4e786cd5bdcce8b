// pgBackRest, run as a program: for the embedded cluster a command line of its own (as the
// server's user, with the repository beside the cluster); for a remote or containerised server
// the configured template that reaches it ("ssh db1 sudo -u postgres pgbackrest", "docker exec
// -u postgres tsdb pgbackrest"). Backups with their progress, the inventory from
// `info --output=json`, verify and restore. Blocking: the backup command and the console's
// backup worker call it off the GUI thread.
#pragma once

#include "app/model/backup_status.h"

#include <QString>
#include <QStringList>
#include <expected>
#include <functional>
#include <optional>
#include <stop_token>

namespace tickscope::ops {

class LocalServer;

class PgBackRest
{
public:
    // `percent` of the files copied (backup, restore), and the line that said so; -1 for a line
    // that says what happens next.
    using Progress = std::function<void(double percent, const QString &line)>;

    static inline const QString kDefaultStanza = QStringLiteral("tickscope");

    // `command`: the program and its leading arguments, before pgBackRest's own command word.
    PgBackRest(QStringList command, QString stanza);

    // The embedded cluster's: its configuration in `server`'s backup/ folder.
    static PgBackRest forLocalServer(const LocalServer &server, const QString &stanza);
    // A template as a shell would split it; the error names what is wrong with it.
    static std::expected<PgBackRest, QString> fromTemplate(
        const QString &commandTemplate, const QString &stanza);

    const QString &stanza() const { return m_stanza; }
    // The command line without the stanza, for messages and audit rows.
    QString describe() const { return m_command.join(u' '); }

    // Runs `pgbackrest --stanza=S <arguments>`; yields its output, or an error that quotes
    // pgBackRest's own ERROR lines. A stop request ends it with SIGTERM (pgBackRest then leaves
    // a backup that the next one resumes).
    std::expected<QString, QString> run(const QStringList &arguments, const Progress &progress = {},
        std::stop_token stop = {}) const;

    std::expected<void, QString> backup(
        model::BackupType type, const Progress &progress = {}, std::stop_token stop = {}) const;
    std::expected<model::BackupInventory, QString> info() const;
    // Checks every file of the repository against its checksum and the WAL archive for holes;
    // the error is pgBackRest's report of what is damaged.
    std::expected<void, QString> verify() const;

private:
    QStringList m_command;
    QString m_stanza;
    QString m_configFile; // the embedded cluster's, which `backup setup` writes
};

// Reads `pgbackrest info --output=json` for one stanza; the error names what was missing.
std::expected<model::BackupInventory, QString> parseBackupInventory(
    const QByteArray &json, const QString &stanza);

// 42.17 from "... backup file /data/base/1/1255 (792KB, 42.17%) checksum ...".
std::optional<double> progressPercent(const QString &line);

} // namespace tickscope::ops
