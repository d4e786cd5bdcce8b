// The TSL edition for tests: PGlite with TimescaleDB (license "timescale") served by node on a
// free loopback port. One connection at a time, and no background workers: open a connection
// only after closing the previous one, and run policies' jobs by hand.
#pragma once

#include <QProcess>
#include <QString>
#include <string>

namespace tickscope::testing {

class TslServer
{
public:
    // Starts node on `fixtureDirectory`/tsl_server.mjs; throws std::runtime_error when it does
    // not come up.
    explicit TslServer(const QString &fixtureDirectory);
    ~TslServer();
    TslServer(const TslServer &) = delete;
    TslServer &operator=(const TslServer &) = delete;

    std::string conninfo() const;

private:
    QProcess m_node;
    int m_port = 0;
};

} // namespace tickscope::testing
