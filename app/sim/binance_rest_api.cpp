#include "app/sim/binance_rest_api.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <algorithm>
#include <array>
#include <chrono>

namespace tickscope::sim {

namespace {

using binance_json::TimeUnit;
using Request = HttpServer::Request;
using Response = HttpServer::Response;

constexpr std::size_t kDepthLimitDefault = 100;
constexpr std::size_t kDepthLimitMax = 5000;
constexpr std::size_t kTradesLimitDefault = 500;
constexpr std::size_t kTradesLimitMax = 1000;

// The parameters each endpoint reads; anything else is refused, as Binance does.
const QHash<QString, QStringList> kEndpoints{
    {QStringLiteral("/api/v3/ping"), {}},
    {QStringLiteral("/api/v3/time"), {}},
    {QStringLiteral("/api/v3/exchangeInfo"), {QStringLiteral("symbol")}},
    {QStringLiteral("/api/v3/depth"), {QStringLiteral("symbol"), QStringLiteral("limit")}},
    {QStringLiteral("/api/v3/trades"), {QStringLiteral("symbol"), QStringLiteral("limit")}},
    {QStringLiteral("/api/v3/historicalTrades"),
        {QStringLiteral("symbol"), QStringLiteral("limit"), QStringLiteral("fromId")}},
};

Response error(int status, int code, const QString &message)
{
    return {status,
        QJsonDocument(QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("msg"), message}})
            .toJson(QJsonDocument::Compact)};
}

// What Binance charges for the request against REQUEST_WEIGHT (PROTOCOLS.md 1.3, 1.4).
int requestWeight(const Request &request)
{
    if (request.path == u"/api/v3/depth") {
        const int levels = request.query.queryItemValue(QStringLiteral("limit")).toInt();
        return levels > 1000 ? 250 : levels > 500 ? 50 : levels > 100 ? 25 : 5;
    }
    if (request.path == u"/api/v3/historicalTrades" || request.path == u"/api/v3/trades")
        return 25;
    if (request.path == u"/api/v3/exchangeInfo")
        return 20;
    return 1;
}

Response json(std::string body)
{
    return {200, QByteArray::fromStdString(body)};
}

std::int64_t nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::expected<TimeUnit, Response> timeUnit(const Request &request, TimeUnit defaultUnit)
{
    const QByteArray unit = request.header("x-mbx-time-unit").toUpper();
    if (unit.isEmpty())
        return defaultUnit;
    if (unit == "MICROSECOND")
        return TimeUnit::Microseconds;
    if (unit == "MILLISECOND")
        return TimeUnit::Milliseconds;
    return std::unexpected(error(400, -1100,
        QStringLiteral("Invalid X-MBX-TIME-UNIT '%1'; use MILLISECOND or MICROSECOND.")
            .arg(QString::fromLatin1(unit))));
}

std::expected<void, Response> checkParameters(const QUrlQuery &query, const QStringList &known)
{
    QStringList seen;
    for (const auto &[name, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (!known.contains(name))
            return std::unexpected(error(400, -1104,
                QStringLiteral("Not all sent parameters were read; unknown parameter '%1'.")
                    .arg(name)));
        if (seen.contains(name))
            return std::unexpected(error(
                400, -1101, QStringLiteral("Duplicate values for parameter '%1'.").arg(name)));
        seen << name;
    }
    return {};
}

std::expected<const SimulatedMarket *, Response> findMarket(
    const QUrlQuery &query, const std::vector<SimulatedMarket> &markets)
{
    const QString symbol = query.queryItemValue(QStringLiteral("symbol"), QUrl::FullyDecoded);
    if (symbol.isEmpty())
        return std::unexpected(error(400, -1102,
            QStringLiteral("Mandatory parameter 'symbol' was not sent, was empty/null, or "
                           "malformed.")));
    const auto found = std::ranges::find(markets, symbol.toStdString(), &SimulatedMarket::symbol);
    if (found == markets.end())
        return std::unexpected(error(400, -1121, QStringLiteral("Invalid symbol.")));
    return &*found;
}

// An optional whole number parameter, at most `max`, at least `min`.
std::expected<std::optional<std::int64_t>, Response> wholeNumber(
    const QUrlQuery &query, const QString &name, std::int64_t min, std::int64_t max)
{
    if (!query.hasQueryItem(name))
        return std::nullopt;
    static const QRegularExpression digits{QStringLiteral(R"(^[0-9]{1,20}$)")};
    const QString text = query.queryItemValue(name, QUrl::FullyDecoded);
    bool ok = false;
    const qlonglong value = text.toLongLong(&ok);
    if (!digits.match(text).hasMatch() || !ok)
        return std::unexpected(error(400, -1100,
            QStringLiteral("Illegal characters found in parameter '%1'; legal range is "
                           "'^[0-9]{1,20}$'.")
                .arg(name)));
    if (value < min || value > max)
        return std::unexpected(error(400, -1130,
            QStringLiteral("Data sent for parameter '%1' is not valid; it must be from %2 to %3.")
                .arg(name)
                .arg(min)
                .arg(max)));
    return value;
}

std::expected<std::size_t, Response> limit(
    const QUrlQuery &query, std::size_t defaultLimit, std::size_t maxLimit)
{
    const auto value
        = wholeNumber(query, QStringLiteral("limit"), 1, static_cast<std::int64_t>(maxLimit));
    if (!value)
        return std::unexpected(value.error());
    return value->has_value() ? static_cast<std::size_t>(**value) : defaultLimit;
}

// "BTCUSDT" -> {"BTC", "USDT"}; a symbol without a known quote asset is all base.
std::pair<QString, QString> assets(const QString &symbol)
{
    static const std::array kQuotes{QStringLiteral("USDT"), QStringLiteral("USDC"),
        QStringLiteral("FDUSD"), QStringLiteral("BTC"), QStringLiteral("ETH"),
        QStringLiteral("BNB"), QStringLiteral("EUR"), QStringLiteral("TRY")};
    for (const QString &quote : kQuotes)
        if (symbol.size() > quote.size() && symbol.endsWith(quote))
            return {symbol.chopped(quote.size()), quote};
    return {symbol, QString()};
}

QJsonObject symbolInfo(const SimulatedMarket &market)
{
    const QString symbol = QString::fromStdString(market.symbol());
    const auto [base, quote] = assets(symbol);
    return {
        {QStringLiteral("symbol"), symbol},
        {QStringLiteral("status"), QStringLiteral("TRADING")},
        {QStringLiteral("baseAsset"), base},
        {QStringLiteral("baseAssetPrecision"), 8},
        {QStringLiteral("quoteAsset"), quote},
        {QStringLiteral("quotePrecision"), 8},
        {QStringLiteral("quoteAssetPrecision"), 8},
        {QStringLiteral("filters"),
            QJsonArray{QJsonObject{{QStringLiteral("filterType"), QStringLiteral("PRICE_FILTER")},
                           {QStringLiteral("minPrice"), QStringLiteral("0.01000000")},
                           {QStringLiteral("maxPrice"), QStringLiteral("1000000.00000000")},
                           {QStringLiteral("tickSize"), QStringLiteral("0.01000000")}},
                QJsonObject{{QStringLiteral("filterType"), QStringLiteral("LOT_SIZE")},
                    {QStringLiteral("minQty"), QStringLiteral("0.00001000")},
                    {QStringLiteral("maxQty"), QStringLiteral("9000.00000000")},
                    {QStringLiteral("stepSize"), QStringLiteral("0.00001000")}}}},
    };
}

} // namespace

BinanceRestApi::BinanceRestApi(const std::vector<SimulatedMarket> &markets,
    binance_json::TimeUnit defaultUnit, int weightPerMinute)
    : m_markets(markets)
    , m_defaultUnit(defaultUnit)
    , m_weightPerMinute(weightPerMinute)
{ }

HttpServer::Response BinanceRestApi::answer(const HttpServer::Request &request)
{
    ++m_requests;
    if (auto refused = checkWeight(requestWeight(request)))
        return *refused;
    HttpServer::Response response = answerWithinLimit(request);
    response.headers.append({"X-MBX-USED-WEIGHT-1M", QByteArray::number(m_weightUsed)});
    return response;
}

std::optional<HttpServer::Response> BinanceRestApi::checkWeight(int weight)
{
    using namespace std::chrono_literals;
    const auto now = Clock::now();
    while (!m_weights.empty() && now - m_weights.front().first >= 60s) {
        m_weightUsed -= m_weights.front().second;
        m_weights.pop_front();
    }
    auto refuse = [&](int status, Clock::time_point until, const QString &message) {
        HttpServer::Response response = error(status, -1003, message);
        const auto seconds = std::chrono::ceil<std::chrono::seconds>(until - now).count();
        response.headers.append({"Retry-After", QByteArray::number(std::max<qint64>(1, seconds))});
        return response;
    };
    if (now < m_bannedUntil) {
        ++m_bans;
        return refuse(418, m_bannedUntil, QStringLiteral("Way too many requests; IP banned."));
    }
    // Requests in flight when the 429 went out may still come; later ones ignore it.
    if (m_lastTooMany && now - *m_lastTooMany > 1s && now < m_retryAfter) {
        m_bannedUntil = now + 120s;
        ++m_bans;
        return refuse(418, m_bannedUntil,
            QStringLiteral("Way too many requests, and Retry-After was not honoured; IP banned."));
    }
    if (m_weightUsed + weight > m_weightPerMinute) {
        // Until enough of the oldest weight has aged out.
        int freed = 0;
        Clock::time_point until = now + 60s;
        for (const auto &[time, oldWeight] : m_weights) {
            freed += oldWeight;
            if (m_weightUsed - freed + weight <= m_weightPerMinute) {
                until = time + 60s;
                break;
            }
        }
        if (!m_lastTooMany || now >= m_retryAfter)
            m_lastTooMany = now;
        m_retryAfter = std::max(m_retryAfter, until);
        ++m_tooMany;
        return refuse(429, until,
            QStringLiteral("Too much request weight used; current limit is %1 request weight "
                           "per 1 MINUTE.")
                .arg(m_weightPerMinute));
    }
    m_weights.emplace_back(now, weight);
    m_weightUsed += weight;
    m_maxWeight = std::max(m_maxWeight, m_weightUsed);
    return std::nullopt;
}

QJsonObject BinanceRestApi::report() const
{
    return {{QStringLiteral("requests"), qint64(m_requests)},
        {QStringLiteral("max_weight_per_minute"), m_maxWeight},
        {QStringLiteral("too_many_requests"), qint64(m_tooMany)},
        {QStringLiteral("bans"), qint64(m_bans)}};
}

HttpServer::Response BinanceRestApi::answerWithinLimit(const HttpServer::Request &request) const
{
    const auto endpoint = kEndpoints.constFind(request.path);
    if (endpoint == kEndpoints.constEnd())
        return error(404, -1000, QStringLiteral("Unknown endpoint '%1'.").arg(request.path));
    if (request.method != "GET")
        return error(405, -1000, QStringLiteral("The simulator answers GET requests only."));
    const auto unit = timeUnit(request, m_defaultUnit);
    if (!unit)
        return unit.error();
    if (auto checked = checkParameters(request.query, *endpoint); !checked)
        return checked.error();
    const QString &path = endpoint.key();
    const std::int64_t serverTimeUs = nowUs();
    std::string body;

    if (path == u"/api/v3/ping")
        return json("{}");
    if (path == u"/api/v3/time") {
        body = R"({"serverTime":)";
        binance_json::appendTime(body, serverTimeUs, *unit);
        body += '}';
        return json(std::move(body));
    }
    if (path == u"/api/v3/exchangeInfo") {
        QJsonArray symbols;
        if (request.query.hasQueryItem(QStringLiteral("symbol"))) {
            const auto market = findMarket(request.query, m_markets);
            if (!market)
                return market.error();
            symbols << symbolInfo(**market);
        } else {
            for (const SimulatedMarket &market : m_markets)
                symbols << symbolInfo(market);
        }
        const QJsonObject info{{QStringLiteral("timezone"), QStringLiteral("UTC")},
            {QStringLiteral("serverTime"), qint64(binance_json::timeIn(serverTimeUs, *unit))},
            {QStringLiteral("rateLimits"), QJsonArray()},
            {QStringLiteral("exchangeFilters"), QJsonArray()},
            {QStringLiteral("symbols"), symbols}};
        return {200, QJsonDocument(info).toJson(QJsonDocument::Compact)};
    }

    const auto market = findMarket(request.query, m_markets);
    if (!market)
        return market.error();
    if (path == u"/api/v3/depth") {
        const auto levels = limit(request.query, kDepthLimitDefault, kDepthLimitMax);
        if (!levels)
            return levels.error();
        binance_json::appendDepthSnapshot(body, **market, *levels);
        return json(std::move(body));
    }
    // /trades (the most recent) and /historicalTrades (from an id, or the most recent).
    const auto count = limit(request.query, kTradesLimitDefault, kTradesLimitMax);
    if (!count)
        return count.error();
    const auto fromId = wholeNumber(request.query, QStringLiteral("fromId"), 0, INT64_MAX);
    if (!fromId)
        return fromId.error();
    binance_json::appendTradeList(body, (*market)->trades(*fromId, *count), *unit);
    return json(std::move(body));
}

} // namespace tickscope::sim
