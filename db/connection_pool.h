// Connections to one database for work spread over threads (the query API's handlers): a thread
// borrows a connection, uses it alone and gives it back when the lease ends. Idle connections are
// kept for the next request, so a request pays for a query, not for a login; one that broke is
// dropped and the next lease opens a fresh one.
#pragma once

#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

class ConnectionPool
{
public:
    class Lease
    {
    public:
        Lease(ConnectionPool &pool, std::unique_ptr<pqxx::connection> connection);
        Lease(Lease &&) noexcept = default;
        Lease(const Lease &) = delete;
        Lease &operator=(const Lease &) = delete;
        Lease &operator=(Lease &&) = delete;
        ~Lease();

        pqxx::connection &operator*() { return *m_connection; }
        pqxx::connection *operator->() { return m_connection.get(); }

    private:
        ConnectionPool *m_pool;
        std::unique_ptr<pqxx::connection> m_connection;
    };

    // Opens nothing yet; `purpose` names the connections in pg_stat_activity, `sessionSetup`
    // (SQL, may be empty) runs once on each new connection.
    ConnectionPool(std::string conninfo, std::string purpose, std::string sessionSetup);

    // An idle connection, or a new one; pqxx::broken_connection with the reason when there is
    // none to be had.
    Lease acquire();
    // Drops the idle connections (after one broke: the server may have restarted under them all).
    void discardIdle();
    // Closes the idle connections for good; leased ones close when they come back.
    void closeIdle();

private:
    void giveBack(std::unique_ptr<pqxx::connection> connection);

    const std::string m_conninfo;
    const std::string m_purpose;
    const std::string m_sessionSetup;
    std::mutex m_mutex;
    std::vector<std::unique_ptr<pqxx::connection>> m_idle;
    bool m_closing = false;
};

} // namespace tickscope::db
