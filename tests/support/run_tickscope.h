// Runs the built tickscope executable (TICKSCOPE_BINARY, which each test target defines) as a
// person would, and keeps its exit code and what it printed. For tests of the command line.
#pragma once

#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace tickscope::testing {

struct TickscopeRun
{
    int exitCode = -1; // -1: it crashed or was killed after 3 minutes
    QString out;
    QString err;
};

inline TickscopeRun runTickscope(const QStringList &arguments,
    const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(TICKSCOPE_BINARY), arguments);
    if (!process.waitForFinished(180'000))
        process.kill();
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
        QString::fromUtf8(process.readAllStandardOutput()),
        QString::fromUtf8(process.readAllStandardError())};
}

// A temporary directory for a test's own embedded database (one that the server's user may enter
// when the tests run as root), and the environment of tickscope runs that use it: no PG*
// variables, TICKSCOPE_LOCAL_DB_DIR = DIR/db, a config home of its own.
class EmbeddedSandbox
{
public:
    EmbeddedSandbox()
        : m_environment(QProcessEnvironment::systemEnvironment())
    {
        QFile::setPermissions(
            m_dir.path(), QFile::permissions(m_dir.path()) | QFile::ExeOther | QFile::ExeGroup);
        for (const QString &variable : m_environment.keys())
            if (variable.startsWith(QStringLiteral("PG")))
                m_environment.remove(variable);
        m_environment.insert(QStringLiteral("TICKSCOPE_LOCAL_DB_DIR"), databaseDirectory());
        m_environment.insert(QStringLiteral("XDG_CONFIG_HOME"), filePath(QStringLiteral("config")));
    }

    bool isValid() const { return m_dir.isValid(); }
    QString filePath(const QString &name) const { return m_dir.filePath(name); }
    QString databaseDirectory() const { return filePath(QStringLiteral("db")); }
    const QProcessEnvironment &environment() const { return m_environment; }
    TickscopeRun run(const QStringList &arguments) const
    {
        return runTickscope(arguments, m_environment);
    }

private:
    QTemporaryDir m_dir;
    QProcessEnvironment m_environment;
};

} // namespace tickscope::testing
