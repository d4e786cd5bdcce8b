#include "app/services/query_api.h"

#include "app/analytics/bar_builder.h"
#include "app/cli/cli.h"
#include "app/model/wall_clock.h"
#include "app/services/http_endpoint.h"
#include "db/connection_pool.h"
#include "db/gap_queries.h"
#include "db/ohlcv_queries.h"
#include "db/trade_queries.h"

#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonObject>
#include <QUrlQuery>
#include <QtConcurrent/QtConcurrentRun>
#include <chrono>
#include <format>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

using Status = QHttpServerResponse::StatusCode;
using Query = std::function<QJsonObject(pqxx::connection &)>;

constexpr std::int64_t kSecondNs = 1'000'000'000;
// Bars built from trades read every trade of the range: a week of them at most per request.
constexpr std::int64_t kMaxTradeRangeNs = 7 * 86'400 * kSecondNs;
constexpr std::int64_t kDefaultCompletenessWindowNs = 86'400 * kSecondNs;

// A request the client got wrong (400), or one about something the database does not hold (404).
struct RequestError : std::runtime_error
{
    RequestError(Status status, const std::string &message)
        : std::runtime_error(message)
        , status(status)
    { }
    Status status;
};

RequestError badParameter(const std::string &message)
{
    return {Status::BadRequest, message};
}

// The query string of one request, read by name; names the route does not take are refused, so
// that a misspelt filter never silently widens the answer.
class Parameters
{
public:
    Parameters(QUrlQuery query, const std::vector<const char *> &known)
        : m_query(std::move(query))
    {
        for (const char *name : known)
            m_known << QString::fromLatin1(name);
        for (const auto &[name, value] : m_query.queryItems(QUrl::FullyDecoded)) {
            if (!m_known.contains(name))
                throw badParameter(std::format("unknown parameter '{}'; this route takes {}",
                    name.toStdString(), m_known.join(QStringLiteral(", ")).toStdString()));
        }
    }

    std::optional<std::string> text(const char *name) const
    {
        const QString key = QString::fromLatin1(name);
        if (!m_query.hasQueryItem(key))
            return std::nullopt;
        const QString value = m_query.queryItemValue(key, QUrl::FullyDecoded);
        if (value.isEmpty())
            throw badParameter(std::format("{} is empty", name));
        return value.toStdString();
    }

    std::string required(const char *name) const
    {
        auto value = text(name);
        if (!value)
            throw badParameter(std::format("give {}", name));
        return *value;
    }

    std::optional<std::int64_t> time(const char *name) const
    {
        const auto value = text(name);
        if (!value)
            return std::nullopt;
        const auto ns = cli::parseTime(QString::fromStdString(*value));
        if (!ns)
            throw badParameter(std::format("{} {}", name, ns.error().toStdString()));
        return *ns;
    }

    int integer(const char *name, int min, int max, int fallback) const
    {
        const auto value = text(name);
        if (!value)
            return fallback;
        bool ok = false;
        const int number = QString::fromStdString(*value).toInt(&ok);
        if (!ok || number < min || number > max)
            throw badParameter(std::format(
                "{} must be a whole number from {} to {}, not '{}'", name, min, max, *value));
        return number;
    }

    // [from, to): `to` defaults to now, `from` to `defaultSpan` before it when given, else it
    // must be there; from must come first. Both lie within parseTime's years, so `to - from`
    // cannot wrap.
    std::pair<std::int64_t, std::int64_t> range(
        std::optional<std::int64_t> defaultSpan = std::nullopt) const
    {
        const std::int64_t to = time("to").value_or(model::wallClockNs());
        const auto from = time("from");
        if (!from && !defaultSpan)
            throw badParameter("give from");
        const std::int64_t start = from.value_or(to - defaultSpan.value_or(0));
        if (start >= to)
            throw badParameter("from must be before to");
        return {start, to};
    }

private:
    QUrlQuery m_query;
    QStringList m_known;
};

QString isoTime(std::int64_t ns)
{
    using namespace std::chrono;
    return QString::fromStdString(
        std::format("{:%FT%TZ}", sys_time<microseconds>(microseconds(ns / 1000))));
}

QJsonValue optionalTime(const std::optional<std::int64_t> &ns)
{
    return ns ? QJsonValue(isoTime(*ns)) : QJsonValue();
}

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

QJsonObject tradeJson(const model::Trade &trade)
{
    return {{QStringLiteral("time"), isoTime(trade.exchangeTimeNs)},
        {QStringLiteral("received_at"), isoTime(trade.receivedAtNs)},
        {QStringLiteral("trade_id"),
            trade.hasNumericId() ? QString::number(trade.tradeId) : text(trade.tradeRef)},
        {QStringLiteral("price"), text(trade.price.toString())},
        {QStringLiteral("size"), text(trade.size.toString())},
        {QStringLiteral("side"),
            QString::fromLatin1(trade.side == model::Side::Buy ? "buy"
                    : trade.side == model::Side::Sell          ? "sell"
                                                               : "unknown")}};
}

QJsonObject barJson(const analytics::Bar &bar)
{
    return {{QStringLiteral("open_time"), isoTime(bar.openTimeNs)},
        {QStringLiteral("close_time"), isoTime(bar.closeTimeNs)},
        {QStringLiteral("open"), text(bar.open.toString())},
        {QStringLiteral("high"), text(bar.high.toString())},
        {QStringLiteral("low"), text(bar.low.toString())},
        {QStringLiteral("close"), text(bar.close.toString())},
        {QStringLiteral("volume"), text(bar.volume.toString())},
        {QStringLiteral("notional"), text(bar.notional.toString())},
        {QStringLiteral("vwap"), bar.vwap()},
        {QStringLiteral("buy_volume"), text(bar.buyVolume.toString())},
        {QStringLiteral("sell_volume"), text(bar.sellVolume.toString())},
        {QStringLiteral("trades"), static_cast<qint64>(bar.trades)},
        {QStringLiteral("spans_gap"), bar.spansGap}};
}

int instrument(pqxx::connection &connection, const std::string &exchange, const std::string &symbol)
{
    const auto id = db::findInstrument(connection, exchange, symbol);
    if (!id)
        throw RequestError(Status::NotFound,
            std::format("the database holds no instrument {} of exchange {}", symbol, exchange));
    return *id;
}

// Up to kMaxRows bars of `spec` from the instrument's trades in [from, to), flagged by its gaps;
// `truncated` says whether there were more.
QJsonObject barsFromTrades(pqxx::connection &connection, int id, const analytics::BarSpec &spec,
    std::int64_t from, std::int64_t to)
{
    analytics::BarBuilder builder{spec};
    std::vector<analytics::Bar> bars;
    bool truncated = false;
    const auto keep = [&](std::optional<analytics::Bar> bar) {
        if (!bar)
            return;
        if (bars.size() < QueryApi::kMaxRows)
            bars.push_back(std::move(*bar));
        else
            truncated = true;
    };
    db::forEachTrade(connection, id, from, to, [&](const model::Trade &trade) {
        keep(builder.add(trade));
        return !truncated;
    });
    if (!truncated)
        keep(builder.finish());
    analytics::flagGaps(bars, db::gapsInRange(connection, id, from, to));
    QJsonArray rows;
    for (const auto &bar : bars)
        rows.append(barJson(bar));
    return {{QStringLiteral("bars"), rows}, {QStringLiteral("truncated"), truncated}};
}

void checkTradeRange(std::int64_t from, std::int64_t to)
{
    if (to - from > kMaxTradeRangeNs)
        throw badParameter("bars built from trades cover at most 7 days per request; narrow "
                           "from..to (or use `tickscope bars` for longer ranges)");
}

QJsonObject latest(pqxx::connection &connection, const std::optional<std::string> &exchange,
    const std::optional<std::string> &symbol)
{
    QJsonArray trades;
    for (const auto &entry : db::latestTrades(connection, exchange, symbol)) {
        QJsonObject trade = tradeJson(entry.trade);
        trade.insert(QStringLiteral("exchange"), text(entry.exchange));
        trade.insert(QStringLiteral("symbol"), text(entry.symbol));
        trades.append(trade);
    }
    if (trades.isEmpty() && symbol)
        throw RequestError(Status::NotFound,
            std::format("no trade of {}{} is stored", *symbol,
                exchange ? " on " + *exchange : std::string()));
    return {{QStringLiteral("trades"), trades}};
}

// A statement the server cancelled: its timeout, or a client that left. (libpqxx 7.10 has no
// type for SQLSTATE 57014 and may leave sqlstate() empty: the server's message tells.)
bool wasCancelled(const pqxx::sql_error &error)
{
    return error.sqlstate() == "57014"
        || std::string_view(error.what()).find("canceling statement due to") != std::string::npos;
}

QHttpServerResponse busy(const QString &message)
{
    QHttpServerResponse response = HttpEndpoint::error(Status::ServiceUnavailable, message);
    QHttpHeaders headers = response.headers();
    headers.append(QHttpHeaders::WellKnownHeader::RetryAfter, "1");
    response.setHeaders(std::move(headers));
    return response;
}

// The query's answer on a kept connection, or the error a client can act on. What the database
// said goes to the log: it names hosts, users and internals that are no business of a client.
QHttpServerResponse answer(db::ConnectionPool &pool, const Query &query,
    QueryApi::RunningQuery &running, std::chrono::milliseconds timeout)
{
    const auto run = [&](db::ConnectionPool::Lease &connection) {
        {
            std::lock_guard lock{running.mutex};
            if (running.cancelled)
                throw RequestError(Status::ServiceUnavailable, "the client left");
            running.backendPid = connection->backendpid();
        }
        QJsonObject result = query(*connection);
        std::lock_guard lock{running.mutex};
        running.backendPid = 0;
        return QHttpServerResponse(result);
    };
    try {
        try {
            auto connection = pool.acquire();
            return run(connection);
        } catch (const pqxx::broken_connection &) {
            // Kept connections die with a restarted server: once more with a fresh one.
            pool.discardIdle();
            auto connection = pool.acquire();
            return run(connection);
        }
    } catch (const RequestError &error) {
        return HttpEndpoint::error(error.status, QString::fromUtf8(error.what()));
    } catch (const pqxx::broken_connection &error) {
        spdlog::warn("query api: {}", error.what());
        return busy(QStringLiteral("the database cannot be reached now; try again shortly"));
    } catch (const pqxx::sql_error &error) {
        if (wasCancelled(error)) {
            spdlog::warn("query api: cancelled: {}", error.what());
            return busy(QStringLiteral("the query took longer than the API allows (%1 s) or its "
                                       "client left; narrow the request")
                    .arg(static_cast<double>(timeout.count()) / 1000));
        }
        spdlog::error("query api: {}", error.what());
        return HttpEndpoint::error(Status::InternalServerError,
            QStringLiteral("the query failed; the server's log says why"));
    } catch (const std::exception &error) {
        spdlog::error("query api: {}", error.what());
        return HttpEndpoint::error(Status::InternalServerError,
            QStringLiteral("the query failed; the server's log says why"));
    }
}

} // namespace

QueryApi::QueryApi(const HttpSettings &settings)
    : m_queryTimeout(settings.queryTimeout)
    , m_maxQueries(settings.maxQueries)
{
    // Queries wait on the server more than they compute: a few more threads than cores.
    m_threads.setMaxThreadCount(std::max(4, QThread::idealThreadCount() * 2));
    m_threads.setObjectName(QStringLiteral("query-api"));
    m_cancels.setMaxThreadCount(1);
    m_cancels.setObjectName(QStringLiteral("query-api-cancel"));
}

QueryApi::~QueryApi()
{
    m_threads.waitForDone();
    m_cancels.waitForDone();
    if (auto pool = connections())
        pool->closeIdle();
}

void QueryApi::setDatabase(const std::string &readerConninfo)
{
    // Read-only sessions with a time limit: a slow or hostile request cannot hold the server.
    auto pool = std::make_shared<db::ConnectionPool>(readerConninfo, "query api",
        std::format("SET default_transaction_read_only = on; SET statement_timeout = {}",
            m_queryTimeout.count()));
    std::lock_guard lock{m_mutex};
    m_connections = std::move(pool);
}

std::shared_ptr<db::ConnectionPool> QueryApi::connections() const
{
    std::lock_guard lock{m_mutex};
    return m_connections;
}

void QueryApi::cancel(const Client &client)
{
    std::shared_ptr<RunningQuery> running;
    {
        std::lock_guard lock{m_mutex};
        const auto it = m_running.find(client);
        if (it == m_running.end())
            return;
        running = it->second;
    }
    // Off the endpoint's thread: cancelling takes a round trip to the server.
    m_cancels.start([running, pool = connections()] {
        std::lock_guard lock{running->mutex};
        running->cancelled = true;
        if (running->backendPid == 0 || !pool)
            return;
        try {
            auto connection = pool->acquire();
            pqxx::nontransaction{*connection}.exec(
                "SELECT pg_cancel_backend($1)", pqxx::params{running->backendPid});
        } catch (const std::exception &error) {
            spdlog::warn(
                "query api: cannot cancel the query of a client that left: {}", error.what());
        }
    });
}

void QueryApi::serveOn(HttpEndpoint &endpoint)
{
    endpoint.whenClientLeaves(
        [this](const QHostAddress &address, quint16 port) { cancel({address.toString(), port}); });
    // Each route reads its parameters on the endpoint's thread (a bad one never costs a
    // connection) and returns the query that a pool thread runs.
    const auto route = [&](const char *path, std::vector<const char *> known,
                           std::function<Query(const Parameters &)> prepare) {
        endpoint.get(QString::fromLatin1(path),
            [this, known = std::move(known), prepare = std::move(prepare)](
                const QHttpServerRequest &request) -> QFuture<QHttpServerResponse> {
                Query query;
                try {
                    const Parameters parameters{request.query(), known};
                    query = prepare(parameters);
                } catch (const RequestError &error) {
                    return HttpEndpoint::ready(
                        HttpEndpoint::error(error.status, QString::fromUtf8(error.what())));
                }
                auto pool = connections();
                if (!pool)
                    return HttpEndpoint::ready(
                        busy(QStringLiteral("the database is not ready yet")));
                if (m_queries.fetch_add(1) >= m_maxQueries) {
                    --m_queries;
                    return HttpEndpoint::ready(
                        busy(QStringLiteral("%1 queries are running or waiting; try again shortly")
                                .arg(m_maxQueries)));
                }
                const Client client{request.remoteAddress().toString(), request.remotePort()};
                auto running = std::make_shared<RunningQuery>();
                {
                    std::lock_guard lock{m_mutex};
                    m_running[client] = running;
                }
                return QtConcurrent::run(
                    &m_threads, [this, pool, client, running, query = std::move(query)] {
                        QHttpServerResponse response
                            = answer(*pool, query, *running, m_queryTimeout);
                        {
                            std::lock_guard lock{m_mutex};
                            if (const auto it = m_running.find(client);
                                it != m_running.end() && it->second == running)
                                m_running.erase(it);
                        }
                        --m_queries;
                        return response;
                    });
            });
    };

    route("/api/v1/latest", {"exchange", "symbol"}, [](const Parameters &parameters) -> Query {
        auto exchange = parameters.text("exchange");
        auto symbol = parameters.text("symbol");
        return [exchange, symbol](pqxx::connection &connection) {
            return latest(connection, exchange, symbol);
        };
    });

    route("/api/v1/trades", {"exchange", "symbol", "since", "cursor", "limit"},
        [](const Parameters &parameters) -> Query {
            const std::string exchange = parameters.required("exchange");
            const std::string symbol = parameters.required("symbol");
            const std::string cursor = parameters.text("cursor").value_or("");
            const auto since = parameters.time("since");
            if (cursor.empty() && !since)
                throw badParameter("give since (the first page) or cursor (the next ones)");
            if (!cursor.empty() && !db::isTradeCursor(cursor))
                throw badParameter("cursor is not one this API gave (use next_cursor as it is)");
            const int limit = parameters.integer("limit", 1, kMaxRows, 1000);
            return [=](pqxx::connection &connection) {
                const auto page = db::tradesAfter(connection,
                    instrument(connection, exchange, symbol), since.value_or(0), cursor, limit);
                QJsonArray trades;
                for (const auto &trade : page.trades)
                    trades.append(tradeJson(trade));
                return QJsonObject{{QStringLiteral("exchange"), text(exchange)},
                    {QStringLiteral("symbol"), text(symbol)}, {QStringLiteral("trades"), trades},
                    {QStringLiteral("next_cursor"),
                        page.nextCursor.empty() ? QJsonValue()
                                                : QJsonValue(text(page.nextCursor))}};
            };
        });

    route("/api/v1/ohlcv", {"exchange", "symbol", "interval", "from", "to"},
        [](const Parameters &parameters) -> Query {
            const std::string exchange = parameters.required("exchange");
            const std::string symbol = parameters.required("symbol");
            const std::string intervalText = parameters.required("interval");
            const auto interval = analytics::parseInterval(intervalText);
            if (!interval)
                throw badParameter(
                    std::format("interval is a number with s, m, h or d (1m, 90s, 4h) up to "
                                "36500d, not '{}'",
                        intervalText));
            const auto [from, to] = parameters.range();
            if ((to - from) / *interval >= kMaxRows)
                throw badParameter(std::format("from..to holds more than {} bars of {}; narrow "
                                               "the range or widen the interval",
                    kMaxRows, intervalText));
            return [=](pqxx::connection &connection) {
                const int id = instrument(connection, exchange, symbol);
                const std::int64_t seconds = *interval / kSecondNs;
                QJsonObject answer;
                if (const auto level = db::ohlcvLevelFor(connection, seconds)) {
                    auto bars = db::ohlcvBars(connection, *level, id, seconds, from, to);
                    analytics::flagGaps(bars, db::gapsInRange(connection, id, from, to));
                    QJsonArray rows;
                    for (const auto &bar : bars)
                        rows.append(barJson(bar));
                    answer = {{QStringLiteral("bars"), rows},
                        {QStringLiteral("source"), text(level->relation)},
                        {QStringLiteral("pending_refresh_from"),
                            optionalTime(db::pendingRefreshFrom(connection, id))}};
                } else {
                    checkTradeRange(from, to);
                    answer = barsFromTrades(connection, id,
                        {.kind = analytics::BarKind::Time, .intervalNs = *interval}, from, to);
                    answer.insert(QStringLiteral("source"), QStringLiteral("market_data.trades"));
                }
                answer.insert(QStringLiteral("exchange"), text(exchange));
                answer.insert(QStringLiteral("symbol"), text(symbol));
                answer.insert(QStringLiteral("interval"), text(intervalText));
                return answer;
            };
        });

    route("/api/v1/bars", {"exchange", "symbol", "kind", "size", "from", "to"},
        [](const Parameters &parameters) -> Query {
            const std::string exchange = parameters.required("exchange");
            const std::string symbol = parameters.required("symbol");
            const auto spec
                = analytics::parseBarSpec(parameters.required("kind"), parameters.required("size"));
            if (!spec)
                throw badParameter(spec.error());
            const auto [from, to] = parameters.range();
            checkTradeRange(from, to);
            return [=, spec = *spec](pqxx::connection &connection) {
                QJsonObject answer = barsFromTrades(
                    connection, instrument(connection, exchange, symbol), spec, from, to);
                answer.insert(QStringLiteral("exchange"), text(exchange));
                answer.insert(QStringLiteral("symbol"), text(symbol));
                return answer;
            };
        });

    route("/api/v1/gaps", {"exchange", "symbol", "status", "since", "limit"},
        [](const Parameters &parameters) -> Query {
            db::GapFilter filter{.exchange = parameters.text("exchange"),
                .symbol = parameters.text("symbol"),
                .status = parameters.text("status"),
                .sinceNs = parameters.time("since"),
                .limit = parameters.integer("limit", 1, kMaxRows, 1000)};
            if (filter.status && *filter.status != "open" && *filter.status != "backfilled"
                && *filter.status != "unrecoverable")
                throw badParameter(std::format(
                    "status must be open, backfilled or unrecoverable, not '{}'", *filter.status));
            return [filter](pqxx::connection &connection) {
                QJsonArray gaps;
                for (const auto &gap : db::listGaps(connection, filter))
                    gaps.append(QJsonObject{{QStringLiteral("id"), static_cast<qint64>(gap.id)},
                        {QStringLiteral("exchange"), text(gap.exchange)},
                        {QStringLiteral("symbol"), text(gap.symbol)},
                        {QStringLiteral("kind"), text(gap.kind)},
                        {QStringLiteral("first_missing"),
                            gap.firstMissing ? QJsonValue(QString::number(*gap.firstMissing))
                                             : QJsonValue()},
                        {QStringLiteral("last_missing"),
                            gap.lastMissing ? QJsonValue(QString::number(*gap.lastMissing))
                                            : QJsonValue()},
                        {QStringLiteral("start"), optionalTime(gap.startNs)},
                        {QStringLiteral("end"), optionalTime(gap.endNs)},
                        {QStringLiteral("detected_at"), isoTime(gap.detectedNs)},
                        {QStringLiteral("status"), text(gap.status)},
                        {QStringLiteral("resolved_at"), optionalTime(gap.resolvedNs)},
                        {QStringLiteral("note"), text(gap.note)}});
                return QJsonObject{{QStringLiteral("gaps"), gaps}};
            };
        });

    route("/api/v1/completeness", {"exchange", "symbol", "from", "to"},
        [](const Parameters &parameters) -> Query {
            auto exchange = parameters.text("exchange");
            auto symbol = parameters.text("symbol");
            const auto [from, to] = parameters.range(kDefaultCompletenessWindowNs);
            return [=](pqxx::connection &connection) {
                QJsonArray instruments;
                for (const auto &row : db::completeness(connection, exchange, symbol, from, to))
                    instruments.append(QJsonObject{{QStringLiteral("exchange"), text(row.exchange)},
                        {QStringLiteral("symbol"), text(row.symbol)},
                        {QStringLiteral("completeness"), row.share()},
                        {QStringLiteral("gaps"), static_cast<qint64>(row.gaps)},
                        {QStringLiteral("open_gaps"), static_cast<qint64>(row.openGaps)},
                        {QStringLiteral("gap_seconds"), row.gapSeconds}});
                return QJsonObject{{QStringLiteral("from"), isoTime(from)},
                    {QStringLiteral("to"), isoTime(to)},
                    {QStringLiteral("instruments"), instruments}};
            };
        });
}

} // namespace tickscope::app
