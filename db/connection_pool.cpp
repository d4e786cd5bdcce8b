#include "db/connection_pool.h"

#include "db/connection.h"

#include <pqxx/except>
#include <pqxx/nontransaction>

namespace tickscope::db {

ConnectionPool::Lease::Lease(ConnectionPool &pool, std::unique_ptr<pqxx::connection> connection)
    : m_pool(&pool)
    , m_connection(std::move(connection))
{ }

ConnectionPool::Lease::~Lease()
{
    if (m_connection)
        m_pool->giveBack(std::move(m_connection));
}

ConnectionPool::ConnectionPool(std::string conninfo, std::string purpose, std::string sessionSetup)
    : m_conninfo(std::move(conninfo))
    , m_purpose(std::move(purpose))
    , m_sessionSetup(std::move(sessionSetup))
{ }

ConnectionPool::Lease ConnectionPool::acquire()
{
    {
        std::lock_guard lock{m_mutex};
        if (!m_idle.empty()) {
            auto connection = std::move(m_idle.back());
            m_idle.pop_back();
            return Lease{*this, std::move(connection)};
        }
    }
    try {
        auto connection = std::make_unique<pqxx::connection>(connect(m_conninfo, m_purpose));
        if (!m_sessionSetup.empty())
            pqxx::nontransaction{*connection}.exec(m_sessionSetup);
        return Lease{*this, std::move(connection)};
    } catch (const pqxx::broken_connection &) {
        throw;
    } catch (const std::exception &error) {
        // One kind of failure for "no connection", whether it broke or never came up.
        throw pqxx::broken_connection{error.what()};
    }
}

void ConnectionPool::discardIdle()
{
    std::vector<std::unique_ptr<pqxx::connection>> discarded;
    std::lock_guard lock{m_mutex};
    discarded.swap(m_idle);
}

void ConnectionPool::closeIdle()
{
    std::vector<std::unique_ptr<pqxx::connection>> closing;
    {
        std::lock_guard lock{m_mutex};
        m_closing = true;
        closing.swap(m_idle);
    }
}

void ConnectionPool::giveBack(std::unique_ptr<pqxx::connection> connection)
{
    std::lock_guard lock{m_mutex};
    // A connection that broke mid-request is not handed out again.
    if (!m_closing && connection->is_open())
        m_idle.push_back(std::move(connection));
}

} // namespace tickscope::db
