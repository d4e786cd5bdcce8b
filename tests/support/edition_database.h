// One migrated database on the TimescaleDB edition that a test target is built for, so that one
// test source runs on both: the Apache edition (Debian's package; label integration), or the TSL
// edition when the target defines TICKSCOPE_TSL_TIER (label tsl): TimescaleDB built from its
// source by scripts/timescaledb-tsl, a real server with its background workers.
#pragma once

#include "app/ops/pg_installation.h"
#include "tests/support/schema_fixture.h"

#include <optional>
#include <string>

namespace tickscope::testing {

class EditionDatabase
{
public:
    static constexpr model::TimescaleEdition kEdition =
#ifdef TICKSCOPE_TSL_TIER
        model::TimescaleEdition::Timescale;
#else
        model::TimescaleEdition::Apache;
#endif

    static constexpr bool tsl() { return kEdition == model::TimescaleEdition::Timescale; }

    // Why this tier cannot run here (the TSL build is missing), for QSKIP in initTestCase;
    // ctest reports the test as skipped. Under CI=true the tier must run: never a reason then,
    // and the constructor fails with what is missing.
    static std::optional<std::string> unavailable()
    {
        if (!tsl() || qEnvironmentVariable("CI") == u"true")
            return std::nullopt;
        if (const auto found = ops::findPgInstallation(kEdition); !found)
            return "TSL tier skipped: " + found.error().toStdString();
        return std::nullopt;
    }

    // Throws std::runtime_error when the server cannot be started or migrated.
    explicit EditionDatabase(const std::string &name)
        : m_conninfo(migratedDatabase(name, kEdition))
    { }

    const std::string &conninfo() const { return m_conninfo; }

private:
    std::string m_conninfo;
};

} // namespace tickscope::testing
