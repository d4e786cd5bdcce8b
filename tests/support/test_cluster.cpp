#include "tests/support/test_cluster.h"

#include "db/connection.h"

#include <QDir>
#include <QFile>
#include <QThread>
#include <chrono>
#include <csignal>
#include <format>
#include <pqxx/pqxx>
#include <signal.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace tickscope::testing {

namespace {

const QString kDirectoryPrefix = QStringLiteral("tickscope-test-");
volatile std::sig_atomic_t postmasterPid = 0;

// Immediate shutdown: the postmaster stops its backends at once; nothing of it is kept anyway.
void stopPostmaster(pid_t pid)
{
    if (pid <= 0 || ::kill(pid, SIGQUIT) != 0)
        return;
    for (int i = 0; i < 200 && ::kill(pid, 0) == 0; ++i)
        ::usleep(50'000);
}

void onFatalSignal(int signalNumber)
{
    stopPostmaster(static_cast<pid_t>(postmasterPid));
    std::signal(signalNumber, SIG_DFL);
    std::raise(signalNumber);
}

// The cluster's own directory inside the test's: init takes a new directory, and owner.pid is
// the test's, not the cluster's.
QString clusterDirectory(const QString &testDirectory)
{
    return testDirectory + QStringLiteral("/cluster");
}

qint64 postmasterOf(const QString &testDirectory)
{
    QFile pidFile{clusterDirectory(testDirectory) + QStringLiteral("/data/postmaster.pid")};
    return pidFile.open(QIODevice::ReadOnly) ? pidFile.readLine().trimmed().toLongLong() : 0;
}

// Removes clusters of test processes that no longer exist.
void removeAbandonedClusters()
{
    const QDir temp{QDir::tempPath()};
    for (const QString &entry :
        temp.entryList({kDirectoryPrefix + u'*'}, QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QString path = temp.filePath(entry);
        QFile owner{path + QStringLiteral("/owner.pid")};
        if (!owner.open(QIODevice::ReadOnly))
            continue;
        const auto ownerPid = static_cast<pid_t>(owner.readAll().trimmed().toLongLong());
        if (ownerPid <= 0 || ::kill(ownerPid, 0) == 0)
            continue;
        stopPostmaster(static_cast<pid_t>(postmasterOf(path)));
        QDir(path).removeRecursively();
    }
}

} // namespace

TestCluster &TestCluster::instance(model::TimescaleEdition edition)
{
    static const model::TimescaleEdition first = edition;
    if (edition != first)
        throw std::runtime_error(std::string("this test executable's cluster runs the ")
            + model::editionName(first) + " edition, not the " + model::editionName(edition));
    static auto cluster = std::make_unique<TestCluster>(kFastSettings, edition);
    return *cluster;
}

int TestCluster::freePort()
{
    const auto port = ops::freeLoopbackPort();
    if (!port)
        throw std::runtime_error("no free TCP port on 127.0.0.1");
    return *port;
}

int TestCluster::freePortRange(int count)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        const int first = freePort();
        bool allFree = first + count - 1 <= 65535;
        for (int port = first + 1; port < first + count && allFree; ++port)
            allFree = ops::loopbackPortIsFree(port);
        if (allFree)
            return first;
    }
    throw std::runtime_error(std::format("no {} consecutive free TCP ports on 127.0.0.1", count));
}

TestCluster::TestCluster(const QStringList &settings, model::TimescaleEdition edition)
    : m_directory(QDir::tempPath() + u'/' + kDirectoryPrefix + QStringLiteral("XXXXXX"))
{
    removeAbandonedClusters();
    if (!m_directory.isValid())
        throw std::runtime_error(
            "cannot create a temporary directory: " + m_directory.errorString().toStdString());
    QFile owner{m_directory.filePath(QStringLiteral("owner.pid"))};
    if (!owner.open(QIODevice::WriteOnly) || owner.write(QByteArray::number(::getpid())) < 0)
        throw std::runtime_error("cannot write " + owner.fileName().toStdString());
    owner.close();
    // The server's user (postgres, when the tests run as root) passes through to its cluster.
    QFile::setPermissions(m_directory.path(),
        QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);

    m_server = std::make_unique<ops::LocalServer>(clusterDirectory(m_directory.path()));
    // Another test executable may take the free port between the probe and the start; retry.
    for (int attempt = 1;; ++attempt) {
        m_port = freePort();
        if (!m_server->state().initialized) {
            if (auto made = m_server->init(m_port, settings, edition); !made)
                throw std::runtime_error(made.error().toStdString());
        }
        const auto started = m_server->start(m_port);
        if (started)
            break;
        if (attempt == 3)
            throw std::runtime_error(started.error().toStdString());
    }
    postmasterPid = static_cast<std::sig_atomic_t>(m_server->state().pid);
    for (int signalNumber : {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV})
        std::signal(signalNumber, onFatalSignal);
}

TestCluster::~TestCluster()
{
    stopPostmaster(static_cast<pid_t>(postmasterPid));
    postmasterPid = 0;
    // The last backends may still be leaving files behind for a moment after the postmaster.
    for (int attempt = 0; attempt < 20 && !m_directory.remove(); ++attempt)
        QThread::msleep(100);
}

void TestCluster::stopServer()
{
    if (auto stopped = m_server->stop(); !stopped)
        throw std::runtime_error(stopped.error().toStdString());
    postmasterPid = 0;
}

void TestCluster::startServer()
{
    if (auto started = m_server->start(); !started)
        throw std::runtime_error(started.error().toStdString());
    postmasterPid = static_cast<std::sig_atomic_t>(m_server->state().pid);
}

void TestCluster::killServer()
{
    const auto pid = static_cast<pid_t>(m_server->state().pid);
    if (pid <= 0 || ::kill(pid, SIGKILL) != 0)
        throw std::runtime_error("the test cluster's postmaster is not running");
    // The postmaster is gone at once; its children notice and exit within a moment.
    while (::kill(pid, 0) == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    postmasterPid = 0;
}

std::string TestCluster::conninfo(const std::string &database) const
{
    return m_server->conninfo(QString::fromStdString(database)).toStdString();
}

std::string TestCluster::createDatabase(const std::string &name)
{
    auto connection = db::connect(conninfo("postgres"), "test fixture");
    pqxx::nontransaction tx{connection};
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
    return conninfo(name);
}

} // namespace tickscope::testing
