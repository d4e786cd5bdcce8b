#include "app/console/chart_history_reader.h"

#include "db/connection.h"
#include "db/ohlcv_queries.h"
#include "db/trade_queries.h"

#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace tickscope::app {

namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kMinuteNs = 60 * kSecondNs;

std::int64_t floorTo(std::int64_t timeNs, std::int64_t widthNs)
{
    const std::int64_t floored = timeNs / widthNs * widthNs;
    return floored > timeNs ? floored - widthNs : floored;
}

} // namespace

ChartHistoryReader::ChartHistoryReader()
{
    qRegisterMetaType<widgets::ChartHistoryRequest>();
    qRegisterMetaType<widgets::ChartHistory>();
}

ChartHistoryReader::~ChartHistoryReader() = default;

void ChartHistoryReader::start(const QString &conninfo)
{
    m_conninfo = conninfo.toStdString();
    schedule();
}

void ChartHistoryReader::load(const widgets::ChartHistoryRequest &request)
{
    m_pending[{request.exchange, request.symbol}] = request;
    schedule();
}

void ChartHistoryReader::schedule()
{
    if (m_scheduled || m_conninfo.empty() || m_pending.empty())
        return;
    m_scheduled = true;
    // Through the event loop: requests queued meanwhile replace the ones they follow.
    QMetaObject::invokeMethod(this, &ChartHistoryReader::answerNext, Qt::QueuedConnection);
}

void ChartHistoryReader::answerNext()
{
    m_scheduled = false;
    if (m_conninfo.empty() || m_pending.empty())
        return;
    const widgets::ChartHistoryRequest request = m_pending.begin()->second;
    m_pending.erase(m_pending.begin());
    emit loaded(read(request));
    schedule();
}

widgets::ChartHistory ChartHistoryReader::read(const widgets::ChartHistoryRequest &request)
{
    widgets::ChartHistory history{.request = request};
    try {
        if (request.maxTrades < 1 || request.barWidthNs < 0 || request.barWidthNs % kMinuteNs != 0)
            throw std::invalid_argument(std::format(
                "a chart asked for {} trades and bars of {} ns: want at least one trade and "
                "bars of whole minutes",
                request.maxTrades, request.barWidthNs));
        if (!m_connection || !m_connection->is_open())
            m_connection
                = std::make_unique<pqxx::connection>(db::connect(m_conninfo, "console charts"));
        const auto instrument = db::findInstrument(*m_connection, request.exchange, request.symbol);
        if (!instrument)
            throw std::runtime_error(std::format(
                "no instrument {} of {} is stored yet", request.symbol, request.exchange));
        // Whole minutes of trades, so that the finest aggregate ends exactly where they begin.
        history.tradesFromNs = floorTo(request.fromNs, kMinuteNs);
        const auto trades
            = db::newestTrades(*m_connection, *instrument, history.tradesFromNs, request.maxTrades);
        if (static_cast<std::int64_t>(trades.size()) == request.maxTrades)
            history.tradesFromNs = floorTo(trades.front().exchangeTimeNs, kMinuteNs) + kMinuteNs;
        history.trades.reserve(trades.size());
        for (const auto &trade : trades) {
            if (trade.exchangeTimeNs >= history.tradesFromNs)
                history.trades.push_back(
                    {trade.exchangeTimeNs / 1'000'000, trade.price, trade.size});
        }
        if (request.barWidthNs > 0 && history.tradesFromNs > request.fromNs) {
            const std::int64_t widthSeconds = request.barWidthNs / kSecondNs;
            const auto level = db::ohlcvLevelFor(*m_connection, widthSeconds);
            const auto minutes = db::ohlcvLevelFor(*m_connection, 60);
            if (!level || !minutes)
                throw std::runtime_error(std::format(
                    "no stored aggregate level divides {} s (aggregates.levels)", widthSeconds));
            // Whole buckets from their level; the one the trades begin in, from its minutes.
            const std::int64_t seamBucket = floorTo(history.tradesFromNs, request.barWidthNs);
            history.bars = db::ohlcvBars(
                *m_connection, *level, *instrument, widthSeconds, request.fromNs, seamBucket);
            if (seamBucket < history.tradesFromNs) {
                const auto cut = db::ohlcvBars(*m_connection, *minutes, *instrument, widthSeconds,
                    seamBucket, history.tradesFromNs);
                history.bars.insert(history.bars.end(), cut.begin(), cut.end());
            }
            history.staleFromNs = db::pendingRefreshFrom(*m_connection, *instrument);
        }
    } catch (const std::exception &error) {
        if (m_connection && !m_connection->is_open())
            m_connection.reset();
        spdlog::debug("chart history of {} {}: {}", request.exchange, request.symbol, error.what());
        history.trades.clear();
        history.bars.clear();
        history.error = error.what();
    }
    return history;
}

void ChartHistoryReader::shutdown()
{
    m_pending.clear();
    m_connection.reset();
}

} // namespace tickscope::app
