#include "app/feeds/coinbase/advanced_trade_adapter.h"

#include "app/feeds/coinbase/advanced_normalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

namespace tickscope::feeds::coinbase {

namespace {

// {"type":"subscribe","product_ids":[..],"channel":".."}: one channel a message.
QByteArray request(const char *type, const QJsonArray &products, const char *channel)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("type"), QLatin1StringView(type)},
                             {QStringLiteral("product_ids"), products},
                             {QStringLiteral("channel"), QLatin1StringView(channel)}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

AdvancedTradeAdapter::AdvancedTradeAdapter(const InstrumentList &instruments, QUrl websocket,
    TradeSide side, std::size_t streamsPerConnection)
    : m_instruments(instruments.withTimePrecision("us")) // RFC 3339 times, µs and finer
    , m_websocket(std::move(websocket))
    , m_side(side)
    , m_traits{
          // Integers, one after another per product in real recordings (not documented): a
          // hole is a gap, which nothing can fill (no history endpoint without a key). An id
          // that is not an integer is never compared.
          .tradeIds = ExchangeTraits::TradeIds::Contiguous,
          .bookRecovery = ExchangeTraits::BookRecovery::Resubscribe,
          .bookIntegrity = ExchangeTraits::BookIntegrity::Sequence,
          .keepAlive = ExchangeTraits::KeepAlive::WebSocketPing,
          .backfill = ExchangeTraits::Backfill::None,
          .streamsPerConnection = std::clamp<std::size_t>(
              streamsPerConnection, kStreamsPerInstrument, kMaxStreamsPerConnection),
          // Unauthenticated clients may send 8 messages a second (an address's limit, kept here
          // per connection).
          .controlLimit = {.messages = 8, .window = std::chrono::seconds(1)},
      }
{ }

AdapterDescription describeAdvancedTradeAdapter()
{
    return {
        .name = "coinbase_advanced",
        .summary = "Coinbase Advanced Trade: market_trades and level2 (followed by the "
                   "envelope's sequence_num, resubscribed after a jump), heartbeats",
        .symbolSeparator = "-",
        .options = {
            {"websocket_url", "the market-data endpoint (wss://advanced-trade-ws.coinbase.com)",
                [](std::string_view value) {
                    return checkUrl(value, {QStringLiteral("ws"), QStringLiteral("wss")});
                }},
            {"trade_side",
                "what market_trades' side is: unknown (default: stored as unknown), taker or "
                "maker (the aggressor is the other side)",
                [](std::string_view value) {
                    return checkChoice(value, {"unknown", "taker", "maker"});
                }},
            {"streams_per_connection",
                "channels one connection carries, 3 per product (default 300, most 3000)",
                [](std::string_view value) {
                    return checkWholeNumber(value, AdvancedTradeAdapter::kStreamsPerInstrument,
                        AdvancedTradeAdapter::kMaxStreamsPerConnection);
                }},
        },
        .create = [](const FeedSettings &settings) -> std::unique_ptr<ExchangeAdapter> {
            const std::string side = settings.option("trade_side", "unknown");
            return std::make_unique<AdvancedTradeAdapter>(InstrumentList{settings.instruments},
                QUrl(QString::fromStdString(
                    settings.option("websocket_url", "wss://advanced-trade-ws.coinbase.com"))),
                side == "taker"       ? TradeSide::Taker
                    : side == "maker" ? TradeSide::Maker
                                      : TradeSide::Unknown,
                std::stoull(settings.option("streams_per_connection",
                    std::to_string(AdvancedTradeAdapter::kDefaultStreamsPerConnection))));
        },
    };
}

QList<QByteArray> AdvancedTradeAdapter::subscribeMessages(
    std::span<const std::uint32_t> instruments) const
{
    QJsonArray products;
    for (const std::uint32_t instrument : instruments)
        products << QString::fromStdString(m_instruments.at(instrument).symbol);
    return {request("subscribe", products, "heartbeats"),
        request("subscribe", products, "market_trades"), request("subscribe", products, "level2")};
}

QList<QByteArray> AdvancedTradeAdapter::resubscribeMessages(std::uint32_t instrument) const
{
    const QJsonArray product{QString::fromStdString(m_instruments.at(instrument).symbol)};
    return {request("unsubscribe", product, "level2"), request("subscribe", product, "level2")};
}

std::unique_ptr<FeedNormalizer> AdvancedTradeAdapter::createNormalizer() const
{
    return std::make_unique<AdvancedTradeNormalizer>(m_instruments, m_side);
}

} // namespace tickscope::feeds::coinbase
