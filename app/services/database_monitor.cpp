#include "app/services/database_monitor.h"

#include "app/ops/local_server.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"

#include <QTimer>
#include <pqxx/connection>
#include <spdlog/spdlog.h>

namespace tickscope::app {

DatabaseMonitor::DatabaseMonitor(
    DatabaseTarget target, std::vector<db::Migration> migrations, model::StoragePolicy policy)
    : m_target(std::move(target))
    , m_policy(std::move(policy))
    , m_migrations(std::move(migrations))
{
    m_status.embedded = m_target.embedded;
    if (m_target.embedded)
        m_status.endpoint = ops::LocalServer::defaultDirectory().toStdString();
    m_status.latestSchemaVersion = m_migrations.empty() ? 0 : m_migrations.back().version;
}

DatabaseMonitor::~DatabaseMonitor() = default;

void DatabaseMonitor::start()
{
    m_timer = new QTimer(this);
    m_timer->setInterval(kPollInterval);
    connect(m_timer, &QTimer::timeout, this, &DatabaseMonitor::poll);
    m_timer->start();
    poll();
}

void DatabaseMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
    m_connection.reset();
    m_session.reset();
    if (m_startedServer) {
        stopEmbeddedServer();
        m_startedServer = false;
    }
}

void DatabaseMonitor::publish(model::DatabaseStatus::State state, std::string message)
{
    m_status.state = state;
    m_status.message = std::move(message);
    m_status.checkedAt = std::chrono::system_clock::now();
    emit statusChanged(m_status);
}

void DatabaseMonitor::connectAndMigrate()
{
    // The session is opened once (the embedded server started, the schema migrated) and kept
    // until shutdown; a lost connection is only connected again.
    if (!m_session) {
        // The server it starts stays up across failed attempts, and is stopped at shutdown.
        auto session = DatabaseSession::open(m_target,
            {.purpose = "console",
                .progress =
                    [this](const std::string &line) {
                        publish(line.starts_with("applying")
                                ? model::DatabaseStatus::State::Migrating
                                : model::DatabaseStatus::State::Connecting,
                            line);
                    },
                .startedServer = &m_startedServer,
                .embeddedPolicy = m_policy});
        if (!session)
            throw std::runtime_error(session.error());
        m_session = std::move(*session);
        m_session->closeConnection();
    }
    m_connection
        = std::make_unique<pqxx::connection>(db::connect(m_session->readerConninfo(), "console"));
    m_status.endpoint = db::describeEndpoint(*m_connection);
    const auto caps = db::probeCapabilities(*m_connection);
    spdlog::info("connected to {} as {}: {}", m_status.endpoint, db::describeRole(caps),
        db::describeCapabilities(caps));
}

void DatabaseMonitor::retryNow()
{
    if (m_timer)
        m_timer->start(); // the next poll a whole interval after this one
    poll();
}

void DatabaseMonitor::poll()
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
            emit databaseReady(QString::fromStdString(m_session->ingestConninfo()),
                QString::fromStdString(m_session->operatorConninfo()),
                QString::fromStdString(m_session->readerConninfo()));
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
