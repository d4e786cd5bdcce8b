// The Backups page: pgBackRest's backups (type, start and stop, sizes, WAL range), the WAL
// archiver's health, the recoverability window as a timeline with the data gaps laid over it,
// and buttons for setup, full, differential and incremental backups and verify (with the
// restore drill), each after a confirmation, with progress, a cancel for a running backup, and
// the result. Fed BackupOverview snapshots and the backup worker's progress; reads nothing.
#pragma once

#include "app/model/backup_status.h"
#include "ui/confirmation.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace tickscope::widgets {
class SpanTimeline;
class ValueTable;
} // namespace tickscope::widgets

namespace tickscope::ui {

class BackupsPage : public QWidget
{
    Q_OBJECT
public:
    explicit BackupsPage(QWidget *parent = nullptr);
    void setConfirmation(Confirmation confirmation) { m_confirm = std::move(confirmation); }

public slots:
    void showOverview(const tickscope::model::BackupOverview &overview);
    void showProgress(double percent, const QString &line);
    void showActionResult(bool succeeded, const QString &message);

signals:
    void setupRequested();
    void backupRequested(tickscope::model::BackupType type);
    void verifyRequested();
    void cancelRequested();

private:
    // Asks `question`; on yes, shows the page busy and runs `request`.
    void ask(const QString &question, const std::function<void()> &request, bool cancellable);
    void setBusy(bool busy, bool cancellable = false);

    QLabel *m_note;
    QLabel *m_archiver;
    QLabel *m_window;
    widgets::SpanTimeline *m_timeline;
    widgets::ValueTable *m_backups;
    widgets::ValueTable *m_gaps;
    QPushButton *m_setup;
    QList<QPushButton *> m_actions; // setup, full, diff, incr, verify
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_progressLine;
    QLabel *m_result;
    Confirmation m_confirm = askYesNo;
    bool m_busy = false;
};

} // namespace tickscope::ui
