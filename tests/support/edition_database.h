// One migrated database on the TimescaleDB edition that a test target is built for, so that one
// test source runs on both: the Apache edition in the test cluster (label integration), or the
// TSL edition in PGlite when the target defines TICKSCOPE_TSL_FIXTURE (label tsl). PGlite has a
// single database and takes one connection at a time: tests keep their data apart themselves
// and close a connection before they open the next.
#pragma once

#include "tests/support/schema_fixture.h"
#ifdef TICKSCOPE_TSL_FIXTURE
#include "tests/support/tsl_server.h"
#endif

#include <memory>
#include <string>

namespace tickscope::testing {

class EditionDatabase
{
public:
    // Throws std::runtime_error when the server cannot be started or migrated.
    explicit EditionDatabase([[maybe_unused]] const std::string &name)
    {
#ifdef TICKSCOPE_TSL_FIXTURE
        m_server = std::make_unique<TslServer>(QStringLiteral(TICKSCOPE_TSL_FIXTURE));
        m_conninfo = m_server->conninfo();
        migrate(m_conninfo);
#else
        m_conninfo = migratedDatabase(name);
#endif
    }

    const std::string &conninfo() const { return m_conninfo; }

    static constexpr bool tsl()
    {
#ifdef TICKSCOPE_TSL_FIXTURE
        return true;
#else
        return false;
#endif
    }

private:
#ifdef TICKSCOPE_TSL_FIXTURE
    std::unique_ptr<TslServer> m_server;
#endif
    std::string m_conninfo;
};

} // namespace tickscope::testing
