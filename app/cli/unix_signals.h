// Turns SIGINT and SIGTERM into a clean QCoreApplication::quit() on the main thread, so that
// headless commands flush and stop their services instead of dying mid-write.
#pragma once

namespace tickscope::app {

void quitOnTerminationSignals();

} // namespace tickscope::app
