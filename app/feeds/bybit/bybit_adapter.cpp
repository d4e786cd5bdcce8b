#include "app/feeds/bybit/bybit_adapter.h"

#include "app/feeds/bybit/bybit_normalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <format>

namespace tickscope::feeds::bybit {

namespace {

QByteArray request(const char *op, const QStringList &topics)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("op"), QLatin1StringView(op)},
                             {QStringLiteral("args"), QJsonArray::fromStringList(topics)}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

BybitAdapter::BybitAdapter(const InstrumentList &instruments, QUrl websocket, std::size_t depth,
    std::size_t streamsPerConnection)
    : m_instruments(instruments.withTimePrecision("ms")) // Bybit sends milliseconds
    , m_websocket(std::move(websocket))
    , m_depth(depth)
    // Spot trade ids are long strings, shared across symbols (v3's word for it): a jump per
    // symbol is no proof of a loss, so only the database's key deduplicates them; books follow
    // their update id `u`, and a lost one is resubscribed; the client pings.
    , m_traits{
          .tradeIds = ExchangeTraits::TradeIds::Opaque,
          .bookRecovery = ExchangeTraits::BookRecovery::Resubscribe,
          .bookIntegrity = ExchangeTraits::BookIntegrity::Sequence,
          .keepAlive = ExchangeTraits::KeepAlive::TextPing,
          .backfill = ExchangeTraits::Backfill::None,
          .streamsPerConnection = std::clamp<std::size_t>(
              streamsPerConnection, kStreamsPerInstrument, kMaxStreamsPerConnection),
      }
{ }

AdapterDescription describeAdapter()
{
    return {
        .name = "bybit",
        .summary = "Bybit v5 spot: publicTrade and orderbook (update ids followed), "
                   "resubscribed when a book loses a delta",
        .symbolSeparator = "",
        .options = {
            {"websocket_url", "the spot endpoint (wss://stream.bybit.com/v5/public/spot)",
                [](std::string_view value) {
                    return checkUrl(value, {QStringLiteral("ws"), QStringLiteral("wss")});
                }},
            {"depth", "levels a side of each book: 1, 50 (default), 200 or 1000",
                [](std::string_view value) {
                    return checkChoice(value, {"1", "50", "200", "1000"});
                }},
            {"streams_per_connection",
                "topics one connection carries, 2 per symbol (default 100, most 600)",
                [](std::string_view value) {
                    return checkWholeNumber(value, BybitAdapter::kStreamsPerInstrument,
                        BybitAdapter::kMaxStreamsPerConnection);
                }},
        },
        .create = [](const FeedSettings &settings) -> std::unique_ptr<ExchangeAdapter> {
            return std::make_unique<BybitAdapter>(InstrumentList{settings.instruments},
                QUrl(QString::fromStdString(
                    settings.option("websocket_url", "wss://stream.bybit.com/v5/public/spot"))),
                std::stoull(settings.option("depth", std::to_string(BybitAdapter::kDefaultDepth))),
                std::stoull(settings.option("streams_per_connection",
                    std::to_string(BybitAdapter::kDefaultStreamsPerConnection))));
        },
    };
}

std::string BybitAdapter::bookTopic(std::uint32_t instrument) const
{
    return std::format("orderbook.{}.{}", m_depth, m_instruments.at(instrument).symbol);
}

QList<QByteArray> BybitAdapter::subscribeMessages(std::span<const std::uint32_t> instruments) const
{
    QStringList topics;
    for (const std::uint32_t instrument : instruments)
        topics << QString::fromStdString("publicTrade." + m_instruments.at(instrument).symbol)
               << QString::fromStdString(bookTopic(instrument));
    QList<QByteArray> requests;
    for (qsizetype first = 0; first < topics.size(); first += kTopicsPerRequest)
        requests << request("subscribe", topics.mid(first, kTopicsPerRequest));
    return requests;
}

QList<QByteArray> BybitAdapter::resubscribeMessages(std::uint32_t instrument) const
{
    const QStringList topic{QString::fromStdString(bookTopic(instrument))};
    return {request("unsubscribe", topic), request("subscribe", topic)};
}

bool BybitAdapter::feedThreadCanSkip(std::string_view frame) const
{
    return frame.starts_with(R"({"topic":"publicTrade.)");
}

std::unique_ptr<FeedNormalizer> BybitAdapter::createNormalizer() const
{
    return std::make_unique<BybitNormalizer>(m_instruments);
}

} // namespace tickscope::feeds::bybit
