#include "app/ops/backup_setup.h"

#include "app/ops/local_server.h"
#include "db/connection.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <pqxx/pqxx>

namespace tickscope::ops {

namespace {

// A word for /bin/sh, which runs archive_command.
QString shellQuoted(const QString &word)
{
    QString quoted = word;
    quoted.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + quoted + u'\'';
}

// The repository settings an operator put in the [global] section of an earlier file (repo1-path
// on another disk, a remote repo1-host, a second repository): kept, as docs/operations.md tells
// operators to set them there. The retention is [backup] retention_full's, not kept.
QStringList operatorRepositorySettings(const QString &configFile)
{
    QFile file{configFile};
    if (!file.open(QIODevice::ReadOnly))
        return {};
    static const QRegularExpression repositoryKey{QStringLiteral(R"(^repo\d+-[a-z0-9-]+\s*=)")};
    QStringList kept;
    bool global = false;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.startsWith(u'['))
            global = line == QLatin1String("[global]");
        else if (global && repositoryKey.match(line).hasMatch()
            && !line.startsWith(QLatin1String("repo1-retention-full")))
            kept << line;
    }
    return kept;
}

} // namespace

std::expected<BackupSetupReport, QString> setUpLocalBackups(LocalServer &server,
    const model::BackupSettings &settings, const PgBackRest::Progress &progress)
{
    const LocalServerState state = server.state();
    if (!state.running)
        return std::unexpected(QStringLiteral("the embedded database in %1 is not running; start "
                                              "it with `tickscope local-db start`")
                .arg(state.directory));
    if (server.socketDirectory().isEmpty())
        return std::unexpected(QStringLiteral("the path %1 is too long for the Unix socket that "
                                              "pgBackRest needs; choose a shorter --data-dir")
                .arg(state.directory));
    const QString program = QStandardPaths::findExecutable(QStringLiteral("pgbackrest"));
    if (program.isEmpty())
        return std::unexpected(QStringLiteral(
            "pgBackRest is not installed; install Debian's package: apt install pgbackrest"));

    BackupSetupReport report;
    const QString folder = server.directory() + QStringLiteral("/backup");
    report.configFile = folder + QStringLiteral("/pgbackrest.conf");
    QStringList repository = operatorRepositorySettings(report.configFile);
    if (repository.isEmpty())
        repository << QStringLiteral("repo1-path=%1/repo").arg(folder);
    report.repository = QStringLiteral("repo1 as %1 says").arg(report.configFile);
    for (const QString &line : repository) {
        if (line.startsWith(QLatin1String("repo1-path")))
            report.repository = line.section(u'=', 1).trimmed();
    }
    for (const char *sub : {"repo", "log", "lock", "spool"}) {
        if (!QDir().mkpath(folder + u'/' + QLatin1String(sub)))
            return std::unexpected(QStringLiteral("cannot create %1/%2").arg(folder, sub));
    }
    const QString stanza = QString::fromStdString(settings.stanza);
    const QStringList lines
        = QStringList{QStringLiteral("# Written by `tickscope backup setup`; run it again after "
                                     "changing [backup] in the config file. Repository settings "
                                     "(repo1-path, ...) changed here are kept."),
              QStringLiteral("[global]")}
        + repository
        + QStringList{QStringLiteral("repo1-retention-full=%1").arg(settings.retentionFull),
            QStringLiteral("log-path=%1/log").arg(folder),
            QStringLiteral("lock-path=%1/lock").arg(folder),
            QStringLiteral("spool-path=%1/spool").arg(folder), QStringLiteral("compress-type=zst"),
            QStringLiteral("start-fast=y"), QStringLiteral("process-max=2"),
            QStringLiteral("log-level-file=detail"), QString(), u'[' + stanza + u']',
            QStringLiteral("pg1-path=") + server.dataDirectory(),
            QStringLiteral("pg1-socket-path=") + server.socketDirectory(),
            QStringLiteral("pg1-user=") + LocalServer::kSuperuser};
    QFile config{report.configFile};
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || config.write(lines.join(u'\n').toUtf8() + '\n') < 0)
        return std::unexpected(
            QStringLiteral("cannot write %1: %2").arg(report.configFile, config.errorString()));
    config.close();
    if (auto handed = server.handToServerUser(folder); !handed)
        return std::unexpected(handed.error());
    progress(-1, QStringLiteral("wrote %1").arg(report.configFile));

    const QString archiveCommand
        = QStringLiteral("%1 --config=%2 --stanza=%3 archive-push %p")
              .arg(shellQuoted(program), shellQuoted(report.configFile), shellQuoted(stanza));
    try {
        auto connection = db::connect(server.conninfo().toStdString(), "backup setup");
        pqxx::nontransaction tx{connection};
        tx.exec("ALTER SYSTEM SET archive_mode = 'on'");
        tx.exec("ALTER SYSTEM SET archive_command = " + tx.quote(archiveCommand.toStdString()));
        // A segment is archived at least once a minute while anything is written: the most a
        // lost disk can take with it.
        tx.exec("ALTER SYSTEM SET archive_timeout = '60s'");
        tx.exec("SELECT pg_reload_conf()");
        report.restarted
            = tx.exec("SELECT current_setting('archive_mode') <> 'on'").one_field().as<bool>();
    } catch (const std::exception &error) {
        return std::unexpected(QStringLiteral("cannot turn on WAL archiving: %1")
                .arg(QString::fromUtf8(error.what())));
    }
    progress(-1,
        QStringLiteral("WAL archiving through pgBackRest: archive_mode = on, "
                       "archive_timeout = 60s"));
    if (report.restarted) {
        progress(-1, QStringLiteral("restarting the embedded database for archive_mode"));
        if (auto restarted = server.restart(); !restarted)
            return std::unexpected(restarted.error());
    }

    const PgBackRest pgbackrest = PgBackRest::forLocalServer(server, stanza);
    if (auto created = pgbackrest.run({QStringLiteral("stanza-create")}); !created)
        return std::unexpected(created.error());
    progress(-1, QStringLiteral("stanza '%1' ready in %2").arg(stanza, report.repository));
    if (auto checked = pgbackrest.run({QStringLiteral("check")}); !checked)
        return std::unexpected(checked.error());
    progress(-1, QStringLiteral("pgBackRest check: a WAL segment reached the repository"));
    return report;
}

} // namespace tickscope::ops
