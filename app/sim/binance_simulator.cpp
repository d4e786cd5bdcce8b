#include "app/sim/binance_simulator.h"

#include <QWebSocket>
#include <format>

namespace tickscope::sim {

namespace {

using binance_json::TimeUnit;

// <symbol>@depth sends what changed in this many depth intervals, as Binance's 1000 ms stream
// does against its 100 ms one.
constexpr std::uint64_t kSlowDepthRounds = 10;
constexpr std::string_view kMalformedFrame = R"({"e":"trade","s":)";

} // namespace

BinanceSimulator::BinanceSimulator(Options options, QObject *parent)
    : ExchangeSimulator(std::move(options), kProtocol, parent)
{
    const auto &symbols = this->options().symbols;
    for (std::size_t index = 0; index < symbols.size(); ++index) {
        const std::string lower = QString::fromStdString(symbols[index]).toLower().toStdString();
        MarketStreams streams{
            lower + "@trade", lower + "@aggTrade", lower + "@depth@100ms", lower + "@depth", {}};
        m_streamsByName.insert(
            QString::fromStdString(streams.trades), {index, BinanceConnection::kTrades});
        m_streamsByName.insert(
            QString::fromStdString(streams.aggTrades), {index, BinanceConnection::kAggTrades});
        m_streamsByName.insert(
            QString::fromStdString(streams.depthFast), {index, BinanceConnection::kDepthFast});
        m_streamsByName.insert(
            QString::fromStdString(streams.depthSlow), {index, BinanceConnection::kDepthSlow});
        m_streams.push_back(std::move(streams));
    }
}

std::map<std::string, std::string, std::less<>> BinanceSimulator::adapterOptions() const
{
    return {{"websocket_url", std::format("ws://127.0.0.1:{}", port())},
        {"rest_url", std::format("http://127.0.0.1:{}", restPort())}};
}

std::optional<HttpServer::Handler> BinanceSimulator::restApi()
{
    m_restApi = std::make_unique<BinanceRestApi>(
        markets(), defaultTimeUnit(), options().restWeightPerMinute);
    return [this](const HttpServer::Request &request) {
        return m_restApi->answer(request);
    };
}

binance_json::TimeUnit BinanceSimulator::defaultTimeUnit() const
{
    return options().microseconds ? TimeUnit::Microseconds : TimeUnit::Milliseconds;
}

std::expected<std::unique_ptr<SimulatedClient>, QString> BinanceSimulator::accept(
    QWebSocket *socket)
{
    auto accepted
        = BinanceConnection::accept(socket, m_streamsByName, m_streams.size(), defaultTimeUnit());
    if (!accepted)
        return std::unexpected(accepted.error());
    if ((*accepted)->receivesTrades())
        tradesSubscribed();
    return std::move(*accepted);
}

void BinanceSimulator::onClientText(SimulatedClient &client, const QString &text)
{
    auto &connection = static_cast<BinanceConnection &>(client);
    send(connection, connection.answer(text));
    if (connection.receivesTrades())
        tradesSubscribed();
}

void BinanceSimulator::publishTrade(std::size_t market, const SimulatedMarket::Trade &trade)
{
    const std::string &symbol = markets()[market].symbol();
    publish(market, BinanceConnection::kTrades, m_streams[market].trades,
        [&](std::string &out, TimeUnit unit) {
            binance_json::appendTradeEvent(out, symbol, trade, unit);
        });
    publish(market, BinanceConnection::kAggTrades, m_streams[market].aggTrades,
        [&](std::string &out, TimeUnit unit) {
            binance_json::appendAggTradeEvent(out, symbol, trade, unit);
        });
}

void BinanceSimulator::publishDepth(std::size_t market,
    const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t round)
{
    if (event) {
        publish(market, BinanceConnection::kDepthFast, m_streams[market].depthFast,
            [&](std::string &out, TimeUnit unit) {
                binance_json::appendDepthEvent(out, markets()[market].symbol(), *event, unit);
            });
        auto &pending = m_streams[market].slowPending;
        if (pending)
            SimulatedMarket::merge(*pending, *event);
        else
            pending = *event;
    }
    if (round % kSlowDepthRounds == 0)
        flushSlowDepth(market);
}

void BinanceSimulator::beforeDepthSkip(std::size_t market, std::int64_t /*count*/)
{
    // The slow stream must not merge across the gap and hide it.
    flushSlowDepth(market);
}

void BinanceSimulator::flushSlowDepth(std::size_t market)
{
    auto &pending = m_streams[market].slowPending;
    if (!pending)
        return;
    publish(market, BinanceConnection::kDepthSlow, m_streams[market].depthSlow,
        [&](std::string &out, TimeUnit unit) {
            binance_json::appendDepthEvent(out, markets()[market].symbol(), *pending, unit);
        });
    pending.reset();
}

std::string BinanceSimulator::shutdownNotice(const SimulatedClient &client)
{
    const auto &connection = static_cast<const BinanceConnection &>(client);
    std::string frame;
    if (connection.combined())
        frame += R"({"stream":"!serverShutdown","data":)";
    frame += R"({"e":"serverShutdown","E":)";
    binance_json::appendTime(frame, nowUs(), connection.timeUnit());
    frame += connection.combined() ? "}}" : "}";
    return frame;
}

QJsonObject BinanceSimulator::restReport() const
{
    return m_restApi ? m_restApi->report() : QJsonObject{};
}

std::string_view BinanceSimulator::malformedFrame() const
{
    return kMalformedFrame;
}

template<typename AppendEvent>
void BinanceSimulator::publish(std::size_t market, BinanceConnection::Stream stream,
    std::string_view streamName, const AppendEvent &appendEvent)
{
    std::string &frame = frameBuffer();
    for (const auto &client : clients()) {
        auto &connection = static_cast<BinanceConnection &>(*client);
        if (!connection.receives(market, stream))
            continue;
        frame.clear();
        if (connection.combined()) {
            frame += R"({"stream":")";
            frame += streamName;
            frame += R"(","data":)";
        }
        appendEvent(frame, connection.timeUnit());
        if (connection.combined())
            frame += '}';
        send(connection, frame);
    }
}

} // namespace tickscope::sim
