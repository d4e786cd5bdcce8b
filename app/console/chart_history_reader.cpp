#include "app/console/chart_history_reader.h"

#include "db/connection.h"
#include "db/ohlcv_queries.h"
#include "db/trade_queries.h"

#include <algorithm>
#include <chrono>
#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace tickscope::app {

namespace {

constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kMinuteNs = 60 * kSecondNs;
constexpr std::int64_t kMsNs = 1'000'000;
// The most recent trades not yet in the aggregates that a history sums itself: the refresh job
// runs every minute, and at 100,000 trades/s summing a minute of a symbol takes about a second.
constexpr std::chrono::nanoseconds kMaxSummedTrades = std::chrono::minutes(2);

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

std::vector<analytics::Bar> ChartHistoryReader::barsBefore(
    int instrument, const widgets::ChartHistoryRequest &request, widgets::ChartHistory &history)
{
    const std::int64_t width = request.barWidthNs;
    const std::int64_t widthSeconds = width / kSecondNs;
    const auto level = db::ohlcvLevelFor(*m_connection, widthSeconds);
    const auto minutes = db::ohlcvLevelFor(*m_connection, 60);
    if (!level || !minutes)
        throw std::runtime_error(std::format(
            "no stored aggregate level divides {} s (aggregates.levels)", widthSeconds));
    // The aggregates hold every trade before the first minute their refresh has not taken; the
    // rest, up to the trades loaded, is summed from the trades themselves (the last
    // kMaxSummedTrades of it: more would be slow, and is the refresh's job).
    std::int64_t aggregatedUntil = floorTo(history.tradesFromNs, kMinuteNs);
    if (const auto pending = db::pendingRefreshFrom(*m_connection, instrument))
        aggregatedUntil = std::min(aggregatedUntil, *pending);
    const std::int64_t summedFrom = std::max(
        {aggregatedUntil, request.fromNs, history.tradesFromNs - kMaxSummedTrades.count()});
    if (summedFrom > std::max(aggregatedUntil, request.fromNs))
        history.staleFromNs = aggregatedUntil;

    std::vector<analytics::Bar> bars;
    if (aggregatedUntil > request.fromNs) {
        // Whole buckets from their level; a bucket cut at aggregatedUntil from its minutes.
        const std::int64_t lastBucket = floorTo(aggregatedUntil, width);
        bars = db::ohlcvBars(
            *m_connection, *level, instrument, widthSeconds, request.fromNs, lastBucket);
        if (lastBucket < aggregatedUntil) {
            for (const auto &bar : db::ohlcvBars(*m_connection, *minutes, instrument, widthSeconds,
                     std::max(lastBucket, request.fromNs), aggregatedUntil))
                analytics::appendJoined(bars, bar);
        }
    }
    for (const auto &bar :
        db::tradeBars(*m_connection, instrument, widthSeconds, summedFrom, history.tradesFromNs))
        analytics::appendJoined(bars, bar);
    return bars;
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
        history.tradesFromNs = request.fromNs;
        if (!instrument)
            return history; // nothing stored yet: all it will have comes live
        const auto trades
            = db::newestTrades(*m_connection, *instrument, request.fromNs, request.maxTrades);
        if (static_cast<std::int64_t>(trades.size()) == request.maxTrades) {
            // The oldest millisecond loaded may hold more trades than were: it goes to the bars.
            history.tradesFromNs = floorTo(trades.front().exchangeTimeNs, kMsNs) + kMsNs;
        }
        history.trades.reserve(trades.size());
        for (const auto &trade : trades) {
            if (trade.exchangeTimeNs >= history.tradesFromNs)
                history.trades.push_back({trade.exchangeTimeNs / kMsNs, trade.price, trade.size});
        }
        if (request.barWidthNs > 0 && history.tradesFromNs > request.fromNs)
            history.bars = barsBefore(*instrument, request, history);
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
