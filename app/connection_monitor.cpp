#include "app/connection_monitor.h"

#include "app/client_identity.h"
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
        ops::LocalServer server{ops::LocalServer::defaultDirectory()};
        if (auto stopped = server.stop(); !stopped)
            spdlog::error(
                "stopping the embedded database failed: {}", stopped.error().toStdString());
        else
            spdlog::info("embedded database stopped");
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
    if (m_target.embedded) {
        ops::LocalServer server{ops::LocalServer::defaultDirectory()};
        m_status.endpoint = server.directory().toStdString();
        if (!server.state().initialized) {
            publish(model::DatabaseStatus::State::Connecting,
                "creating the embedded database in " + server.directory().toStdString());
            if (auto made = server.init(ops::LocalServer::kDefaultPort); !made)
                throw std::runtime_error(made.error().toStdString());
        }
        auto started = server.start();
        if (!started)
            throw std::runtime_error(started.error().toStdString());
        m_startedEmbeddedServer = m_startedEmbeddedServer || *started;
        conninfo = server.conninfo().toStdString();
    }
    auto connection = std::make_unique<pqxx::connection>(db::connect(conninfo, "console"));
    m_status.endpoint = db::describeEndpoint(*connection);
    const auto caps = db::probeCapabilities(*connection);
    spdlog::info("connected to {} as {}: {}", m_status.endpoint, db::describeRole(caps),
        db::describeCapabilities(caps));

    db::Migrator migrator{*connection, m_migrations};
    if (!migrator.status().pending.empty()) {
        publish(model::DatabaseStatus::State::Migrating, "applying schema migrations");
        const auto migrated = migrator.migrate(
            {.client = clientIdentity(), .progress = [](const std::string &line) {
                 spdlog::info("migrate: {}", line);
             }});
        if (!migrated)
            throw std::runtime_error(migrated.error());
    }
    m_connection = std::move(connection);
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
    } catch (const std::exception &error) {
        m_connection.reset();
        spdlog::warn("database: {}", error.what());
        publish(model::DatabaseStatus::State::Failed,
            std::string(error.what()) + " (retrying every " + std::to_string(kPollInterval.count())
                + " s)");
    }
}

} // namespace tickscope::app
