// The console's backup worker, on a thread of its own (a backup or a restore drill runs for
// minutes, and must not hold up the monitors): reads the backup overview on a timer and after
// each action, and carries out the Backups page's actions - setup, a full, differential or
// incremental backup, verify with the restore drill - through BackupOperations, which audits
// them. Progress comes back as a percentage and a line; a running backup can be cancelled.
#pragma once

#include "app/config/config.h"
#include "app/model/backup_status.h"

#include <QObject>
#include <QString>
#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>

class QTimer;

namespace tickscope::app {

class BackupOperations;

class BackupMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kPollInterval{60};

    explicit BackupMonitor(Config config);
    ~BackupMonitor() override;

    // Thread-safe: asks the running backup to stop (pgBackRest keeps what it copied for the
    // next one to resume).
    void cancel();

public slots:
    // Starts reading the overview of the database at `conninfo` (the operator's login);
    // `embedded` says it is the embedded cluster, `source` how it was chosen.
    void start(const QString &conninfo, bool embedded, const QString &source);
    void refresh();
    void setup();
    void runBackup(tickscope::model::BackupType type);
    void verify();
    void shutdown();

signals:
    void overviewChanged(const tickscope::model::BackupOverview &overview);
    void progressed(double percent, const QString &line);
    void actionFinished(bool succeeded, const QString &message);

private:
    static constexpr std::chrono::milliseconds kProgressInterval{100};

    // Passes progress on to the page, coalesced.
    void passProgress(double percent, const QString &line);
    // Runs one action with a fresh stop source, then reports and refreshes.
    void perform(const std::function<std::expected<QString, QString>(std::stop_token)> &action);

    Config m_config;
    std::unique_ptr<BackupOperations> m_operations;
    QString m_unavailable; // why there are no operations, for the page
    QTimer *m_timer = nullptr;
    std::mutex m_stopLock; // m_stop is replaced here and requested from the GUI thread
    std::stop_source m_stop;
    std::chrono::steady_clock::time_point m_lastProgress;
};

} // namespace tickscope::app
