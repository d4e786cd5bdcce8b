#include "app/ops/pg_installation.h"

#include <QDir>
#include <QFileInfo>

namespace tickscope::ops {

std::expected<PgInstallation, QString> findPgInstallation()
{
    const QString overridden = qEnvironmentVariable("TICKSCOPE_PG_BINDIR");
    if (!overridden.isEmpty()) {
        if (!QFileInfo(overridden + QStringLiteral("/initdb")).isExecutable())
            return std::unexpected(
                QStringLiteral("TICKSCOPE_PG_BINDIR=%1 holds no initdb").arg(overridden));
        return PgInstallation{overridden, 0};
    }
    const QDir root{QStringLiteral("/usr/lib/postgresql")};
    PgInstallation best;
    for (const QString &entry : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool numeric = false;
        const int major = entry.toInt(&numeric);
        if (!numeric || major <= best.majorVersion)
            continue;
        const QString dir = root.filePath(entry);
        if (QFileInfo(dir + QStringLiteral("/bin/initdb")).isExecutable()
            && QFileInfo::exists(dir + QStringLiteral("/lib/timescaledb.so")))
            best = PgInstallation{dir + QStringLiteral("/bin"), major};
    }
    if (best.majorVersion == 0)
        return std::unexpected(QStringLiteral(
            "no PostgreSQL server with TimescaleDB found under /usr/lib/postgresql (install "
            "postgresql-17-timescaledb, run through scripts/devenv, or set TICKSCOPE_PG_BINDIR)"));
    return best;
}

} // namespace tickscope::ops
