// Runs the built tickscope executable (TICKSCOPE_BINARY, which each test target defines) as a
// person would, and keeps its exit code and what it printed. For tests of the command line.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

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

} // namespace tickscope::testing
