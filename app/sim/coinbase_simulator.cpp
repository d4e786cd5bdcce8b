#include "app/sim/coinbase_simulator.h"

#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>
#include <chrono>
#include <format>

namespace tickscope::sim {

namespace {

constexpr std::string_view kMalformedFrame = R"({"type":"match","trade_id":)";
constexpr qint64 kMaxRequestBytes = 64 * 1024;
constexpr int kDecimals = 8; // Coinbase writes "10101.10000000"
constexpr std::uint64_t kHeartbeatRounds = 10; // of the 100 ms depth interval

enum Channel : std::uint8_t { kMatches = 1, kLevel2 = 2, kHeartbeat = 4 };

void appendPrice(std::string &out, std::int64_t ticks)
{
    appendFixedDecimal(out, ticks * 1'000'000, kDecimals);
}

void appendSize(std::string &out, std::int64_t lots)
{
    appendFixedDecimal(out, lots * 1'000, kDecimals);
}

template<typename Side> void appendLevels(std::string &out, const Side &side)
{
    out += '[';
    bool first = true;
    for (const auto &[ticks, lots] : side) {
        out += first ? R"([")" : R"(,[")";
        first = false;
        appendPrice(out, ticks);
        out += R"(",")";
        appendSize(out, lots);
        out += R"("])";
    }
    out += ']';
}

template<typename Side>
void appendChanges(std::string &out, const Side &side, const char *name, bool &first)
{
    for (const auto &[ticks, lots] : side) {
        out += first ? R"([")" : R"(,[")";
        first = false;
        out += name;
        out += R"(",")";
        appendPrice(out, ticks);
        out += R"(",")";
        appendSize(out, lots);
        out += R"("])";
    }
}

} // namespace

class CoinbaseSimulator::Client : public SimulatedClient
{
public:
    Client(QWebSocket *socket, std::size_t markets)
        : SimulatedClient(socket)
        , channels(markets, 0)
    { }

    std::vector<std::uint8_t> channels; // per market
};

CoinbaseSimulator::CoinbaseSimulator(Options options, QObject *parent)
    : ExchangeSimulator(std::move(options), kProtocol, parent)
    , m_sequences(this->options().symbols.size(), 0)
{ }

std::map<std::string, std::string, std::less<>> CoinbaseSimulator::adapterOptions() const
{
    return {{"websocket_url", std::format("ws://127.0.0.1:{}", port())},
        {"rest_url", std::format("http://127.0.0.1:{}", restPort())}};
}

std::expected<std::unique_ptr<SimulatedClient>, QString> CoinbaseSimulator::accept(
    QWebSocket *socket)
{
    socket->setMaxAllowedIncomingMessageSize(kMaxRequestBytes);
    return std::make_unique<Client>(socket, markets().size());
}

void CoinbaseSimulator::onClientText(SimulatedClient &sender, const QString &text)
{
    auto &client = static_cast<Client &>(sender);
    const QJsonObject request = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = request.value(QStringLiteral("type")).toString();
    auto error = [&](const QString &message, const QString &reason) {
        send(client,
            QJsonDocument(
                QJsonObject{{QStringLiteral("type"), QStringLiteral("error")},
                    {QStringLiteral("message"), message}, {QStringLiteral("reason"), reason}})
                .toJson(QJsonDocument::Compact)
                .toStdString());
    };
    if (type != QLatin1String("subscribe") && type != QLatin1String("unsubscribe"))
        return error(QStringLiteral("Failed to subscribe"),
            QStringLiteral("type %1 is not valid").arg(type));
    std::uint8_t channels = 0;
    for (const QJsonValue &channel : request.value(QStringLiteral("channels")).toArray()) {
        const QString name = channel.toString();
        channels |= name == QLatin1String("matches") ? kMatches
            : name == QLatin1String("level2_batch")  ? kLevel2
            : name == QLatin1String("heartbeat")     ? kHeartbeat
                                                     : 0;
    }
    std::vector<std::size_t> products;
    for (const QJsonValue &product : request.value(QStringLiteral("product_ids")).toArray()) {
        const std::string symbol = product.toString().toStdString();
        const auto market = std::ranges::find(markets(), symbol, &SimulatedMarket::symbol);
        if (market == markets().end())
            return error(QStringLiteral("Failed to subscribe"),
                QStringLiteral("%1 is not a valid product").arg(product.toString()));
        products.push_back(static_cast<std::size_t>(market - markets().begin()));
    }
    const bool add = type == QLatin1String("subscribe");
    for (const std::size_t market : products) {
        const std::uint8_t had = client.channels[market];
        client.channels[market] = add ? had | channels : had & static_cast<std::uint8_t>(~channels);
    }

    // What the connection holds now, channel by channel.
    QJsonArray held;
    for (const auto &[bit, name] : {std::pair{kMatches, "matches"},
             std::pair{kLevel2, "level2_batch"}, std::pair{kHeartbeat, "heartbeat"}}) {
        QJsonArray ids;
        for (std::size_t market = 0; market < markets().size(); ++market)
            if (client.channels[market] & bit)
                ids << QString::fromStdString(markets()[market].symbol());
        if (!ids.isEmpty())
            held << QJsonObject{{QStringLiteral("name"), QLatin1StringView(name)},
                {QStringLiteral("product_ids"), ids}};
    }
    send(client,
        QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("subscriptions")},
                          {QStringLiteral("channels"), held}})
            .toJson(QJsonDocument::Compact)
            .toStdString());
    if (!add)
        return;
    if (channels & kMatches)
        tradesSubscribed();
    for (const std::size_t market : products) {
        const SimulatedMarket &truth = markets()[market];
        if ((channels & kMatches) && truth.lastTradeId()) {
            const auto last = truth.trades(std::nullopt, 1);
            if (!last.empty()) {
                writeMatch(market, last.front(), true);
                send(client, frameBuffer());
            }
        }
        if (channels & kLevel2) {
            std::string &frame = frameBuffer();
            frame = std::format(R"({{"type":"snapshot","product_id":"{}","bids":)", truth.symbol());
            appendLevels(frame, truth.bids());
            frame += R"(,"asks":)";
            appendLevels(frame, truth.asks());
            frame += '}';
            send(client, frame);
        }
    }
}

void CoinbaseSimulator::writeMatch(
    std::size_t market, const SimulatedMarket::Trade &trade, bool last)
{
    std::string &frame = frameBuffer();
    frame.clear();
    frame += last ? R"({"type":"last_match","trade_id":)" : R"({"type":"match","trade_id":)";
    frame += std::to_string(trade.id);
    frame += R"(,"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8",)"
             R"("taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1","side":")";
    // The maker's side: a buyer who made the market.
    frame += trade.buyerIsMaker ? "buy" : "sell";
    frame += R"(","size":")";
    appendSize(frame, trade.quantityLots);
    frame += R"(","price":")";
    appendPrice(frame, trade.priceTicks);
    frame += R"(","product_id":")";
    frame += markets()[market].symbol();
    frame += R"(","sequence":)";
    frame += std::to_string(++m_sequences[market]);
    frame += R"(,"time":")";
    frame += rfc3339(trade.timeUs);
    frame += R"("})";
}

void CoinbaseSimulator::publishTrade(std::size_t market, const SimulatedMarket::Trade &trade)
{
    writeMatch(market, trade, false);
    for (const auto &client : clients()) {
        if (static_cast<const Client &>(*client).channels[market] & kMatches)
            send(*client, frameBuffer());
    }
}

void CoinbaseSimulator::publishDepth(std::size_t market,
    const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t round)
{
    const SimulatedMarket &truth = markets()[market];
    std::string &frame = frameBuffer();
    if (event) {
        frame = std::format(R"({{"type":"l2update","product_id":"{}","time":"{}","changes":[)",
            truth.symbol(), rfc3339(event->timeUs));
        bool first = true;
        appendChanges(frame, event->bids, "buy", first);
        appendChanges(frame, event->asks, "sell", first);
        frame += "]}";
        for (const auto &client : clients()) {
            if (static_cast<const Client &>(*client).channels[market] & kLevel2)
                send(*client, frame);
        }
    }
    if (round % kHeartbeatRounds != 0)
        return;
    frame = std::format(R"({{"type":"heartbeat","sequence":{},"last_trade_id":{},)"
                        R"("product_id":"{}","time":"{}"}})",
        ++m_sequences[market], truth.lastTradeId().value_or(0), truth.symbol(), rfc3339(nowUs()));
    for (const auto &client : clients()) {
        if (static_cast<const Client &>(*client).channels[market] & kHeartbeat)
            send(*client, frame);
    }
}

std::string CoinbaseSimulator::shutdownNotice(const SimulatedClient &)
{
    return {};
}

std::string_view CoinbaseSimulator::malformedFrame() const
{
    return kMalformedFrame;
}

std::optional<HttpServer::Handler> CoinbaseSimulator::restApi()
{
    return [this](const HttpServer::Request &request) -> HttpServer::Response {
        const auto refuse = [](int status, const QString &message) {
            return HttpServer::Response{status,
                QJsonDocument(QJsonObject{{QStringLiteral("message"), message}})
                    .toJson(QJsonDocument::Compact)};
        };
        const QStringList parts = request.path.split(u'/');
        // "", "products", "<id>", "trades"
        if (parts.size() != 4 || parts[1] != u"products" || parts[3] != u"trades")
            return refuse(404, QStringLiteral("route not found"));
        const SimulatedMarket *found = market(parts[2].toStdString());
        if (!found)
            return refuse(404, QStringLiteral("NotFound"));
        if (request.query.hasQueryItem(QStringLiteral("before")))
            return refuse(400, QStringLiteral("the simulator pages with 'after' only"));
        const auto limit = HttpServer::wholeNumber(request.query, QStringLiteral("limit"), 1, 1000);
        const auto after
            = HttpServer::wholeNumber(request.query, QStringLiteral("after"), 1, INT64_MAX);
        if (!limit || !after)
            return refuse(400, !limit ? limit.error() : after.error());
        const auto count = static_cast<std::size_t>(limit->value_or(1000));
        auto trades
            = *after ? found->tradesBefore(**after, count) : found->trades(std::nullopt, count);
        if (!*after)
            std::ranges::reverse(trades); // newest first, as Coinbase pages
        std::string body = "[";
        for (const auto &trade : trades) {
            body += body.size() == 1 ? R"({"time":")" : R"(,{"time":")";
            body += rfc3339(trade.timeUs);
            body += R"(","trade_id":)";
            body += std::to_string(trade.id);
            body += R"(,"price":")";
            appendPrice(body, trade.priceTicks);
            body += R"(","size":")";
            appendSize(body, trade.quantityLots);
            // The maker's side: a buyer who made the market.
            body += trade.buyerIsMaker ? R"(","side":"buy"})" : R"(","side":"sell"})";
        }
        body += ']';
        HttpServer::Response response{200, QByteArray::fromStdString(body)};
        if (!trades.empty()) {
            response.headers.append({"CB-BEFORE", QByteArray::number(qint64(trades.front().id))});
            response.headers.append({"CB-AFTER", QByteArray::number(qint64(trades.back().id))});
        }
        return response;
    };
}

} // namespace tickscope::sim
