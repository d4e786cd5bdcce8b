#include "app/services/storage_monitor.h"

#include "app/services/client_identity.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "db/operator_actions.h"
#include "db/policy_manager.h"
#include "db/storage_queries.h"

#include <QTimer>
#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace tickscope::app {

StorageMonitor::StorageMonitor(model::StoragePolicy policy, std::vector<db::Migration> migrations)
    : m_policy(std::move(policy))
    , m_migrations(std::move(migrations))
{
    qRegisterMetaType<model::StorageStatus>();
    qRegisterMetaType<model::SchemaStatus>();
}

StorageMonitor::~StorageMonitor() = default;

void StorageMonitor::start(const QString &conninfo)
{
    m_conninfo = conninfo.toStdString();
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, &StorageMonitor::refresh);
        m_timer->start(kPollInterval);
    }
    refresh();
}

pqxx::connection &StorageMonitor::connection()
{
    if (!m_connection || !m_connection->is_open())
        m_connection
            = std::make_unique<pqxx::connection>(db::connect(m_conninfo, "console storage"));
    return *m_connection;
}

void StorageMonitor::refresh()
{
    if (m_conninfo.empty())
        return;
    model::StorageStatus storage;
    model::SchemaStatus schema;
    try {
        storage = db::readStorageStatus(connection(), m_policy);
        db::Migrator migrator{connection(), m_migrations};
        const auto status = migrator.status();
        for (const auto &applied : status.applied)
            schema.migrations.push_back(
                {applied.version, applied.name, applied.appliedAt, applied.appliedBy});
        for (const auto &pending : status.pending)
            schema.migrations.push_back({pending.version, pending.name, {}, {}});
        schema.conflicts = status.conflicts;
        // The policies need the schema they manage.
        if (status.pending.empty() && status.conflicts.empty())
            schema.policies = db::PolicyManager{connection()}.compare(m_policy);
    } catch (const std::exception &error) {
        m_connection.reset();
        spdlog::warn("storage monitor: {}", error.what());
        storage.error = schema.error = error.what();
    }
    emit storageStatusChanged(storage);
    emit schemaStatusChanged(schema);
}

void StorageMonitor::applyMigrations()
{
    try {
        db::Migrator migrator{connection(), m_migrations};
        const auto report
            = migrator.migrate({.client = clientIdentity(), .progress = [this](const auto &line) {
                                    emit actionProgress(QString::fromStdString(line));
                                }});
        if (!report)
            throw std::runtime_error(report.error());
        pqxx::work tx{connection()};
        db::recordAction(tx, operatorIdentity(), "migrate", "schema",
            {{"from", std::to_string(report->versionBefore)},
                {"to", std::to_string(report->versionAfter)}},
            db::ActionOutcome::Succeeded);
        tx.commit();
        emit actionFinished(true,
            QString::fromStdString(std::format("schema migrated from version {} to {}",
                report->versionBefore, report->versionAfter)));
    } catch (const std::exception &error) {
        m_connection.reset();
        emit actionFinished(false, QString::fromUtf8(error.what()));
    }
    refresh();
}

void StorageMonitor::applyPolicies()
{
    try {
        const auto report
            = db::PolicyManager{connection()}.apply(m_policy, operatorIdentity(), false);
        std::string message = std::format("{} policy setting(s) changed", report.changed.size());
        for (const auto &failure : report.failures)
            message += "; FAILED " + failure;
        emit actionFinished(report.failures.empty(), QString::fromStdString(message));
    } catch (const std::exception &error) {
        m_connection.reset();
        emit actionFinished(false, QString::fromUtf8(error.what()));
    }
    refresh();
}

void StorageMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
    m_connection.reset();
}

} // namespace tickscope::app
