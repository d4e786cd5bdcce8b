#include "app/cli/progress_bar.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace tickscope::app::cli {

namespace {

constexpr int kWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

} // namespace

ProgressBar::ProgressBar()
    : m_terminal(::isatty(STDERR_FILENO) == 1)
{ }

ProgressBar::~ProgressBar()
{
    finish();
}

void ProgressBar::update(double fraction, const QString &detail)
{
    const auto now = std::chrono::steady_clock::now();
    if (!m_terminal || (m_drawn && now - m_lastDraw < kRedrawInterval))
        return;
    m_lastDraw = now;
    m_drawn = true;
    fraction = std::clamp(fraction, 0.0, 1.0);
    const int filled = static_cast<int>(fraction * kWidth);
    const QString bar = QString(filled, u'#') + QString(kWidth - filled, u'.');
    // \r and clear-to-end-of-line: the line is redrawn in place.
    std::fprintf(stderr, "\r\033[K%3d%% [%s] %s", static_cast<int>(fraction * 100), qPrintable(bar),
        qPrintable(detail));
    std::fflush(stderr);
}

void ProgressBar::finish()
{
    if (m_drawn)
        std::fprintf(stderr, "\r\033[K");
    m_drawn = false;
}

} // namespace tickscope::app::cli
