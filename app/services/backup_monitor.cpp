#include "app/services/backup_monitor.h"

#include "app/ops/backup_overview.h"
#include "app/services/backup_operations.h"
#include "app/services/client_identity.h"
#include "db/connection.h"

#include <QTimer>
#include <spdlog/spdlog.h>

namespace tickscope::app {

BackupMonitor::BackupMonitor(Config config)
    : m_config(std::move(config))
{
    qRegisterMetaType<model::BackupOverview>();
    qRegisterMetaType<model::BackupType>();
}

BackupMonitor::~BackupMonitor() = default;

void BackupMonitor::cancel()
{
    const std::scoped_lock lock{m_stopLock};
    m_stop.request_stop();
}

void BackupMonitor::start(const QString &conninfo, bool embedded, const QString &source)
{
    DatabaseTarget target{conninfo.toStdString(), embedded, source.toStdString()};
    auto operations = BackupOperations::forTarget(m_config, target, operatorIdentity());
    if (operations)
        m_operations = std::make_unique<BackupOperations>(std::move(*operations));
    else
        m_unavailable = operations.error();
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, &BackupMonitor::refresh);
        m_timer->start(kPollInterval);
    }
    refresh();
}

void BackupMonitor::refresh()
{
    model::BackupOverview overview;
    if (!m_operations) {
        overview.error = m_unavailable.toStdString();
        emit overviewChanged(overview);
        return;
    }
    try {
        auto connection = db::connect(m_operations->conninfo(), "backup monitor");
        overview = ops::readBackupOverview(m_operations->pgbackrest(), connection);
    } catch (const std::exception &error) {
        overview.error = error.what();
    }
    emit overviewChanged(overview);
}

void BackupMonitor::perform(
    const std::function<std::expected<QString, QString>(std::stop_token)> &action)
{
    if (!m_operations) {
        emit actionFinished(false, m_unavailable);
        return;
    }
    std::stop_token stop;
    {
        const std::scoped_lock lock{m_stopLock};
        m_stop = std::stop_source{};
        stop = m_stop.get_token();
    }
    const auto outcome = action(stop);
    emit actionFinished(outcome.has_value(), outcome ? *outcome : outcome.error());
    refresh();
}

void BackupMonitor::passProgress(double percent, const QString &line)
{
    // pgBackRest says a line per file: the page gets at most ten a second, and every line that
    // is not a file's progress (what happens next).
    const auto now = std::chrono::steady_clock::now();
    if (percent >= 0 && percent < 100 && now - m_lastProgress < kProgressInterval)
        return;
    m_lastProgress = now;
    emit progressed(percent, line);
}

void BackupMonitor::setup()
{
    perform([this](std::stop_token) {
        return m_operations->setup(
            [this](double percent, const QString &line) { passProgress(percent, line); });
    });
}

void BackupMonitor::runBackup(model::BackupType type)
{
    perform([this, type](std::stop_token stop) {
        return m_operations->backup(
            type, [this](double percent, const QString &line) { passProgress(percent, line); },
            stop);
    });
}

void BackupMonitor::verify()
{
    perform([this](std::stop_token) -> std::expected<QString, QString> {
        const auto report = m_operations->verify(m_operations->embedded(),
            [this](double percent, const QString &line) { passProgress(percent, line); });
        if (!report)
            return std::unexpected(report.error());
        if (report->backupLabel.isEmpty())
            return QStringLiteral("the repository is sound (pgBackRest verify)");
        return QStringLiteral("the repository is sound (pgBackRest verify); ")
            + ops::describe(*report);
    });
}

void BackupMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
}

} // namespace tickscope::app
