#include "app/feeds/okx/okx_adapter.h"

#include "app/feeds/okx/okx_normalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <algorithm>

namespace tickscope::feeds::okx {

namespace {

QJsonObject channelArg(const char *channel, const std::string &symbol)
{
    return {{QStringLiteral("channel"), QLatin1StringView(channel)},
        {QStringLiteral("instId"), QString::fromStdString(symbol)}};
}

QByteArray request(const char *op, const QJsonArray &args)
{
    return QJsonDocument(
        QJsonObject{{QStringLiteral("op"), QLatin1StringView(op)}, {QStringLiteral("args"), args}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

OkxAdapter::OkxAdapter(
    const InstrumentList &instruments, QUrl websocket, QUrl rest, std::size_t streamsPerConnection)
    : m_instruments(instruments.withTimePrecision("ms")) // OKX sends milliseconds
    , m_websocket(std::move(websocket))
    , m_rest(std::move(rest))
    // A `trades` push covers ids tradeId - count + 1 .. tradeId, and ids run on without holes
    // per instrument; a book's updates link by prevSeqId and carry a CRC32, and a lost book is
    // resubscribed (REST books carry no seqId to splice). The client pings with the text "ping".
    // history-trades pages back from a trade id; it allows 20 requests in 2 s an address.
    , m_traits{
          .tradeIds = ExchangeTraits::TradeIds::Contiguous,
          .bookRecovery = ExchangeTraits::BookRecovery::Resubscribe,
          .bookIntegrity = ExchangeTraits::BookIntegrity::PreviousLink,
          .keepAlive = ExchangeTraits::KeepAlive::TextPing,
          .backfill = ExchangeTraits::Backfill::BeforeId,
          .streamsPerConnection = std::clamp<std::size_t>(
              streamsPerConnection, kStreamsPerInstrument, kMaxStreamsPerConnection),
          .restWeights = {.perMinute = 600, .snapshot = 1, .backfill = 1},
          // 480 subscribe, unsubscribe and login operations an hour on a connection.
          .controlLimit = {.messages = 480, .window = std::chrono::hours(1)},
      }
{ }

AdapterDescription describeAdapter()
{
    return {
        .name = "okx",
        .summary = "OKX v5 public: trades and books (prevSeqId chain and CRC32 checked), "
                   "resubscribed when a book breaks; trade backfill from history-trades",
        .symbolSeparator = "-",
        .options = {
            {"websocket_url", "the public endpoint (wss://ws.okx.com:8443/ws/v5/public)",
                [](std::string_view value) {
                    return checkUrl(value, {QStringLiteral("ws"), QStringLiteral("wss")});
                }},
            restUrlOption("the REST endpoint for trade backfill (https://www.okx.com)"),
            {"streams_per_connection",
                "channels one connection carries, 2 per instrument (default 28, most 400)",
                [](std::string_view value) {
                    return checkWholeNumber(value, OkxAdapter::kStreamsPerInstrument,
                        OkxAdapter::kMaxStreamsPerConnection);
                }},
        },
        .create = [](const FeedSettings &settings) -> std::unique_ptr<ExchangeAdapter> {
            return std::make_unique<OkxAdapter>(InstrumentList{settings.instruments},
                QUrl(QString::fromStdString(
                    settings.option("websocket_url", "wss://ws.okx.com:8443/ws/v5/public"))),
                QUrl(QString::fromStdString(settings.option("rest_url", "https://www.okx.com"))),
                std::stoull(settings.option("streams_per_connection",
                    std::to_string(OkxAdapter::kDefaultStreamsPerConnection))));
        },
    };
}

QList<QByteArray> OkxAdapter::subscribeMessages(std::span<const std::uint32_t> instruments) const
{
    QJsonArray args;
    for (const std::uint32_t instrument : instruments) {
        const std::string &symbol = m_instruments.at(instrument).symbol;
        args << channelArg("trades", symbol) << channelArg("books", symbol);
    }
    return {request("subscribe", args)};
}

QList<QByteArray> OkxAdapter::resubscribeMessages(std::uint32_t instrument) const
{
    const QJsonArray args{channelArg("books", m_instruments.at(instrument).symbol)};
    return {request("unsubscribe", args), request("subscribe", args)};
}

QUrl OkxAdapter::backfillUrl(std::uint32_t instrument, std::int64_t cursor, int limit) const
{
    QUrl url = m_rest;
    url.setPath(QStringLiteral("/api/v5/market/history-trades"));
    QUrlQuery query;
    query.addQueryItem(
        QStringLiteral("instId"), QString::fromStdString(m_instruments.at(instrument).symbol));
    query.addQueryItem(QStringLiteral("type"), QStringLiteral("1")); // page by trade id
    query.addQueryItem(QStringLiteral("after"), QString::number(cursor)); // ids below it
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    url.setQuery(query);
    return url;
}

bool OkxAdapter::feedThreadCanSkip(std::string_view frame) const
{
    // Pushes name their channel first: {"arg":{"channel":"trades",...
    return frame.substr(0, 32).find("\"channel\":\"trades\"") != std::string_view::npos;
}

std::unique_ptr<FeedNormalizer> OkxAdapter::createNormalizer() const
{
    return std::make_unique<OkxNormalizer>(m_instruments);
}

} // namespace tickscope::feeds::okx
