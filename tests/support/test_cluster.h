// A throwaway PostgreSQL + TimescaleDB cluster for integration tests: initdb in a temporary
// directory, a free loopback port (never 5432), TimescaleDB preloaded, fsync off. One per test
// executable, created on first use and removed at exit - also when a test fails, and on
// SIGINT/SIGTERM/abort. Clusters left by a test that was killed outright (SIGKILL) are removed
// by the next test that starts.
#pragma once

#include "app/ops/local_server.h"

#include <QTemporaryDir>
#include <memory>
#include <string>

namespace tickscope::testing {

class TestCluster
{
public:
    // Settings of the shared test cluster: durability is of no use to a throwaway cluster.
    static inline const QStringList kFastSettings{QStringLiteral("fsync = off"),
        QStringLiteral("synchronous_commit = off"), QStringLiteral("full_page_writes = off")};

    // The cluster of this test executable, made with kFastSettings on `edition`'s TimescaleDB
    // on first use (one edition per executable). Throws std::runtime_error when the cluster
    // cannot be made, or when asked for the other edition.
    static TestCluster &instance(model::TimescaleEdition edition = model::TimescaleEdition::Apache);

    // A cluster of its own with these postgresql.conf lines (benchmarks: durable settings).
    explicit TestCluster(const QStringList &settings,
        model::TimescaleEdition edition = model::TimescaleEdition::Apache);

    ~TestCluster();
    TestCluster(const TestCluster &) = delete;
    TestCluster &operator=(const TestCluster &) = delete;

    // Drops `name` if it exists and creates it empty; returns the superuser's conninfo to it.
    std::string createDatabase(const std::string &name);
    std::string conninfo(const std::string &database) const;
    int port() const { return m_port; }

    // Stops and restarts the server, for tests of what happens while the database is away.
    void stopServer();
    void startServer();
    // SIGKILL to the postmaster, as a crash or the OOM killer would; startServer() then runs
    // crash recovery.
    void killServer();

    // A free TCP port on 127.0.0.1 (never 5432).
    static int freePort();
    // The first of `count` consecutive free TCP ports on 127.0.0.1.
    static int freePortRange(int count);

private:
    QTemporaryDir m_directory;
    std::unique_ptr<ops::LocalServer> m_server;
    int m_port = 0;
};

} // namespace tickscope::testing
