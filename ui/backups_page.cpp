#include "ui/backups_page.h"

#include "ui/format.h"
#include "widgets/span_timeline.h"
#include "widgets/value_table.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace tickscope::ui {

using Tone = widgets::ValueTable::Tone;

BackupsPage::BackupsPage(QWidget *parent)
    : QWidget(parent)
    , m_note(new QLabel(this))
    , m_archiver(new QLabel(this))
    , m_window(new QLabel(this))
    , m_timeline(new widgets::SpanTimeline(this))
    , m_backups(new widgets::ValueTable({tr("Backup"), tr("Type"), tr("Started (UTC)"),
          tr("Stopped (UTC)"), tr("Database"), tr("Added"), tr("WAL"), tr("State")}))
    , m_gaps(new widgets::ValueTable({tr("From (UTC)"), tr("To (UTC)"), tr("Exchange"),
          tr("Symbol"), tr("Kind"), tr("State")}))
    , m_setup(new QPushButton(tr("Set up…")))
    , m_cancel(new QPushButton(tr("Cancel")))
    , m_progress(new QProgressBar(this))
    , m_progressLine(new QLabel(this))
    , m_result(new QLabel(this))
{
    m_note->setObjectName(QStringLiteral("note"));
    m_archiver->setObjectName(QStringLiteral("archiver"));
    m_window->setObjectName(QStringLiteral("window"));
    m_timeline->setObjectName(QStringLiteral("timeline"));
    m_backups->setObjectName(QStringLiteral("backups"));
    m_gaps->setObjectName(QStringLiteral("gaps"));
    m_setup->setObjectName(QStringLiteral("setup"));
    m_cancel->setObjectName(QStringLiteral("cancel"));
    m_result->setObjectName(QStringLiteral("result"));
    for (QLabel *label : {m_note, m_archiver, m_window, m_progressLine, m_result})
        label->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A drill's result runs to three lines; the tables above would squeeze it to one.
    m_result->setMinimumHeight(fontMetrics().lineSpacing() * 3);
    m_progress->setRange(0, 1000);
    m_progress->hide();
    m_cancel->setEnabled(false);

    auto *full = new QPushButton(tr("Full backup…"));
    auto *diff = new QPushButton(tr("Differential…"));
    auto *incr = new QPushButton(tr("Incremental…"));
    auto *verify = new QPushButton(tr("Verify…"));
    full->setObjectName(QStringLiteral("full"));
    diff->setObjectName(QStringLiteral("diff"));
    incr->setObjectName(QStringLiteral("incr"));
    verify->setObjectName(QStringLiteral("verify"));
    m_actions = {m_setup, full, diff, incr, verify};

    auto *buttons = new QHBoxLayout;
    for (QPushButton *button : m_actions)
        buttons->addWidget(button);
    buttons->addStretch(1);
    buttons->addWidget(m_cancel);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Backups</h2>"), this));
    layout->addWidget(m_note);
    layout->addWidget(m_archiver);
    layout->addWidget(m_window);
    layout->addWidget(m_timeline);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_backups);
    split->addWidget(m_gaps);
    layout->addWidget(split, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_progress);
    layout->addWidget(m_progressLine);
    layout->addWidget(m_result);

    connect(m_setup, &QPushButton::clicked, this, [this] {
        ask(
            tr("Set up backups: a pgBackRest repository and WAL archiving? The embedded "
               "database restarts once when archiving is turned on."),
            [this] { emit setupRequested(); }, false);
    });
    const auto backupButton
        = [this](QPushButton *button, model::BackupType type, const QString &question) {
              connect(button, &QPushButton::clicked, this, [this, type, question] {
                  ask(question, [this, type] { emit backupRequested(type); }, true);
              });
          };
    backupButton(full, model::BackupType::Full,
        tr("Take a full backup now? It copies the whole database and runs beside ingest."));
    backupButton(diff, model::BackupType::Differential,
        tr("Take a differential backup now (what changed since the last full one)?"));
    backupButton(incr, model::BackupType::Incremental,
        tr("Take an incremental backup now (what changed since the last backup)?"));
    connect(verify, &QPushButton::clicked, this, [this] {
        ask(
            tr("Verify the repository and run a restore drill? The latest backup is restored "
               "into a scratch cluster beside the database, compared with it and removed; it "
               "needs as much free disk as the database."),
            [this] { emit verifyRequested(); }, false);
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_progressLine->setText(tr("Cancelling…"));
        emit cancelRequested();
    });
}

void BackupsPage::ask(
    const QString &question, const std::function<void()> &request, bool cancellable)
{
    if (m_busy || !m_confirm(this, question))
        return;
    setBusy(true, cancellable);
    m_result->clear();
    request();
}

void BackupsPage::setBusy(bool busy, bool cancellable)
{
    m_busy = busy;
    for (QPushButton *button : m_actions)
        button->setEnabled(!busy);
    m_cancel->setEnabled(busy && cancellable);
    m_progress->setVisible(busy);
    m_progress->setValue(0);
    m_progressLine->setText(busy ? tr("Working…") : QString());
}

void BackupsPage::showProgress(double percent, const QString &line)
{
    if (percent >= 0)
        m_progress->setValue(static_cast<int>(percent * 10));
    m_progressLine->setText(line);
}

void BackupsPage::showActionResult(bool succeeded, const QString &message)
{
    setBusy(false);
    m_result->setText((succeeded ? tr("Done: %1") : tr("Failed: %1")).arg(message));
}

void BackupsPage::showOverview(const model::BackupOverview &overview)
{
    const auto &inventory = overview.inventory;
    m_note->setText(overview.error.empty()
            ? tr("Stanza %1: %2.")
                  .arg(QString::fromStdString(inventory.stanza),
                      QString::fromStdString(inventory.status))
            : tr("Backups cannot be listed: %1").arg(QString::fromStdString(overview.error)));

    const auto &archiver = overview.archiver;
    m_archiver->setText(!archiver.archiving
            ? tr("<b>WAL archiving is off</b>: nothing after the newest backup can be restored. "
                 "Set up turns it on.")
            : archiver.failing()
            ? tr("<b>WAL archiving is failing</b> since %1 UTC (%2); %3 segment(s) waiting. See "
                 "the server log.")
                  .arg(format::unixTime(archiver.lastFailedAtUnix),
                      QString::fromStdString(archiver.lastFailedWal))
                  .arg(archiver.readySegments)
            : tr("WAL archiver: %1 segment(s) archived, the last at %2 UTC; %3 failure(s); %4 "
                 "waiting.")
                  .arg(archiver.archivedCount)
                  .arg(format::unixTime(archiver.lastArchivedAtUnix))
                  .arg(archiver.failedCount)
                  .arg(archiver.readySegments));

    const auto &window = overview.window;
    std::vector<widgets::SpanTimeline::Span> spans;
    std::vector<widgets::ValueTable::Row> gaps;
    for (const auto &gap : window.gaps) {
        const QString what
            = tr("%1 %2: %3 gap, %4")
                  .arg(QString::fromStdString(gap.exchange), QString::fromStdString(gap.symbol),
                      QString::fromStdString(gap.kind), QString::fromStdString(gap.status));
        spans.push_back({gap.fromUnixMicros / 1000, gap.toUnixMicros / 1000, what});
        gaps.push_back(
            {{format::microsTime(gap.fromUnixMicros), format::microsTime(gap.toUnixMicros),
                 QString::fromStdString(gap.exchange), QString::fromStdString(gap.symbol),
                 QString::fromStdString(gap.kind), QString::fromStdString(gap.status)},
                gap.status == "backfilled" ? Tone::Good : Tone::Warning, {}});
    }
    m_gaps->setRows(gaps);
    if (window.fromUnix && window.toUnix) {
        m_window->setText(
            tr("A restore reaches any instant from %1 to %2 UTC; it is whole except inside the "
               "%n data gap(s) marked below.",
                nullptr, static_cast<int>(window.gaps.size()))
                .arg(format::unixTime(window.fromUnix), format::unixTime(window.toUnix)));
        m_timeline->setRange(*window.fromUnix * 1000, *window.toUnix * 1000, std::move(spans));
    } else {
        m_window->setText(tr("Nothing can be restored yet: there is no sound backup."));
        m_timeline->clear(tr("no backup"));
    }

    std::vector<widgets::ValueTable::Row> rows;
    for (const auto &backup : inventory.backups)
        rows.push_back(
            {{QString::fromStdString(backup.label),
                 QString::fromLatin1(model::backupTypeName(backup.type)),
                 format::unixTime(backup.startedAtUnix), format::unixTime(backup.stoppedAtUnix),
                 format::bytes(backup.databaseBytes), format::bytes(backup.repositoryBytes),
                 QStringLiteral("%1 .. %2")
                     .arg(QString::fromStdString(backup.walStart),
                         QString::fromStdString(backup.walStop)),
                 backup.error ? tr("page checksum errors") : tr("sound")},
                backup.error ? Tone::Bad : Tone::Good,
                backup.error ? tr("pgBackRest found pages whose checksum did not match while it "
                                  "copied them: the database itself may be damaged.")
                             : QString()});
    m_backups->setRows(rows);
    if (!m_busy) {
        const bool listed = overview.error.empty();
        for (QPushButton *button : m_actions.mid(1))
            button->setEnabled(listed);
        m_actions.back()->setEnabled(listed && !inventory.backups.empty());
    }
}

} // namespace tickscope::ui
