// Finds the PostgreSQL server programs (initdb, pg_ctl, postgres) of a version that has
// TimescaleDB installed. Used by the local database and by the integration-test fixture.
#pragma once

#include <QString>
#include <expected>

namespace tickscope::ops {

struct PgInstallation
{
    QString binDir; // holds initdb, pg_ctl, postgres
    int majorVersion = 0;

    QString program(const QString &name) const { return binDir + u'/' + name; }
};

// $TICKSCOPE_PG_BINDIR when set; otherwise the newest /usr/lib/postgresql/N whose lib directory
// holds timescaledb.so (Debian's layout).
std::expected<PgInstallation, QString> findPgInstallation();

} // namespace tickscope::ops
