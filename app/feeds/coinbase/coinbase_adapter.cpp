#include "app/feeds/coinbase/coinbase_adapter.h"

#include "app/feeds/coinbase/coinbase_normalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <algorithm>

namespace tickscope::feeds::coinbase {

namespace {

QByteArray request(const char *type, const QJsonArray &products, const QJsonArray &channels)
{
    return QJsonDocument(
        QJsonObject{{QStringLiteral("type"), QLatin1StringView(type)},
            {QStringLiteral("product_ids"), products}, {QStringLiteral("channels"), channels}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

CoinbaseAdapter::CoinbaseAdapter(
    const InstrumentList &instruments, QUrl websocket, QUrl rest, std::size_t streamsPerConnection)
    : m_instruments(instruments.withTimePrecision("us")) // Coinbase sends microseconds
    , m_websocket(std::move(websocket))
    , m_rest(std::move(rest))
    // trade_id runs on by one per product (the heartbeat's last_trade_id is there to check it);
    // level2_batch has no sequence; a fresh book comes with a new subscription. /trades pages
    // back from a trade id; public endpoints allow 10 requests a second an address.
    , m_traits{
          .tradeIds = ExchangeTraits::TradeIds::Contiguous,
          .bookRecovery = ExchangeTraits::BookRecovery::Resubscribe,
          .bookIntegrity = ExchangeTraits::BookIntegrity::None,
          .keepAlive = ExchangeTraits::KeepAlive::WebSocketPing,
          .backfill = ExchangeTraits::Backfill::BeforeId,
          .streamsPerConnection = std::clamp<std::size_t>(
              streamsPerConnection, kStreamsPerInstrument, kMaxStreamsPerConnection),
          .restWeights = {.perMinute = 600, .snapshot = 1, .backfill = 1},
      }
{ }

AdapterDescription describeAdapter()
{
    return {
        .name = "coinbase",
        .summary = "Coinbase Exchange feed: matches and level2_batch (no sequence in the book "
                   "channel), heartbeat; trade backfill from /products/<id>/trades",
        .symbolSeparator = "-",
        .options = {
            {"websocket_url", "the feed's endpoint (wss://ws-feed.exchange.coinbase.com)",
                [](std::string_view value) {
                    return checkUrl(value, {QStringLiteral("ws"), QStringLiteral("wss")});
                }},
            restUrlOption(
                "the REST endpoint for trade backfill (https://api.exchange.coinbase.com)"),
            {"streams_per_connection",
                "channels one connection carries, 3 per product (default 300, most 3000)",
                [](std::string_view value) {
                    return checkWholeNumber(value, CoinbaseAdapter::kStreamsPerInstrument,
                        CoinbaseAdapter::kMaxStreamsPerConnection);
                }},
        },
        .create = [](const FeedSettings &settings) -> std::unique_ptr<ExchangeAdapter> {
            return std::make_unique<CoinbaseAdapter>(InstrumentList{settings.instruments},
                QUrl(QString::fromStdString(
                    settings.option("websocket_url", "wss://ws-feed.exchange.coinbase.com"))),
                QUrl(QString::fromStdString(
                    settings.option("rest_url", "https://api.exchange.coinbase.com"))),
                std::stoull(settings.option("streams_per_connection",
                    std::to_string(CoinbaseAdapter::kDefaultStreamsPerConnection))));
        },
    };
}

QUrl CoinbaseAdapter::backfillUrl(std::uint32_t instrument, std::int64_t cursor, int limit) const
{
    QUrl url = m_rest;
    url.setPath(QStringLiteral("/products/%1/trades")
            .arg(QString::fromStdString(m_instruments.at(instrument).symbol)));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("after"), QString::number(cursor)); // ids below it
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    url.setQuery(query);
    return url;
}

QList<QByteArray> CoinbaseAdapter::subscribeMessages(
    std::span<const std::uint32_t> instruments) const
{
    QJsonArray products;
    for (const std::uint32_t instrument : instruments)
        products << QString::fromStdString(m_instruments.at(instrument).symbol);
    return {request("subscribe", products,
        {QStringLiteral("matches"), QStringLiteral("level2_batch"), QStringLiteral("heartbeat")})};
}

QList<QByteArray> CoinbaseAdapter::resubscribeMessages(std::uint32_t instrument) const
{
    const QJsonArray product{QString::fromStdString(m_instruments.at(instrument).symbol)};
    const QJsonArray channel{QStringLiteral("level2_batch")};
    return {request("unsubscribe", product, channel), request("subscribe", product, channel)};
}

bool CoinbaseAdapter::feedThreadCanSkip(std::string_view frame) const
{
    return frame.starts_with(R"({"type":"match")") || frame.starts_with(R"({"type":"heartbeat")");
}

std::unique_ptr<FeedNormalizer> CoinbaseAdapter::createNormalizer() const
{
    return std::make_unique<CoinbaseNormalizer>(m_instruments);
}

} // namespace tickscope::feeds::coinbase
