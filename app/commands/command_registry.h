// The subcommands of the tickscope executable, in one table: main() dispatches through it and the
// console command's --help lists it, so a new command is one file and one row. Each command takes
// argv as given (in a QCoreApplication that main() made) and returns the exit code.
#pragma once

#include <QString>
#include <QStringList>
#include <vector>

namespace tickscope::app {

struct Command
{
    QString name; // what follows `tickscope`: "local-db"
    QString summary; // one line for the console command's --help
    int (*run)(const QStringList &arguments);
};

const std::vector<Command> &commands();
// Nullptr when no command has that name.
const Command *findCommand(const QString &name);
// "  local-db   create, start, ...\n  migrate ..." for --help.
QString commandSummaries();

// Without a command: the console, or the headless status line without a display. It makes its
// own application object (QApplication or QCoreApplication), hence argc and argv.
int runConsoleCommand(int &argc, char **argv, const QStringList &arguments);

} // namespace tickscope::app
