#include "db/raw_connection.h"

#include <format>
#include <libpq-fe.h>
#include <memory>
#include <pqxx/pqxx>
#include <xxhash.h>

namespace tickscope::db {

namespace {

[[noreturn]] void throwError(PGconn *connection, PGresult *result, const std::string &query)
{
    // Copied before PQclear frees the result that the field points into.
    const char *field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const std::string sqlstate = field ? field : "";
    const std::string message = PQerrorMessage(connection);
    if (result)
        PQclear(result);
    const char *state = sqlstate.empty() ? nullptr : sqlstate.c_str();
    if (PQstatus(connection) != CONNECTION_OK)
        throw pqxx::broken_connection(message);
    // SQLSTATE classes as libpqxx's own exception types, so that callers catch by type.
    if (sqlstate == "23505")
        throw pqxx::unique_violation(message, query, state);
    if (sqlstate == "23503")
        throw pqxx::foreign_key_violation(message, query, state);
    if (sqlstate == "23514")
        throw pqxx::check_violation(message, query, state);
    if (sqlstate == "23502")
        throw pqxx::not_null_violation(message, query, state);
    if (sqlstate.starts_with("23"))
        throw pqxx::integrity_constraint_violation(message, query, state);
    if (sqlstate.starts_with("22"))
        throw pqxx::data_exception(message, query, state);
    if (sqlstate == "42501")
        throw pqxx::insufficient_privilege(message, query, state);
    throw pqxx::sql_error(message, query, state);
}

// Reads the results that end a COPY; throws on the first that is not success.
void finishCopy(PGconn *connection, const std::string &sql)
{
    while (PGresult *end = PQgetResult(connection)) {
        if (PQresultStatus(end) != PGRES_COMMAND_OK)
            throwError(connection, end, sql);
        PQclear(end);
    }
}

} // namespace

RawConnection::RawConnection(pqxx::connection &owner)
    : m_owner(owner)
    , m_raw(std::move(owner).release_raw_connection())
{ }

RawConnection::~RawConnection()
{
    m_owner = pqxx::connection::seize_raw_connection(m_raw);
}

void RawConnection::exec(const std::string &sql)
{
    PGresult *result = PQexec(m_raw, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
        throwError(m_raw, result, sql);
    PQclear(result);
}

std::vector<std::optional<std::string>> RawConnection::queryRow(const std::string &sql)
{
    PGresult *result = PQexec(m_raw, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK)
        throwError(m_raw, result, sql);
    std::unique_ptr<PGresult, decltype(&PQclear)> owned{result, PQclear};
    if (PQntuples(result) != 1)
        throw pqxx::unexpected_rows(std::format("expected one row, got {}", PQntuples(result)));
    std::vector<std::optional<std::string>> row;
    for (int column = 0; column < PQnfields(result); ++column)
        row.push_back(PQgetisnull(result, 0, column)
                ? std::nullopt
                : std::optional<std::string>(PQgetvalue(result, 0, column)));
    return row;
}

CopyIn RawConnection::copyIn(std::string sql)
{
    PGresult *result = PQexec(m_raw, sql.c_str());
    if (PQresultStatus(result) != PGRES_COPY_IN)
        throwError(m_raw, result, sql);
    PQclear(result);
    return CopyIn{m_raw, std::move(sql)};
}

CopyIn::CopyIn(pg_conn *raw, std::string sql)
    : m_raw(raw)
    , m_sql(std::move(sql))
    , m_hash(XXH64_createState())
{
    if (!m_hash)
        throw std::bad_alloc();
    XXH64_reset(m_hash, 0);
    m_chunk.reserve(kChunkBytes + 4096);
}

CopyIn::~CopyIn()
{
    if (!m_finished) {
        // The server answers the failed COPY with an error, which ends it; the transaction is
        // the caller's to roll back.
        if (PQputCopyEnd(m_raw, "the client stopped sending rows") == 1)
            while (PGresult *end = PQgetResult(m_raw))
                PQclear(end);
    }
    XXH64_freeState(m_hash);
}

void CopyIn::send()
{
    XXH64_update(m_hash, m_chunk.data(), m_chunk.size());
    if (PQputCopyData(m_raw, m_chunk.data(), static_cast<int>(m_chunk.size())) != 1)
        throwError(m_raw, nullptr, m_sql);
    m_chunk.clear();
}

std::int64_t CopyIn::finish()
{
    send();
    m_finished = true;
    if (PQputCopyEnd(m_raw, nullptr) != 1)
        throwError(m_raw, nullptr, m_sql);
    finishCopy(m_raw, m_sql);
    return static_cast<std::int64_t>(XXH64_digest(m_hash));
}

std::int64_t RawConnection::copyOut(
    const std::string &sql, const std::function<void(std::string_view)> &row)
{
    PGresult *result = PQexec(m_raw, sql.c_str());
    if (PQresultStatus(result) != PGRES_COPY_OUT)
        throwError(m_raw, result, sql);
    PQclear(result);
    std::int64_t rows = 0;
    char *buffer = nullptr;
    int length = 0;
    while ((length = PQgetCopyData(m_raw, &buffer, 0)) > 0) {
        // Freed even when `row` throws (a full disk), before the error goes up.
        std::unique_ptr<char, decltype(&PQfreemem)> owned{buffer, PQfreemem};
        row(std::string_view(buffer, static_cast<std::size_t>(length)));
        ++rows;
    }
    if (length == -2)
        throwError(m_raw, nullptr, sql);
    finishCopy(m_raw, sql);
    return rows;
}

} // namespace tickscope::db
