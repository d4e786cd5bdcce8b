#include "app/services/alert_monitor.h"

#include "app/services/client_identity.h"
#include "db/alert_store.h"
#include "db/connection.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimeZone>
#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

QString isoTime(model::Alert::Time time)
{
    return QDateTime::fromMSecsSinceEpoch(
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count(),
        QTimeZone::UTC)
        .toString(Qt::ISODateWithMs);
}

} // namespace

AlertMonitor::AlertMonitor(model::AlertSettings settings, std::chrono::seconds backupEvery)
    : m_settings(std::move(settings))
    , m_rules(m_settings, backupEvery)
    , m_engine(m_settings.rules)
{
    qRegisterMetaType<std::vector<model::Alert>>();
}

AlertMonitor::~AlertMonitor() = default;

void AlertMonitor::start(const QString &conninfo)
{
    m_conninfo = conninfo.toStdString();
    publish();
}

pqxx::connection *AlertMonitor::history()
{
    if (m_conninfo.empty())
        return nullptr;
    try {
        if (!m_connection || !m_connection->is_open())
            m_connection
                = std::make_unique<pqxx::connection>(db::connect(m_conninfo, "alert monitor"));
        return m_connection.get();
    } catch (const std::exception &error) {
        m_connection.reset();
        spdlog::warn("alert history unavailable: {}", error.what());
        return nullptr;
    }
}

void AlertMonitor::observeReplication(const model::ReplicationStatus &status)
{
    if (status.error.empty()) {
        m_standby = status.inRecovery;
        if (!m_watchedStart)
            m_watchedStart = status.serverStartedAt;
    }
    apply(m_rules.replication(status, m_watchedStart.value_or(status.serverStartedAt)));
}

void AlertMonitor::observeBackups(const model::BackupOverview &overview)
{
    apply(m_rules.backups(overview, m_standby, std::chrono::system_clock::now()));
}

void AlertMonitor::observeStorage(const model::StorageStatus &status)
{
    apply(m_rules.storage(status));
}

void AlertMonitor::observeFeed(const model::FeedStatus &status)
{
    apply(m_rules.feed(status, std::chrono::system_clock::now()));
}

void AlertMonitor::observeWriter(const model::WriterStatus &status)
{
    apply(m_rules.writer(status, std::chrono::system_clock::now()));
}

void AlertMonitor::apply(const ops::RuleVerdicts &verdicts)
{
    const auto changes
        = m_engine.evaluate(verdicts.rules, verdicts.conditions, std::chrono::system_clock::now());
    if (changes.empty())
        return;
    pqxx::connection *store = history();
    for (const auto &alert : changes.fired) {
        if (alert.severity == model::AlertSeverity::Critical)
            spdlog::error("ALERT {} {}: {}", alert.rule, alert.subject, alert.message);
        else
            spdlog::warn("alert {} {}: {}", alert.rule, alert.subject, alert.message);
        if (store) {
            try {
                db::recordFired(*store, alert);
            } catch (const std::exception &error) {
                spdlog::warn("alert not stored in audit.alerts: {}", error.what());
            }
        }
        sendWebhook(alert, false);
    }
    for (const auto &alert : changes.resolved) {
        spdlog::info("alert resolved {} {}", alert.rule, alert.subject);
        if (store) {
            try {
                db::recordResolved(*store, alert);
            } catch (const std::exception &error) {
                spdlog::warn("alert resolution not stored in audit.alerts: {}", error.what());
            }
        }
        sendWebhook(alert, true);
    }
    publish();
}

void AlertMonitor::publish()
{
    std::vector<model::Alert> recent;
    if (pqxx::connection *store = history()) {
        try {
            recent = db::recentAlerts(*store, kHistoryRows);
        } catch (const std::exception &error) {
            spdlog::warn("alert history not read: {}", error.what());
        }
    }
    emit alertsChanged(m_engine.active(), recent);
}

std::string describeWebhookFailure(
    const QUrl &url, int httpStatus, QNetworkReply::NetworkError error)
{
    // A webhook's path and query are often its secret (a chat service's token): only the
    // scheme, host and port are told, never Qt's error text, which repeats the whole URL.
    const QString where = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery
                                 | QUrl::RemoveFragment)
                              .toString();
    const char *key = QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(error);
    const std::string_view kind = key ? key : "unknown error";
    return httpStatus > 0
        ? std::format("{} answered HTTP {} ({})", where.toStdString(), httpStatus, kind)
        : std::format("{} could not be reached ({})", where.toStdString(), kind);
}

void AlertMonitor::sendWebhook(const model::Alert &alert, bool resolved)
{
    if (m_settings.webhook.empty())
        return;
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    QJsonObject body{{QStringLiteral("source"), QStringLiteral("tickscope")},
        {QStringLiteral("state"), resolved ? QStringLiteral("resolved") : QStringLiteral("firing")},
        {QStringLiteral("rule"), QString::fromStdString(alert.rule)},
        {QStringLiteral("subject"), QString::fromStdString(alert.subject)},
        {QStringLiteral("severity"), QLatin1String(model::severityName(alert.severity))},
        {QStringLiteral("message"), QString::fromStdString(alert.message)},
        {QStringLiteral("first_seen"), isoTime(alert.firstSeen)}};
    if (alert.resolvedAt)
        body.insert(QStringLiteral("resolved_at"), isoTime(*alert.resolvedAt));
    QNetworkRequest request{QUrl{QString::fromStdString(m_settings.webhook)}};
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setTransferTimeout(10'000);
    QNetworkReply *reply
        = m_network->post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, reply, [reply] {
        if (reply->error() != QNetworkReply::NoError)
            spdlog::warn("alert webhook failed: {}",
                describeWebhookFailure(reply->url(),
                    reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                    reply->error()));
        reply->deleteLater();
    });
}

void AlertMonitor::acknowledge(const QString &rule, const QString &subject, const QString &note)
{
    const auto active = m_engine.active();
    const auto found = std::ranges::find_if(active, [&](const model::Alert &alert) {
        return alert.rule == rule.toStdString() && alert.subject == subject.toStdString();
    });
    if (found == active.end()) {
        emit acknowledged(false, tr("the alert is no longer active"));
        return;
    }
    const db::Operator by = operatorIdentity();
    bool stored = false;
    if (pqxx::connection *store = history()) {
        try {
            stored = db::acknowledgeAlert(*store, by, note.toStdString(), *found);
        } catch (const std::exception &error) {
            emit acknowledged(false, QString::fromUtf8(error.what()));
            return;
        }
    }
    if (!stored) {
        emit acknowledged(false, tr("the alert history is not available; nothing was recorded"));
        return;
    }
    m_engine.acknowledge(
        found->rule, found->subject, by.osUser + '@' + by.host, note.toStdString());
    emit acknowledged(true, tr("acknowledged %1").arg(rule));
    publish();
}

void AlertMonitor::shutdown()
{
    m_connection.reset();
}

} // namespace tickscope::app
