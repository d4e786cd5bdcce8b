#include "app/feeds/binance/binance_adapter.h"

#include "app/feeds/binance/binance_normalizer.h"

#include <QUrlQuery>
#include <algorithm>

namespace tickscope::feeds::binance {

BinanceAdapter::BinanceAdapter(const InstrumentList &instruments, BinanceEndpoints endpoints,
    TimeUnit timeUnit, std::size_t streamsPerConnection, TradeStream tradeStream)
    : m_instruments(instruments.withTimePrecision(timeUnit == TimeUnit::Microseconds ? "us" : "ms"))
    , m_endpoints(std::move(endpoints))
    , m_timeUnit(timeUnit)
    , m_tradeStream(tradeStream)
    // Trade ids `t` run without holes per symbol (an aggTrade covers f..l of them); the diff
    // stream's U/u update ids chain; the book is rebuilt from GET /api/v3/depth; trades are fetched
    // again by id
    // (/api/v3/historicalTrades); the server pings, and answers pings, at the WebSocket level.
    , m_traits{
          .tradeIds = ExchangeTraits::TradeIds::Contiguous,
          .bookRecovery = ExchangeTraits::BookRecovery::RestSnapshot,
          .bookIntegrity = ExchangeTraits::BookIntegrity::Sequence,
          .keepAlive = ExchangeTraits::KeepAlive::WebSocketPing,
          .backfill = ExchangeTraits::Backfill::FromId,
          .streamsPerConnection = std::clamp<std::size_t>(
              streamsPerConnection, kStreamsPerInstrument, kMaxStreamsPerConnection),
          // REQUEST_WEIGHT 6000 a minute; /api/v3/depth at limit 5000 weighs 250,
          // /api/v3/historicalTrades 25 (PROTOCOLS.md 1.3, 1.4).
          .restWeights = {.perMinute = 6000, .snapshot = 250, .backfill = 25},
      }
{ }

AdapterDescription describeAdapter()
{
    return {
        .name = "binance",
        .summary = "Binance spot: <symbol>@trade (or @aggTrade) and diff-depth streams, REST "
                   "depth snapshots and trade backfill by id",
        .options = {
            {"websocket_url", "the market-data stream endpoint (wss://stream.binance.com:9443)",
                [](std::string_view value) {
                    return checkUrl(value, {QStringLiteral("ws"), QStringLiteral("wss")});
                }},
            restUrlOption("the REST endpoint for snapshots and backfill (https://api.binance.com)"),
            {"time_unit", "the unit of the stream's times: ms (default) or us",
                [](std::string_view value) { return checkChoice(value, {"ms", "us"}); }},
            {"trade_stream",
                "the trades stored: trade (default, one row a trade) or aggTrade (a row per "
                "aggregate, covering its trade ids f..l)",
                [](std::string_view value) { return checkChoice(value, {"trade", "aggTrade"}); },
                {"trade", "aggTrade"}},
            {"streams_per_connection",
                "streams one connection carries, 2 per symbol (default and most: 1024)",
                [](std::string_view value) {
                    return checkWholeNumber(value, BinanceAdapter::kStreamsPerInstrument,
                        BinanceAdapter::kMaxStreamsPerConnection);
                }},
        },
        .create = [](const FeedSettings &settings) -> std::unique_ptr<ExchangeAdapter> {
            const BinanceEndpoints defaults;
            const BinanceEndpoints endpoints{
                .websocket = QUrl(QString::fromStdString(settings.option(
                    "websocket_url", defaults.websocket.toString().toStdString()))),
                .rest = QUrl(QString::fromStdString(
                    settings.option("rest_url", defaults.rest.toString().toStdString()))),
            };
            return std::make_unique<BinanceAdapter>(InstrumentList{settings.instruments},
                endpoints,
                settings.option("time_unit", "ms") == "us" ? TimeUnit::Microseconds
                                                           : TimeUnit::Milliseconds,
                std::stoull(settings.option("streams_per_connection",
                    std::to_string(BinanceAdapter::kMaxStreamsPerConnection))),
                settings.option("trade_stream", "trade") == "aggTrade" ? TradeStream::AggTrade
                                                                       : TradeStream::Trade);
        },
    };
}

QUrl BinanceAdapter::streamUrl(std::span<const std::uint32_t> instruments) const
{
    QStringList streams;
    for (const std::uint32_t instrument : instruments) {
        const QString symbol
            = QString::fromStdString(m_instruments.at(instrument).symbol).toLower();
        streams << symbol
                + (m_tradeStream == TradeStream::AggTrade ? QStringLiteral("@aggTrade")
                                                          : QStringLiteral("@trade"))
                << symbol + QStringLiteral("@depth@100ms");
    }
    QUrl url = m_endpoints.websocket;
    url.setPath(QStringLiteral("/stream"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("streams"), streams.join(u'/'));
    if (m_timeUnit == TimeUnit::Microseconds)
        query.addQueryItem(QStringLiteral("timeUnit"), QStringLiteral("MICROSECOND"));
    url.setQuery(query);
    return url;
}

bool BinanceAdapter::feedThreadCanSkip(std::string_view frame) const
{
    // Combined-stream frames name their stream first: {"stream":"btcusdt@trade","data":...
    const std::string_view head = frame.substr(0, 48);
    return head.find("@trade\"") != std::string_view::npos
        || head.find("@aggTrade\"") != std::string_view::npos;
}

QUrl BinanceAdapter::snapshotUrl(std::uint32_t instrument) const
{
    QUrl url = m_endpoints.rest;
    url.setPath(QStringLiteral("/api/v3/depth"));
    QUrlQuery query;
    query.addQueryItem(
        QStringLiteral("symbol"), QString::fromStdString(m_instruments.at(instrument).symbol));
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("5000"));
    url.setQuery(query);
    return url;
}

QUrl BinanceAdapter::backfillUrl(std::uint32_t instrument, std::int64_t fromId, int limit) const
{
    QUrl url = m_endpoints.rest;
    url.setPath(QStringLiteral("/api/v3/historicalTrades"));
    QUrlQuery query;
    query.addQueryItem(
        QStringLiteral("symbol"), QString::fromStdString(m_instruments.at(instrument).symbol));
    query.addQueryItem(QStringLiteral("fromId"), QString::number(fromId));
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    url.setQuery(query);
    return url;
}

std::unique_ptr<FeedNormalizer> BinanceAdapter::createNormalizer() const
{
    return std::make_unique<BinanceNormalizer>(m_instruments, m_timeUnit, m_tradeStream);
}

} // namespace tickscope::feeds::binance
