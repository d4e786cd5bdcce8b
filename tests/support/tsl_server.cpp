#include "tests/support/tsl_server.h"

#include "tests/support/test_cluster.h"

#include <QDeadlineTimer>
#include <csignal>
#include <stdexcept>
#include <sys/prctl.h>

namespace tickscope::testing {

namespace {

constexpr int kStartTimeoutMs = 120'000;

} // namespace

TslServer::TslServer(const QString &fixtureDirectory)
    : m_port(TestCluster::freePort())
{
    m_node.setProcessChannelMode(QProcess::MergedChannels);
    // A test that crashes cannot stop the server: the kernel does, when the test process dies
    // (each server holds half a GiB).
    m_node.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_node.setWorkingDirectory(fixtureDirectory);
    m_node.start(
        QStringLiteral("node"), {QStringLiteral("tsl_server.mjs"), QString::number(m_port)});
    QByteArray output;
    const QDeadlineTimer deadline{kStartTimeoutMs};
    while (!output.contains("ready ")) {
        if (!m_node.waitForReadyRead(static_cast<int>(deadline.remainingTime()))
            || deadline.hasExpired())
            throw std::runtime_error("the TSL fixture did not start: " + output.toStdString()
                + m_node.errorString().toStdString());
        output += m_node.readAll();
    }
}

TslServer::~TslServer()
{
    m_node.terminate();
    if (!m_node.waitForFinished(10'000))
        m_node.kill();
    m_node.waitForFinished();
}

std::string TslServer::conninfo() const
{
    // PGlite checks no password, but libpq must send one.
    return "host=127.0.0.1 port=" + std::to_string(m_port)
        + " dbname=postgres user=postgres password=x sslmode=disable";
}

} // namespace tickscope::testing
