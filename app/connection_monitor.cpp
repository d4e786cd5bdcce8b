#include "app/connection_monitor.h"

#include "app/database_setup.h"
#include "app/ops/local_server.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"

#include <QTimer>
#include <pqxx/connection>
#include <spdlog/spdlog.h>

namespace tickscope::app {

ConnectionMonitor::ConnectionMonitor(DatabaseTarget target, std::vector<db::Migration> migrations)
    : m_target(std::move(target))
    , m_migrations(std::move(migrations))
{
    m_status.embedded = m_target.embedded;
    if (m_target.embedded)
        m_status.endpoint = ops::LocalServer::defaultDirectory().toStdString();
    m_status.latestSchemaVersion = m_migrations.empty() ? 0 : m_migrations.back().version;
}

ConnectionMonitor::~ConnectionMonitor() = default;

void ConnectionMonitor::start()
{
    m_timer = new QTimer(this);
    m_timer->setInterval(kPollInterval);
    connect(m_timer, &QTimer::timeout, this, &ConnectionMonitor::poll);
    m_timer->start();
    poll();
}

void ConnectionMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
    m_connection.reset();
    if (m_startedEmbeddedServer) {
        stopEmbeddedServer();
        m_startedEmbeddedServer = false;
    }
}

void ConnectionMonitor::publish(model::DatabaseStatus::State state, std::string message)
{
    m_status.state = state;
    m_status.message = std::move(message);
    m_status.checkedAt = std::chrono::system_clock::now();
    emit statusChanged(m_status);
}

void ConnectionMonitor::connectAndMigrate()
{
    std::string conninfo = m_target.conninfo;
    const Progress progress = [this](const std::string &line) {
        publish(model::DatabaseStatus::State::Connecting, line);
    };
    if (m_target.embedded) {
        auto server = startEmbeddedServer(progress);
        if (!server)
            throw std::runtime_error(server.error());
        m_startedEmbeddedServer = m_startedEmbeddedServer || server->startedHere;
        conninfo = server->conninfo;
    }
    auto connection = std::make_unique<pqxx::connection>(db::connect(conninfo, "console"));
    m_status.endpoint = db::describeEndpoint(*connection);
    const auto caps = db::probeCapabilities(*connection);
    spdlog::info("connected to {} as {}: {}", m_status.endpoint, db::describeRole(caps),
        db::describeCapabilities(caps));
    if (auto migrated = applyPendingMigrations(*connection, m_migrations,
            [this](const std::string &line) {
                publish(model::DatabaseStatus::State::Migrating, line);
            });
        !migrated)
        throw std::runtime_error(migrated.error());
    if (m_target.embedded) {
        // Migrated as the superuser; from here on the console reads and ingest appends, each
        // with a login role of its own.
        auto logins = embeddedLogins();
        if (!logins)
            throw std::runtime_error(logins.error());
        connection = std::make_unique<pqxx::connection>(db::connect(logins->reader, "console"));
        m_status.endpoint = db::describeEndpoint(*connection);
        conninfo = logins->ingest;
    }
    m_connection = std::move(connection);
    m_conninfo = conninfo;
}

void ConnectionMonitor::poll()
{
    try {
        if (!m_connection)
            connectAndMigrate();
        db::Migrator migrator{*m_connection, m_migrations};
        m_status.capabilities = db::probeCapabilities(*m_connection);
        m_status.roleDescription = db::describeRole(m_status.capabilities);
        m_status.schemaVersion = migrator.status().currentVersion();
        publish(model::DatabaseStatus::State::Ready, {});
        if (!m_announcedReady) {
            m_announcedReady = true;
            emit databaseReady(QString::fromStdString(m_conninfo));
        }
    } catch (const std::exception &error) {
        m_connection.reset();
        spdlog::warn("database: {}", error.what());
        publish(model::DatabaseStatus::State::Failed,
            std::string(error.what()) + " (retrying every " + std::to_string(kPollInterval.count())
                + " s)");
    }
}

} // namespace tickscope::app
