#include "app/sim/bybit_simulator.h"

#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>
#include <format>

namespace tickscope::sim {

namespace {

constexpr QLatin1StringView kPath{"/v5/public/spot"};
constexpr std::string_view kMalformedFrame = R"({"topic":"publicTrade.)";
constexpr qint64 kMaxRequestBytes = 64 * 1024;
constexpr std::array<std::size_t, 3> kDepths{50, 200, 1000};

template<typename Side> void appendLevels(std::string &out, const Side &side)
{
    out += '[';
    bool first = true;
    for (const auto &[ticks, lots] : side) {
        out += first ? R"([")" : R"(,[")";
        first = false;
        appendFixedDecimal(out, ticks, SimulatedMarket::kPriceDecimals);
        out += R"(",")";
        appendFixedDecimal(out, lots, SimulatedMarket::kQuantityDecimals);
        out += R"("])";
    }
    out += ']';
}

} // namespace

// One connection: per market, whether it takes the trades and the depth of its book topic (0:
// none).
class BybitSimulator::Client : public SimulatedClient
{
public:
    Client(QWebSocket *socket, std::size_t markets, std::int64_t id)
        : SimulatedClient(socket)
        , trades(markets, false)
        , bookDepth(markets, 0)
        , connectionId(std::format("{:08x}-sim", id))
    { }

    std::vector<bool> trades;
    std::vector<std::size_t> bookDepth;
    std::string connectionId;
};

BybitSimulator::BybitSimulator(Options options, QObject *parent)
    : ExchangeSimulator(std::move(options), kProtocol, parent)
    , m_updateIds(this->options().symbols.size(), 1)
    , m_skipped(this->options().symbols.size())
{ }

std::map<std::string, std::string, std::less<>> BybitSimulator::adapterOptions() const
{
    return {{"websocket_url", std::format("ws://127.0.0.1:{}{}", port(), kPath.data())}};
}

std::expected<std::unique_ptr<SimulatedClient>, QString> BybitSimulator::accept(QWebSocket *socket)
{
    const QString path = socket->requestUrl().path();
    if (path != kPath)
        return std::unexpected(
            QStringLiteral("unknown path %1; spot's public topics are on %2").arg(path, kPath));
    socket->setMaxAllowedIncomingMessageSize(kMaxRequestBytes);
    return std::make_unique<Client>(socket, markets().size(), ++m_nextConnectionId);
}

void BybitSimulator::onClientText(SimulatedClient &sender, const QString &text)
{
    auto &client = static_cast<Client &>(sender);
    const QJsonObject request = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString op = request.value(QStringLiteral("op")).toString();
    const QJsonValue reqId = request.value(QStringLiteral("req_id"));
    const std::string reqIdField
        = reqId.isString() ? R"(,"req_id":)" + jsonText(reqId) : std::string();
    auto reply = [&](bool success, const QString &message) {
        send(client,
            std::format(R"({{"success":{},"ret_msg":{},"conn_id":"{}"{},"op":{}}})",
                success ? "true" : "false", jsonText(message), client.connectionId, reqIdField,
                jsonText(op)));
    };
    if (op == QLatin1String("ping"))
        return reply(true, QStringLiteral("pong"));
    if (op != QLatin1String("subscribe") && op != QLatin1String("unsubscribe"))
        return reply(false, QStringLiteral("error:request not supported, op:%1").arg(op));
    const QJsonArray args = request.value(QStringLiteral("args")).toArray();
    if (args.isEmpty())
        return reply(false, QStringLiteral("error:args empty"));
    if (args.size() > kTopicsPerRequest)
        return reply(false, QStringLiteral("args size >%1").arg(kTopicsPerRequest));

    // Every topic must exist, or nothing is done.
    struct Topic
    {
        std::size_t market;
        std::size_t depth; // 0: publicTrade
    };
    std::vector<Topic> topics;
    for (const QJsonValue &arg : args) {
        const QStringList parts = arg.toString().split(u'.');
        const std::string symbol = parts.back().toStdString();
        const auto market = std::ranges::find(markets(), symbol, &SimulatedMarket::symbol);
        const bool trade = parts.size() == 2 && parts[0] == QLatin1String("publicTrade");
        const bool book = parts.size() == 3 && parts[0] == QLatin1String("orderbook")
            && std::ranges::find(kDepths, parts[1].toULongLong()) != kDepths.end();
        if (market == markets().end() || (!trade && !book))
            return reply(
                false, QStringLiteral("error:handler not found,topic:%1").arg(arg.toString()));
        topics.push_back({static_cast<std::size_t>(market - markets().begin()),
            book ? parts[1].toULongLong() : 0});
    }
    const bool add = op == QLatin1String("subscribe");
    reply(true, op);
    for (const Topic &topic : topics) {
        if (topic.depth == 0) {
            client.trades[topic.market] = add;
            if (add)
                tradesSubscribed();
            continue;
        }
        client.bookDepth[topic.market] = add ? topic.depth : 0;
        if (add) {
            const SimulatedMarket &market = markets()[topic.market];
            writeBook(topic.market, topic.depth, true, market.bids(), market.asks(), nowUs());
            send(client, frameBuffer());
        }
    }
}

void BybitSimulator::publishTrade(std::size_t market, const SimulatedMarket::Trade &trade)
{
    const std::string &symbol = markets()[market].symbol();
    const std::int64_t timeMs = trade.timeUs / 1000;
    std::string &frame = frameBuffer();
    frame.clear();
    frame += R"({"topic":"publicTrade.)";
    frame += symbol;
    frame += R"(","type":"snapshot","ts":)";
    frame += std::to_string(timeMs);
    frame += R"(,"data":[{"T":)";
    frame += std::to_string(timeMs);
    frame += R"(,"s":")";
    frame += symbol;
    // The buyer made the market: the taker sold.
    frame += trade.buyerIsMaker ? R"(","S":"Sell","v":")" : R"(","S":"Buy","v":")";
    appendFixedDecimal(frame, trade.quantityLots, SimulatedMarket::kQuantityDecimals);
    frame += R"(","p":")";
    appendFixedDecimal(frame, trade.priceTicks, SimulatedMarket::kPriceDecimals);
    frame += R"(","i":")";
    frame += std::to_string(trade.id);
    frame += R"(","BT":false,"RPI":false,"seq":)";
    frame += std::to_string(trade.id);
    frame += "}]}";
    for (const auto &client : clients()) {
        if (static_cast<const Client &>(*client).trades[market])
            send(*client, frame);
    }
}

void BybitSimulator::publishDepth(std::size_t market,
    const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t /*round*/)
{
    if (!event)
        return;
    ++m_updateIds[market];
    for (const auto &client : clients()) {
        const std::size_t depth = static_cast<const Client &>(*client).bookDepth[market];
        if (depth == 0)
            continue;
        writeBook(market, depth, false, event->bids, event->asks, event->timeUs);
        send(*client, frameBuffer());
    }
}

void BybitSimulator::writeBook(std::size_t market, std::size_t depth, bool snapshot,
    const SimulatedMarket::Bids &bids, const SimulatedMarket::Asks &asks, std::int64_t timeUs)
{
    const std::string &symbol = markets()[market].symbol();
    const std::int64_t timeMs = timeUs / 1000;
    std::string &frame = frameBuffer();
    // Spot puts ts before type.
    frame = std::format(R"({{"topic":"orderbook.{}.{}","ts":{},"type":"{}","data":{{"s":"{}","b":)",
        depth, symbol, timeMs, snapshot ? "snapshot" : "delta", symbol);
    appendLevels(frame, bids);
    frame += R"(,"a":)";
    appendLevels(frame, asks);
    frame += std::format(R"(,"u":{},"seq":{}}},"cts":{}}})", m_updateIds[market],
        markets()[market].lastUpdateId(), timeMs);
}

void BybitSimulator::beforeDepthSkip(std::size_t market, std::int64_t count)
{
    m_skipped[market].emplace_back(m_updateIds[market] + 1, m_updateIds[market] + count);
    m_updateIds[market] += count;
}

std::vector<SimulatedMarket::IdRange> BybitSimulator::depthGaps(std::size_t market) const
{
    return m_skipped[market];
}

std::string BybitSimulator::shutdownNotice(const SimulatedClient &)
{
    return {};
}

std::string_view BybitSimulator::malformedFrame() const
{
    return kMalformedFrame;
}

} // namespace tickscope::sim
