// The libpq handle of a libpqxx connection, lent for what libpqxx does not do (binary COPY in,
// COPY out row by row without parsing) and given back when it goes out of scope. Failures throw
// the libpqxx exception that matches the server's SQLSTATE, as libpqxx itself would.
// CopyIn is one COPY ... FROM STDIN in progress on it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct XXH64_state_s;

namespace tickscope::db {

// Rows appended to rows() go to the server a chunk at a time as they are encoded, so that it
// stores one chunk while the caller encodes the next and the client holds at most a chunk.
// finish() ends the COPY, throws what the server refused and returns the XXH64 of every byte
// sent; one left unfinished (an exception while encoding) is ended as failed, and the caller's
// transaction rolls back.
class CopyIn
{
public:
    CopyIn(const CopyIn &) = delete;
    CopyIn &operator=(const CopyIn &) = delete;
    ~CopyIn();

    std::string &rows() { return m_chunk; }
    // Call after each row: sends the chunk once it is full.
    void rowEnded()
    {
        if (m_chunk.size() >= kChunkBytes)
            send();
    }
    std::int64_t finish();

private:
    friend class RawConnection;
    static constexpr std::size_t kChunkBytes = 256 * 1024;

    CopyIn(pg_conn *raw, std::string sql);
    void send();

    pg_conn *m_raw;
    std::string m_sql;
    std::string m_chunk;
    XXH64_state_s *m_hash;
    bool m_finished = false;
};

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
    // Starts `sql`, a COPY ... FROM STDIN; nothing else may use the connection until it ends.
    CopyIn copyIn(std::string sql);
    // COPY ... TO STDOUT, each row (with its line end) handed to `row` as it arrives; returns
    // how many rows there were.
    std::int64_t copyOut(const std::string &sql, const std::function<void(std::string_view)> &row);

private:
    pqxx::connection &m_owner;
    pg_conn *m_raw;
};

} // namespace tickscope::db
