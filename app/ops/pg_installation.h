// Finds the PostgreSQL server programs (initdb, pg_ctl, postgres) of a version that has
// TimescaleDB installed, of either edition: Debian's package (Apache-2 edition, the default) or
// the TSL edition that scripts/timescaledb-tsl builds from TimescaleDB's source into a copy of
// PostgreSQL's tree. Used by the local database and by the integration-test fixture.
#pragma once

#include "app/model/server_capabilities.h"

#include <QString>
#include <expected>
#include <optional>

namespace tickscope::ops {

struct PgInstallation
{
    QString binDir; // holds initdb, pg_ctl, postgres
    int majorVersion = 0;

    QString program(const QString &name) const { return binDir + u'/' + name; }
};

// "apache" or "tsl", as `local-db init --edition` takes them.
QString editionOption(model::TimescaleEdition edition);
std::optional<model::TimescaleEdition> parseEditionOption(const QString &text);

// Where scripts/timescaledb-tsl puts the TSL build: $TICKSCOPE_TSL_DIR, else
// /var/cache/tickscope/timescaledb-tsl for root and ~/.cache/tickscope/timescaledb-tsl otherwise.
QString tslBuildDirectory();

// Apache: $TICKSCOPE_PG_BINDIR when set, otherwise the newest /usr/lib/postgresql/N whose lib
// directory holds timescaledb.so (Debian's layout). Timescale: the same layout under
// tslBuildDirectory().
std::expected<PgInstallation, QString> findPgInstallation(
    model::TimescaleEdition edition = model::TimescaleEdition::Apache);

} // namespace tickscope::ops
