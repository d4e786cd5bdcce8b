#include "app/ops/standby.h"

#include "db/connection.h"

#include <QDir>
#include <pqxx/pqxx>

namespace tickscope::ops {

QString standbySlotName(int port)
{
    return QStringLiteral("standby_%1").arg(port);
}

std::expected<LocalServerState, QString> addStandby(const LocalServer &primary,
    const QString &directory, int port, const std::function<void(const QString &)> &progress)
{
    const LocalServerState source = primary.state();
    if (!source.running)
        return std::unexpected(QStringLiteral("the primary in %1 is not running; start it with "
                                              "`tickscope local-db start` first")
                .arg(source.directory));
    LocalServer standby{directory};
    if (standby.state().initialized)
        return std::unexpected(QStringLiteral("a database cluster already exists in %1; choose "
                                              "another --standby-dir")
                .arg(standby.directory()));
    if (port == source.port)
        return std::unexpected(QStringLiteral("port %1 is the primary's").arg(port));
    if (!loopbackPortIsFree(port))
        return std::unexpected(
            QStringLiteral("port %1 on 127.0.0.1 is already in use; choose another --standby-port")
                .arg(port));

    const QString slot = standbySlotName(port);
    bool slotExists = false;
    try {
        auto connection = db::connect(primary.conninfo().toStdString(), "add-standby");
        pqxx::nontransaction tx{connection};
        const auto row = tx.exec("SELECT active FROM pg_replication_slots WHERE slot_name = $1",
            pqxx::params{slot.toStdString()});
        slotExists = !row.empty();
        if (slotExists && row[0][0].as<bool>())
            return std::unexpected(
                QStringLiteral("replication slot %1 is in use by a running standby").arg(slot));
    } catch (const std::exception &error) {
        return std::unexpected(
            QStringLiteral("cannot reach the primary: %1").arg(QString::fromUtf8(error.what())));
    }

    if (auto login = primary.ensureReplicationLogin(); !login)
        return std::unexpected(login.error());
    const auto created = standby.prepareCopyOf(primary);
    if (!created)
        return std::unexpected(created.error());

    progress(QStringLiteral("copying the primary with pg_basebackup over slot %1").arg(slot));
    QStringList arguments{QStringLiteral("--pgdata=") + standby.dataDirectory(),
        QStringLiteral("--dbname=host=127.0.0.1 port=%1 user=%2 passfile=%3 application_name=%4 "
                       "require_auth=scram-sha-256")
            .arg(source.port)
            .arg(LocalServer::kReplicationUser, conninfoValue(standby.passfile()), slot),
        QStringLiteral("--wal-method=stream"), QStringLiteral("--slot=") + slot,
        QStringLiteral("--write-recovery-conf"), QStringLiteral("--checkpoint=fast"),
        QStringLiteral("--no-password")};
    if (!slotExists)
        arguments << QStringLiteral("--create-slot");
    if (auto copied = standby.runServerProgram(QStringLiteral("pg_basebackup"), arguments);
        !copied) {
        standby.releaseDirectory(*created);
        return std::unexpected(copied.error());
    }
    progress(QStringLiteral("starting the standby on 127.0.0.1:%1").arg(port));
    if (auto started = standby.start(port); !started)
        return std::unexpected(started.error());
    return standby.state();
}

} // namespace tickscope::ops
