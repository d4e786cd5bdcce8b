// The libpq handle of a libpqxx connection, lent for what libpqxx does not do (binary COPY in,
// COPY out row by row without parsing) and given back when it goes out of scope. Failures throw
// the libpqxx exception that matches the server's SQLSTATE, as libpqxx itself would.
#pragma once

#include <functional>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;

namespace tickscope::db {

class RawConnection
{
public:
    explicit RawConnection(pqxx::connection &owner);
    RawConnection(const RawConnection &) = delete;
    RawConnection &operator=(const RawConnection &) = delete;
    ~RawConnection();

    void exec(const std::string &sql);
    // The one row that `sql` returns, as text (nullopt for NULL); throws when it is not one row.
    std::vector<std::optional<std::string>> queryRow(const std::string &sql);
    // COPY ... FROM STDIN with `data` as its whole input.
    void copyIn(const std::string &sql, std::string_view data);
    // COPY ... TO STDOUT, each row (with its line end) handed to `row` as it arrives; returns
    // how many rows there were.
    std::int64_t copyOut(const std::string &sql, const std::function<void(std::string_view)> &row);

private:
    pqxx::connection &m_owner;
    pg_conn *m_raw;
};

} // namespace tickscope::db
