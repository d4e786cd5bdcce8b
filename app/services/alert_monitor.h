// The alert monitor, on the monitor thread: fed the snapshots the other monitors and the ingest
// service already emit (replication, which also tells whether the server answers, backups,
// storage, feeds, writers), it judges them
// by the configured rules (ops::AlertRules), runs the alert engine, and sends what fires and
// resolves to its sinks: the log, audit.alerts (the history the console's panel shows), and an
// optional webhook (HTTP POST of JSON). Acknowledgements from the panel are stored and audited.
#pragma once

#include "app/model/alert.h"
#include "app/model/backup_status.h"
#include "app/model/feed_status.h"
#include "app/model/replication_status.h"
#include "app/model/storage_status.h"
#include "app/ops/alert_engine.h"
#include "app/ops/alert_rules.h"

#include <QNetworkReply>
#include <QObject>
#include <QString>
#include <QUrl>
#include <memory>
#include <optional>
#include <vector>

class QNetworkAccessManager;

namespace pqxx {
class connection;
}

namespace tickscope::app {

class AlertMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr int kHistoryRows = 200;

    AlertMonitor(model::AlertSettings settings, std::chrono::seconds backupEvery);
    ~AlertMonitor() override;

public slots:
    // Keeps the history in the database at `conninfo` (the operator's login) from now on.
    void start(const QString &conninfo);
    void observeReplication(const tickscope::model::ReplicationStatus &status);
    void observeBackups(const tickscope::model::BackupOverview &overview);
    void observeStorage(const tickscope::model::StorageStatus &status);
    void observeFeed(const tickscope::model::FeedStatus &status);
    void observeWriter(const tickscope::model::WriterStatus &status);
    void acknowledge(const QString &rule, const QString &subject, const QString &note);
    void shutdown();

signals:
    // The active alerts (critical first) and the newest of the history, after every change.
    void alertsChanged(const std::vector<tickscope::model::Alert> &active,
        const std::vector<tickscope::model::Alert> &history);
    void acknowledged(bool succeeded, const QString &message);

private:
    void apply(const ops::RuleVerdicts &verdicts);
    void sendWebhook(const model::Alert &alert, bool resolved);
    pqxx::connection *history();
    void publish();

    model::AlertSettings m_settings;
    ops::AlertRules m_rules;
    ops::AlertEngine m_engine;
    bool m_standby = false; // the server in recovery: a standby's rules
    std::optional<model::Alert::Time> m_watchedStart; // the server's start time when first seen
    std::string m_conninfo;
    std::unique_ptr<pqxx::connection> m_connection;
    QNetworkAccessManager *m_network = nullptr;
};

// How a failed webhook call is logged: the scheme, host and port, and the HTTP status or Qt's
// kind of error; never the path or query, which often hold the webhook's secret.
std::string describeWebhookFailure(
    const QUrl &url, int httpStatus, QNetworkReply::NetworkError error);

} // namespace tickscope::app
