// A one-line progress bar on stderr for long commands (export, backups): drawn only when stderr
// is a terminal, at most ten times a second, and replaced by a newline when done. Elsewhere (a
// pipe, a log, CI) it prints nothing, and the command's own summary line says what happened.
#pragma once

#include <QString>
#include <chrono>

namespace tickscope::app::cli {

class ProgressBar
{
public:
    ProgressBar();
    ~ProgressBar();
    ProgressBar(const ProgressBar &) = delete;
    ProgressBar &operator=(const ProgressBar &) = delete;

    // `fraction` of the work done (0..1), and what to show after the bar.
    void update(double fraction, const QString &detail);
    void finish();

private:
    bool m_terminal = false;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_lastDraw;
};

} // namespace tickscope::app::cli
