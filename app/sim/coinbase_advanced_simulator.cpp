#include "app/sim/coinbase_advanced_simulator.h"

#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>
#include <format>

namespace tickscope::sim {

namespace {

constexpr std::string_view kMalformedFrame = R"({"channel":"market_trades","client_id":"",)";
constexpr qint64 kMaxRequestBytes = 64 * 1024;
constexpr std::uint64_t kHeartbeatRounds = 10; // of the 100 ms depth interval

enum Channel : std::uint8_t { kTrades = 1, kLevel2 = 2, kHeartbeats = 4 };

std::uint8_t channelBit(const QString &name)
{
    return name == QLatin1String("market_trades") ? kTrades
        : name == QLatin1String("level2")         ? kLevel2
        : name == QLatin1String("heartbeats")     ? kHeartbeats
                                                  : 0;
}

// {"side":"bid","event_time":..,"price_level":..,"new_quantity":..} for each level of `side`.
template<typename Side>
void appendUpdates(std::string &out, const Side &side, const char *name, const std::string &time)
{
    for (const auto &[ticks, lots] : side) {
        if (out.back() != '[')
            out += ',';
        out += R"({"side":")";
        out += name;
        out += R"(","event_time":")";
        out += time;
        out += R"(","price_level":")";
        appendShortestDecimal(out, ticks, SimulatedMarket::kPriceDecimals);
        out += R"(","new_quantity":")";
        appendShortestDecimal(out, lots, SimulatedMarket::kQuantityDecimals);
        out += R"("})";
    }
}

// An l2_data event of `symbol`: its type and the levels.
template<typename Bids, typename Asks>
std::string bookEvent(const char *type, const std::string &symbol, const Bids &bids,
    const Asks &asks, const std::string &time)
{
    std::string event = std::format(R"({{"type":"{}","product_id":"{}","updates":[)", type, symbol);
    appendUpdates(event, bids, "bid", time);
    appendUpdates(event, asks, "offer", time);
    event += "]}";
    return event;
}

} // namespace

// One connection: its channels per market and the sequence_num of its next message.
class CoinbaseAdvancedSimulator::Client : public SimulatedClient
{
public:
    Client(QWebSocket *socket, std::size_t markets)
        : SimulatedClient(socket)
        , channels(markets, 0)
    { }

    bool receives(std::size_t market, Channel channel) const
    {
        return (channels[market] & channel) != 0;
    }

    std::vector<std::uint8_t> channels;
    std::int64_t nextSequence = 0;
};

CoinbaseAdvancedSimulator::CoinbaseAdvancedSimulator(Options options, QObject *parent)
    : ExchangeSimulator(std::move(options), kProtocol, parent)
{ }

std::map<std::string, std::string, std::less<>> CoinbaseAdvancedSimulator::adapterOptions() const
{
    return {{"websocket_url", std::format("ws://127.0.0.1:{}", port())}, {"trade_side", "taker"}};
}

std::expected<std::unique_ptr<SimulatedClient>, QString> CoinbaseAdvancedSimulator::accept(
    QWebSocket *socket)
{
    socket->setMaxAllowedIncomingMessageSize(kMaxRequestBytes);
    return std::make_unique<Client>(socket, markets().size());
}

void CoinbaseAdvancedSimulator::publish(const char *channel, std::string_view events,
    std::int64_t timeUs, const std::function<bool(const Client &)> &receives)
{
    const std::string timestamp = rfc3339(timeUs);
    std::string &frame = frameBuffer();
    for (const auto &held : clients()) {
        auto &client = static_cast<Client &>(*held);
        if (!receives(client))
            continue;
        frame = std::format(R"({{"channel":"{}","client_id":"","timestamp":"{}",)"
                            R"("sequence_num":{},"events":[{}]}})",
            channel, timestamp, client.nextSequence++, events);
        send(client, frame);
    }
}

void CoinbaseAdvancedSimulator::onClientText(SimulatedClient &sender, const QString &text)
{
    auto &client = static_cast<Client &>(sender);
    const QJsonObject request = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = request.value(QStringLiteral("type")).toString();
    const QString channel = request.value(QStringLiteral("channel")).toString();
    auto refuse = [&](const QString &message) {
        send(client,
            QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("error")},
                              {QStringLiteral("message"), message}})
                .toJson(QJsonDocument::Compact)
                .toStdString());
    };
    if (type != QLatin1String("subscribe") && type != QLatin1String("unsubscribe"))
        return refuse(QStringLiteral("type %1 is not valid").arg(type));
    const std::uint8_t bit = channelBit(channel);
    if (bit == 0)
        return refuse(QStringLiteral("Failure to subscribe: unknown channel '%1'").arg(channel));
    std::vector<std::size_t> products;
    for (const QJsonValue &product : request.value(QStringLiteral("product_ids")).toArray()) {
        const auto market = std::ranges::find(
            markets(), product.toString().toStdString(), &SimulatedMarket::symbol);
        if (market == markets().end())
            return refuse(QStringLiteral("Failure to subscribe: %1 is not a valid product")
                    .arg(product.toString()));
        products.push_back(static_cast<std::size_t>(market - markets().begin()));
    }
    const bool add = type == QLatin1String("subscribe");
    for (const std::size_t market : products)
        client.channels[market] = add ? client.channels[market] | bit
                                      : client.channels[market] & static_cast<std::uint8_t>(~bit);

    // What the connection holds now, channel by channel.
    QJsonObject held;
    for (const char *name : {"market_trades", "level2", "heartbeats"}) {
        QJsonArray ids;
        for (std::size_t market = 0; market < markets().size(); ++market)
            if (client.channels[market] & channelBit(QLatin1String(name)))
                ids << QString::fromStdString(markets()[market].symbol());
        if (!ids.isEmpty())
            held.insert(QLatin1String(name), ids);
    }
    const std::string events = QJsonDocument(QJsonObject{{QStringLiteral("subscriptions"), held}})
                                   .toJson(QJsonDocument::Compact)
                                   .toStdString();
    publish("subscriptions", events, nowUs(), [&](const Client &to) { return &to == &client; });
    if (!add)
        return;
    if (bit == kTrades)
        tradesSubscribed();
    if (bit != kLevel2)
        return;
    for (const std::size_t market : products) {
        const SimulatedMarket &truth = markets()[market];
        publish("l2_data",
            bookEvent(
                "snapshot", truth.symbol(), truth.bids(), truth.asks(), "1970-01-01T00:00:00Z"),
            nowUs(), [&](const Client &to) { return &to == &client; });
    }
}

void CoinbaseAdvancedSimulator::publishTrade(
    std::size_t market, const SimulatedMarket::Trade &trade)
{
    std::string events = R"({"type":"update","trades":[{"trade_id":")";
    events += std::to_string(trade.id);
    events += R"(","product_id":")";
    events += markets()[market].symbol();
    events += R"(","price":")";
    appendShortestDecimal(events, trade.priceTicks, SimulatedMarket::kPriceDecimals);
    events += R"(","size":")";
    appendShortestDecimal(events, trade.quantityLots, SimulatedMarket::kQuantityDecimals);
    // The taker's side: a buyer who made the market met a selling taker.
    events += trade.buyerIsMaker ? R"(","side":"SELL","time":")" : R"(","side":"BUY","time":")";
    events += rfc3339(trade.timeUs);
    events += R"("}]})";
    publish("market_trades", events, trade.timeUs,
        [&](const Client &client) { return client.receives(market, kTrades); });
}

void CoinbaseAdvancedSimulator::publishDepth(std::size_t market,
    const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t round)
{
    if (event) {
        publish("l2_data",
            bookEvent("update", markets()[market].symbol(), event->bids, event->asks,
                rfc3339(event->timeUs)),
            event->timeUs, [&](const Client &client) { return client.receives(market, kLevel2); });
    }
    // One heartbeat a second for each connection, sent with the first market's round.
    if (market != 0 || round % kHeartbeatRounds != 0)
        return;
    const std::int64_t now = nowUs();
    publish("heartbeats",
        std::format(
            R"({{"current_time":"{}","heartbeat_counter":"{}"}})", rfc3339(now), ++m_heartbeats),
        now, [](const Client &client) {
            return std::ranges::any_of(
                client.channels, [](std::uint8_t bits) { return (bits & kHeartbeats) != 0; });
        });
}

void CoinbaseAdvancedSimulator::beforeDepthSkip(std::size_t market, std::int64_t /*count*/)
{
    // The message that would have carried the skipped changes is lost: the connection's
    // sequence_num moves on without it.
    for (const auto &held : clients()) {
        auto &client = static_cast<Client &>(*held);
        if (client.receives(market, kLevel2))
            ++client.nextSequence;
    }
}

std::string CoinbaseAdvancedSimulator::shutdownNotice(const SimulatedClient &)
{
    return {};
}

std::string_view CoinbaseAdvancedSimulator::malformedFrame() const
{
    return kMalformedFrame;
}

} // namespace tickscope::sim
