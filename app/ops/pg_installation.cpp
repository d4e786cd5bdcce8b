#include "app/ops/pg_installation.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <unistd.h>

namespace tickscope::ops {

namespace {

// The newest <root>/N with bin/initdb and lib/timescaledb.so; majorVersion 0 when none.
PgInstallation newestWithTimescale(const QString &root)
{
    PgInstallation best;
    for (const QString &entry : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        bool numeric = false;
        const int major = entry.toInt(&numeric);
        if (!numeric || major <= best.majorVersion)
            continue;
        const QString dir = root + u'/' + entry;
        if (QFileInfo(dir + QStringLiteral("/bin/initdb")).isExecutable()
            && QFileInfo::exists(dir + QStringLiteral("/lib/timescaledb.so")))
            best = PgInstallation{dir + QStringLiteral("/bin"), major};
    }
    return best;
}

} // namespace

QString editionOption(model::TimescaleEdition edition)
{
    return edition == model::TimescaleEdition::Timescale ? QStringLiteral("tsl")
                                                         : QStringLiteral("apache");
}

std::optional<model::TimescaleEdition> parseEditionOption(const QString &text)
{
    if (text == u"apache")
        return model::TimescaleEdition::Apache;
    if (text == u"tsl")
        return model::TimescaleEdition::Timescale;
    return std::nullopt;
}

QString tslBuildDirectory()
{
    if (const QString overridden = qEnvironmentVariable("TICKSCOPE_TSL_DIR"); !overridden.isEmpty())
        return overridden;
    const QString cache = ::geteuid() == 0
        ? QStringLiteral("/var/cache/tickscope")
        : QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation)
            + QStringLiteral("/tickscope");
    return cache + QStringLiteral("/timescaledb-tsl");
}

std::expected<PgInstallation, QString> findPgInstallation(model::TimescaleEdition edition)
{
    if (edition == model::TimescaleEdition::Timescale) {
        const QString build = tslBuildDirectory();
        const PgInstallation found
            = newestWithTimescale(build + QStringLiteral("/usr/lib/postgresql"));
        if (found.majorVersion == 0)
            return std::unexpected(
                QStringLiteral("TimescaleDB's TSL edition is not built in %1: run "
                               "scripts/timescaledb-tsl from Tickscope's source (it builds it from "
                               "TimescaleDB's source tarball), or set TICKSCOPE_TSL_DIR")
                    .arg(build));
        return found;
    }
    const QString overridden = qEnvironmentVariable("TICKSCOPE_PG_BINDIR");
    if (!overridden.isEmpty()) {
        if (!QFileInfo(overridden + QStringLiteral("/initdb")).isExecutable())
            return std::unexpected(
                QStringLiteral("TICKSCOPE_PG_BINDIR=%1 holds no initdb").arg(overridden));
        return PgInstallation{overridden, 0};
    }
    const PgInstallation found = newestWithTimescale(QStringLiteral("/usr/lib/postgresql"));
    if (found.majorVersion == 0)
        return std::unexpected(QStringLiteral(
            "no PostgreSQL server with TimescaleDB found under /usr/lib/postgresql (install "
            "postgresql-17-timescaledb, run through scripts/devenv, or set TICKSCOPE_PG_BINDIR)"));
    return found;
}

} // namespace tickscope::ops
