// `tickscope --screenshot DIR`: waits until every feed has committed trades for a few seconds
// (or the database has been unreachable for 15 s, or a minute passed), then shows each page of the
// window in turn, lets it draw, and saves it as DIR/NN-page.png. For the README's pictures and for
// a person checking a build; the GUI tests use the same tour.
#pragma once

#include "app/model/database_status.h"
#include "app/model/feed_status.h"

#include <QDir>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace tickscope::ui {
class MainWindow;
}

namespace tickscope::app {

class ScreenshotTour : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kUnreachableFor{15};

    struct Options
    {
        QDir directory;
        std::chrono::milliseconds liveData{std::chrono::seconds(4)}; // of committed trades first
        std::chrono::milliseconds timeout{std::chrono::seconds(60)};
        std::chrono::milliseconds settle{std::chrono::milliseconds(800)}; // per page
    };

    ScreenshotTour(ui::MainWindow &window, int feeds, Options options);

    void start();
    // A feed's writer status: the tour starts once each feed committed rows long enough.
    void observeWriter(const tickscope::model::WriterStatus &status);
    // A database that stays unreachable (the monitor retries every few seconds) for
    // kUnreachableFor: the pages are taken as they are, the banner saying why.
    void observeDatabase(const tickscope::model::DatabaseStatus &status);

    const QStringList &saved() const { return m_saved; }

signals:
    // `complete`: every feed had data before the pictures were taken.
    void finished(bool complete, const QString &problem);

private:
    void beginPictures(bool complete, const QString &problem);
    void takeNext();

    ui::MainWindow &m_window;
    int m_feeds;
    Options m_options;
    QTimer m_deadline;
    std::map<std::string, std::chrono::steady_clock::time_point> m_firstCommit;
    std::optional<std::chrono::steady_clock::time_point> m_unreachableSince;
    QString m_databaseProblem; // the monitor's last failure, while it lasts
    bool m_taking = false;
    bool m_complete = false;
    QString m_problem;
    int m_next = 0;
    QStringList m_saved;
};

} // namespace tickscope::app
