#include "app/feeds/binance/binance_adapter.h"

#include "app/feeds/binance/binance_normalizer.h"

#include <QUrlQuery>

namespace tickscope::feeds::binance {

BinanceAdapter::BinanceAdapter(
    InstrumentList instruments, BinanceEndpoints endpoints, TimeUnit timeUnit)
    : m_instruments(std::move(instruments))
    , m_endpoints(std::move(endpoints))
    , m_timeUnit(timeUnit)
{ }

QUrl BinanceAdapter::streamUrl() const
{
    QStringList streams;
    for (const auto &instrument : m_instruments.all()) {
        const QString symbol = QString::fromStdString(instrument.symbol).toLower();
        streams << symbol + QStringLiteral("@trade") << symbol + QStringLiteral("@depth@100ms");
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
    return frame.substr(0, 40).find("@trade\"") != std::string_view::npos;
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
    return std::make_unique<BinanceNormalizer>(m_instruments, m_timeUnit);
}

} // namespace tickscope::feeds::binance
