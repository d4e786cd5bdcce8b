#include "app/console/screenshot_tour.h"

#include "ui/main_window.h"

#include <QRegularExpression>

namespace tickscope::app {

ScreenshotTour::ScreenshotTour(ui::MainWindow &window, int feeds, Options options)
    : m_window(window)
    , m_feeds(feeds)
    , m_options(std::move(options))
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        beginPictures(false,
            m_databaseProblem.isEmpty()
                ? tr("not every feed committed trades within %1 s")
                      .arg(std::chrono::duration_cast<std::chrono::seconds>(m_options.timeout)
                              .count())
                : tr("the database could not be reached: %1").arg(m_databaseProblem));
    });
}

void ScreenshotTour::start()
{
    m_deadline.start(m_options.timeout);
}

void ScreenshotTour::observeWriter(const model::WriterStatus &status)
{
    if (m_taking || status.rowsCommitted == 0)
        return;
    const auto now = std::chrono::steady_clock::now();
    m_firstCommit.try_emplace(status.feed, now);
    if (static_cast<int>(m_firstCommit.size()) < m_feeds)
        return;
    for (const auto &[feed, first] : m_firstCommit) {
        if (now - first < m_options.liveData)
            return;
    }
    beginPictures(true, {});
}

void ScreenshotTour::observeDatabase(const model::DatabaseStatus &status)
{
    if (status.state != model::DatabaseStatus::State::Failed) {
        m_unreachableSince.reset();
        m_databaseProblem.clear();
        return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!m_unreachableSince)
        m_unreachableSince = now;
    m_databaseProblem = QString::fromStdString(status.message);
    if (now - *m_unreachableSince >= kUnreachableFor)
        beginPictures(false, tr("the database could not be reached: %1").arg(m_databaseProblem));
}

void ScreenshotTour::beginPictures(bool complete, const QString &problem)
{
    if (m_taking)
        return;
    m_taking = true;
    m_complete = complete;
    m_problem = problem;
    m_deadline.stop();
    takeNext();
}

void ScreenshotTour::takeNext()
{
    const QStringList titles = m_window.pageTitles();
    if (m_next > 0) {
        // The page shown since the last step has drawn: save it.
        static const QRegularExpression kNotInName(QStringLiteral("[^a-z0-9]+"));
        const QString name
            = QStringLiteral("%1-%2.png")
                  .arg(m_next, 2, 10, QLatin1Char('0'))
                  .arg(titles[m_next - 1].toLower().replace(kNotInName, QStringLiteral("-")));
        const QString path = m_options.directory.filePath(name);
        if (!m_window.grab().save(path)) {
            emit finished(false, tr("cannot write %1").arg(path));
            return;
        }
        m_saved << path;
    }
    if (m_next == titles.size()) {
        emit finished(m_complete, m_problem);
        return;
    }
    m_window.showPage(m_next++);
    QTimer::singleShot(m_options.settle, this, &ScreenshotTour::takeNext);
}

} // namespace tickscope::app
