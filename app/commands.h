// The subcommands of the tickscope executable. Each takes argv as given and returns the exit code.
#pragma once

#include <QStringList>

namespace tickscope::app {

int runLocalDbCommand(const QStringList &arguments);
int runMigrateCommand(const QStringList &arguments);
int runIngestCommand(const QStringList &arguments);
int runReplayCommand(const QStringList &arguments);
int runSimCommand(const QStringList &arguments);
// The main job: the console, or the headless status line without a display.
int runMainJob(int &argc, char **argv, const QStringList &arguments);

} // namespace tickscope::app
