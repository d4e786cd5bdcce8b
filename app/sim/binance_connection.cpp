#include "app/sim/binance_connection.h"

#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrlQuery>
#include <QWebSocket>
#include <algorithm>

namespace tickscope::sim {

namespace {

using binance_json::TimeUnit;

constexpr qsizetype kMaxStreams = 1024; // per connection, as on Binance
constexpr qint64 kMaxControlMessageBytes = 64 * 1024;

std::string errorReply(int code, const QString &message, const QJsonValue &id)
{
    return R"({"code":)" + std::to_string(code) + R"(,"msg":)" + jsonText(message) + R"(,"id":)"
        + jsonText(id) + '}';
}

std::string resultReply(const QJsonValue &result, const QJsonValue &id)
{
    return R"({"result":)" + jsonText(result) + R"(,"id":)" + jsonText(id) + '}';
}

// Binance accepts a 64-bit integer, a string of up to 36 letters and digits, or null.
bool isValidId(const QJsonValue &id)
{
    static const QRegularExpression alphanumeric{QStringLiteral(R"(^[A-Za-z0-9]{1,36}$)")};
    if (id.isNull())
        return true;
    if (id.isString())
        return alphanumeric.match(id.toString()).hasMatch();
    return id.isDouble() && id.toDouble() == static_cast<double>(id.toInteger());
}

std::expected<TimeUnit, QString> timeUnitOf(const QUrlQuery &query, TimeUnit defaultUnit)
{
    if (!query.hasQueryItem(QStringLiteral("timeUnit")))
        return defaultUnit;
    const QString unit = query.queryItemValue(QStringLiteral("timeUnit")).toUpper();
    if (unit == QLatin1String("MICROSECOND"))
        return TimeUnit::Microseconds;
    if (unit == QLatin1String("MILLISECOND"))
        return TimeUnit::Milliseconds;
    return std::unexpected(QStringLiteral("invalid timeUnit '%1'").arg(unit));
}

} // namespace

BinanceConnection::BinanceConnection(
    QWebSocket *socket, const StreamIndex &index, std::size_t markets)
    : SimulatedClient(socket)
    , m_index(index)
    , m_streams(markets, 0)
{ }

std::expected<std::unique_ptr<BinanceConnection>, QString> BinanceConnection::accept(
    QWebSocket *socket, const StreamIndex &index, std::size_t markets, TimeUnit defaultUnit)
{
    const QUrl url = socket->requestUrl();
    const QUrlQuery query{url};
    const QString path = url.path();
    const bool raw = path == QLatin1String("/ws") || path.startsWith(QLatin1String("/ws/"));
    const bool combined = path == QLatin1String("/stream") || path == QLatin1String("/stream/");
    if (!raw && !combined)
        return std::unexpected(
            QStringLiteral("unknown path %1; use /ws/<stream> or /stream?streams=a/b").arg(path));
    QStringList streams;
    if (raw && path.size() > 4)
        streams << path.mid(4);
    if (combined)
        streams = query.queryItemValue(QStringLiteral("streams"), QUrl::FullyDecoded)
                      .split(u'/', Qt::SkipEmptyParts);
    if (streams.size() > kMaxStreams)
        return std::unexpected(QStringLiteral("more than %1 streams").arg(kMaxStreams));
    const auto unit = timeUnitOf(query, defaultUnit);
    if (!unit)
        return std::unexpected(unit.error());

    std::unique_ptr<BinanceConnection> connection{new BinanceConnection(socket, index, markets)};
    connection->m_combined = combined;
    connection->m_timeUnit = *unit;
    connection->subscribe(streams, true);
    socket->setMaxAllowedIncomingMessageSize(kMaxControlMessageBytes);
    return connection;
}

void BinanceConnection::subscribe(const QStringList &streams, bool add)
{
    for (const QString &stream : streams) {
        if (add && !m_subscriptions.contains(stream))
            m_subscriptions << stream;
        if (!add)
            m_subscriptions.removeAll(stream);
    }
    // Streams of unknown symbols are kept and listed but never deliver, as on Binance.
    std::ranges::fill(m_streams, 0);
    for (const QString &stream : std::as_const(m_subscriptions)) {
        const auto known = m_index.constFind(stream);
        if (known != m_index.constEnd())
            m_streams[known->first] |= known->second;
    }
}

std::string BinanceConnection::answer(const QString &message)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(message.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return errorReply(
            3, QStringLiteral("Invalid JSON: ") + parseError.errorString(), QJsonValue::Null);
    if (!document.isObject())
        return errorReply(3, QStringLiteral("Invalid JSON: expected an object"), QJsonValue::Null);
    const QJsonObject request = document.object();
    const QJsonValue id = request.value(QStringLiteral("id"));
    const QString method = request.value(QStringLiteral("method")).toString();
    const QJsonValue params = request.value(QStringLiteral("params"));
    auto invalid = [](const QString &why, const QJsonValue &echoedId) {
        return errorReply(2, QStringLiteral("Invalid request: ") + why, echoedId);
    };
    if (!isValidId(id))
        return invalid(QStringLiteral("'id' must be an integer, a string of up to 36 letters and "
                                      "digits, or null"),
            QJsonValue::Null);
    if (method.isEmpty())
        return invalid(QStringLiteral("missing method"), id);

    if (method == QLatin1String("SUBSCRIBE") || method == QLatin1String("UNSUBSCRIBE")) {
        QStringList streams;
        for (const QJsonValue &stream : params.toArray()) {
            if (!stream.isString())
                return invalid(QStringLiteral("params must be stream names"), id);
            streams << stream.toString();
        }
        if (!params.isArray() || streams.isEmpty())
            return invalid(QStringLiteral("params must be a non-empty array of stream names"), id);
        const bool add = method == QLatin1String("SUBSCRIBE");
        if (add && m_subscriptions.size() + streams.size() > kMaxStreams)
            return invalid(
                QStringLiteral("at most %1 streams per connection").arg(kMaxStreams), id);
        subscribe(streams, add);
        return resultReply(QJsonValue::Null, id);
    }
    if (method == QLatin1String("LIST_SUBSCRIPTIONS"))
        return resultReply(QJsonArray::fromStringList(m_subscriptions), id);
    return invalid(QStringLiteral("unknown method"), id);
}

} // namespace tickscope::sim
