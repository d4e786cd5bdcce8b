#include "app/feeds/kraken/kraken_adapter.h"

#include "app/feeds/kraken/kraken_normalizer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>
#include <algorithm>

namespace tickscope::feeds::kraken {

namespace {

QByteArray request(const char *method, QJsonObject params)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("method"), QLatin1StringView(method)},
                             {QStringLiteral("params"), params}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

KrakenAdapter::KrakenAdapter(const InstrumentList &instruments, QUrl websocket, QUrl rest,
    std::size_t depth, std::size_t streamsPerConnection)
    : m_instruments(instruments.withTimePrecision("us")) // Kraken v2 sends microseconds
    , m_websocket(std::move(websocket))
    , m_rest(std::move(rest))
    , m_depth(depth)
    // trade_id is "a sequence number, unique per book"; books carry a CRC32 and no sequence, and
    // a lost one is resubscribed; the client pings with {"method":"ping"}. public/Trades pages
    // forward from a time; Kraken allows about one public request a second.
    , m_traits{
          .tradeIds = ExchangeTraits::TradeIds::Contiguous,
          .bookRecovery = ExchangeTraits::BookRecovery::Resubscribe,
          .bookIntegrity = ExchangeTraits::BookIntegrity::Checksum,
          .keepAlive = ExchangeTraits::KeepAlive::TextPing,
          .backfill = ExchangeTraits::Backfill::SinceTime,
          .streamsPerConnection = std::clamp<std::size_t>(
              streamsPerConnection, kStreamsPerInstrument, kMaxStreamsPerConnection),
          .restWeights = {.perMinute = 60, .snapshot = 1, .backfill = 1},
      }
{ }

AdapterDescription describeAdapter()
{
    return {
        .name = "kraken",
        .summary = "Kraken WebSocket v2 (spot): trade and book (CRC32 checked at the "
                   "instrument's precisions), resubscribed when a book fails its checksum; trade "
                   "backfill from public/Trades",
        .symbolSeparator = "/",
        .options = {
            {"websocket_url", "the public endpoint (wss://ws.kraken.com/v2)",
                [](std::string_view value) {
                    return checkUrl(value, {QStringLiteral("ws"), QStringLiteral("wss")});
                }},
            restUrlOption("the REST endpoint for trade backfill (https://api.kraken.com)"),
            {"depth", "levels a side of each book: 10 (default), 25, 100, 500 or 1000",
                [](std::string_view value) {
                    return checkChoice(value, {"10", "25", "100", "500", "1000"});
                }},
            {"streams_per_connection",
                "channels one connection carries, 2 per symbol (default 100, most 1000)",
                [](std::string_view value) {
                    return checkWholeNumber(value, KrakenAdapter::kStreamsPerInstrument,
                        KrakenAdapter::kMaxStreamsPerConnection);
                }},
        },
        .create = [](const FeedSettings &settings) -> std::unique_ptr<ExchangeAdapter> {
            return std::make_unique<KrakenAdapter>(InstrumentList{settings.instruments},
                QUrl(QString::fromStdString(settings.option("websocket_url", "wss://ws.kraken.com/v2"))),
                QUrl(QString::fromStdString(settings.option("rest_url", "https://api.kraken.com"))),
                std::stoull(settings.option("depth", std::to_string(KrakenAdapter::kDefaultDepth))),
                std::stoull(settings.option("streams_per_connection",
                    std::to_string(KrakenAdapter::kDefaultStreamsPerConnection))));
        },
    };
}

QUrl KrakenAdapter::backfillUrl(std::uint32_t instrument, std::int64_t cursor, int limit) const
{
    QUrl url = m_rest;
    url.setPath(QStringLiteral("/0/public/Trades"));
    // REST names the pair without the slash (BTCUSD), which Kraken resolves to its own name.
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("pair"),
        QString::fromStdString(m_instruments.at(instrument).symbol).remove(u'/'));
    query.addQueryItem(QStringLiteral("since"), QString::number(cursor)); // ns, exclusive
    query.addQueryItem(QStringLiteral("count"), QString::number(limit));
    url.setQuery(query);
    return url;
}

QByteArray KrakenAdapter::bookRequest(const char *method, const QJsonArray &symbols) const
{
    return request(method,
        {{QStringLiteral("channel"), QStringLiteral("book")}, {QStringLiteral("symbol"), symbols},
            {QStringLiteral("depth"), static_cast<qint64>(m_depth)}});
}

QList<QByteArray> KrakenAdapter::subscribeMessages(std::span<const std::uint32_t> instruments) const
{
    QJsonArray symbols;
    for (const std::uint32_t instrument : instruments)
        symbols << QString::fromStdString(m_instruments.at(instrument).symbol);
    // The precisions first, so that the books' first checksums can be checked.
    return {request("subscribe", {{QStringLiteral("channel"), QStringLiteral("instrument")}}),
        request("subscribe",
            {{QStringLiteral("channel"), QStringLiteral("trade")},
                {QStringLiteral("symbol"), symbols}}),
        bookRequest("subscribe", symbols)};
}

QList<QByteArray> KrakenAdapter::resubscribeMessages(std::uint32_t instrument) const
{
    const QJsonArray symbol{QString::fromStdString(m_instruments.at(instrument).symbol)};
    return {bookRequest("unsubscribe", symbol), bookRequest("subscribe", symbol)};
}

QByteArray KrakenAdapter::keepAliveMessage() const
{
    return QByteArrayLiteral(R"({"method":"ping"})");
}

bool KrakenAdapter::feedThreadCanSkip(std::string_view frame) const
{
    return frame.starts_with(R"({"channel":"trade")")
        || frame.starts_with(R"({"channel":"heartbeat")");
}

std::unique_ptr<FeedNormalizer> KrakenAdapter::createNormalizer() const
{
    return std::make_unique<KrakenNormalizer>(m_instruments, m_depth);
}

} // namespace tickscope::feeds::kraken
