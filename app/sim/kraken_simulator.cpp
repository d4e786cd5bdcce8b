#include "app/sim/kraken_simulator.h"

#include "app/feeds/kraken/book_checksum.h"
#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>
#include <chrono>
#include <format>

namespace tickscope::sim {

namespace {

constexpr QLatin1StringView kPath{"/v2"};
constexpr std::string_view kMalformedFrame = R"({"channel":"trade","type":"update","data":[{)";
constexpr qint64 kMaxRequestBytes = 64 * 1024;
constexpr std::array kDepths{10, 25, 100, 500, 1000};

void appendLevel(std::string &out, std::int64_t ticks, std::uint32_t lots)
{
    out += R"({"price":)";
    appendShortestDecimal(out, ticks, SimulatedMarket::kPriceDecimals);
    out += R"(,"qty":)";
    appendShortestDecimal(out, lots, SimulatedMarket::kQuantityDecimals);
    out += '}';
}

template<typename Side> Side topOf(const Side &side, std::size_t depth)
{
    Side top;
    for (const auto &level : side) {
        if (top.size() == depth)
            break;
        top.insert(level);
    }
    return top;
}

template<typename Side> std::vector<model::PriceLevel> checksumLevels(const Side &side)
{
    std::vector<model::PriceLevel> levels;
    for (const auto &[ticks, lots] : side) {
        if (levels.size() == feeds::kraken::kChecksumLevels)
            break;
        levels.push_back({{ticks, SimulatedMarket::kPriceDecimals},
            {static_cast<std::int64_t>(lots), SimulatedMarket::kQuantityDecimals}});
    }
    return levels;
}

// What changed from `before` to `after` in one side of a window, as Kraken sends it: new and
// changed levels, and a zero for a level that left the window because it is gone from `truth`
// (one pushed out by better levels is dropped by the client's truncation instead).
template<typename Side>
bool appendChanges(std::string &out, const Side &before, const Side &after, const Side &truth)
{
    bool any = false;
    auto separator = [&] {
        if (any)
            out += ',';
        any = true;
    };
    for (const auto &[ticks, lots] : after) {
        const auto old = before.find(ticks);
        if (old != before.end() && old->second == lots)
            continue;
        separator();
        appendLevel(out, ticks, lots);
    }
    for (const auto &[ticks, lots] : before) {
        if (after.contains(ticks) || truth.contains(ticks))
            continue;
        separator();
        appendLevel(out, ticks, 0);
    }
    return any;
}

} // namespace

// The levels of one market's book a client was last sent, at the depth it subscribed.
struct KrakenSimulator::Window
{
    std::size_t depth = 0; // 0: not subscribed
    SimulatedMarket::Bids bids;
    SimulatedMarket::Asks asks;
};

class KrakenSimulator::Client : public SimulatedClient
{
public:
    Client(QWebSocket *socket, std::size_t markets)
        : SimulatedClient(socket)
        , trades(markets, false)
        , books(markets)
    { }

    std::vector<bool> trades;
    std::vector<Window> books;
};

KrakenSimulator::KrakenSimulator(Options options, QObject *parent)
    : ExchangeSimulator(std::move(options), kProtocol, parent)
    , m_spoilChecksum(this->options().symbols.size(), false)
    , m_loseNext(this->options().symbols.size(), false)
{ }

std::map<std::string, std::string, std::less<>> KrakenSimulator::adapterOptions() const
{
    return {{"websocket_url", std::format("ws://127.0.0.1:{}{}", port(), kPath.data())},
        {"rest_url", std::format("http://127.0.0.1:{}", restPort())}};
}

std::expected<std::unique_ptr<SimulatedClient>, QString> KrakenSimulator::accept(QWebSocket *socket)
{
    const QString path = socket->requestUrl().path();
    if (path != kPath)
        return std::unexpected(
            QStringLiteral("unknown path %1; WebSocket v2 is on %2").arg(path, kPath));
    socket->setMaxAllowedIncomingMessageSize(kMaxRequestBytes);
    auto client = std::make_unique<Client>(socket, markets().size());
    send(*client,
        std::format(R"({{"channel":"status","type":"update","data":[{{"api_version":"v2",)"
                    R"("connection_id":{},"system":"online","version":"2.0.0"}}]}})",
            13834774380200032777ull + ++m_nextConnectionId));
    return client;
}

void KrakenSimulator::onClientText(SimulatedClient &sender, const QString &text)
{
    auto &client = static_cast<Client &>(sender);
    const std::string now = rfc3339(nowUs());
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    const QJsonObject request = document.object();
    const QString method = request.value(QStringLiteral("method")).toString();
    const QJsonValue reqId = request.value(QStringLiteral("req_id"));
    const std::string reqIdField
        = reqId.isDouble() ? R"(,"req_id":)" + jsonText(reqId) : std::string();
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        send(client,
            std::format(R"({{"error":"Malformed request","success":false,"time_in":"{}",)"
                        R"("time_out":"{}"}})",
                now, now));
        return;
    }
    if (method == QLatin1String("ping")) {
        send(client,
            std::format(
                R"({{"method":"pong"{},"time_in":"{}","time_out":"{}"}})", reqIdField, now, now));
        return;
    }
    if (method != QLatin1String("subscribe") && method != QLatin1String("unsubscribe")) {
        send(client,
            std::format(R"({{"error":"Method not found","method":{},"success":false{},)"
                        R"("time_in":"{}","time_out":"{}"}})",
                jsonText(method), reqIdField, now, now));
        return;
    }
    subscribe(client, request);
}

void KrakenSimulator::subscribe(Client &client, const QJsonObject &request)
{
    const std::string now = rfc3339(nowUs());
    const std::string method = request.value(QStringLiteral("method")).toString().toStdString();
    const bool add = method == "subscribe";
    const QJsonValue reqId = request.value(QStringLiteral("req_id"));
    const std::string reqIdField
        = reqId.isDouble() ? R"(,"req_id":)" + jsonText(reqId) : std::string();
    const QJsonObject params = request.value(QStringLiteral("params")).toObject();
    const std::string channel = params.value(QStringLiteral("channel")).toString().toStdString();
    auto fail = [&](const std::string &error, const std::string &symbol) {
        send(client,
            std::format(R"({{"error":{},"method":"{}"{},"success":false{},"time_in":"{}",)"
                        R"("time_out":"{}"}})",
                jsonText(QString::fromStdString(error)), method, reqIdField,
                symbol.empty() ? std::string()
                               : R"(,"symbol":)" + jsonText(QString::fromStdString(symbol)),
                now, now));
    };
    if (channel == "instrument") {
        send(client,
            std::format(R"({{"method":"{}","result":{{"channel":"instrument","snapshot":true}},)"
                        R"("success":true{},"time_in":"{}","time_out":"{}"}})",
                method, reqIdField, now, now));
        if (!add)
            return;
        std::string &frame = frameBuffer();
        frame = R"({"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[)";
        for (std::size_t i = 0; i < markets().size(); ++i)
            frame += std::format(R"({}{{"symbol":"{}","price_precision":{},"qty_precision":{},)"
                                 R"("price_increment":0.01,"qty_increment":0.00001,)"
                                 R"("status":"online"}})",
                i == 0 ? "" : ",", markets()[i].symbol(), SimulatedMarket::kPriceDecimals,
                SimulatedMarket::kQuantityDecimals);
        frame += "]}}";
        send(client, frame);
        return;
    }
    if (channel != "trade" && channel != "book")
        return fail("Channel not supported", {});
    std::size_t depth = 10;
    if (channel == "book" && params.contains(QStringLiteral("depth"))) {
        const int asked = params.value(QStringLiteral("depth")).toInt();
        if (std::ranges::find(kDepths, asked) == kDepths.end())
            return fail("Invalid depth", {});
        depth = static_cast<std::size_t>(asked);
    }
    const QJsonArray symbols = params.value(QStringLiteral("symbol")).toArray();
    if (symbols.isEmpty())
        return fail("Missing symbol", {});
    for (const QJsonValue &value : symbols) {
        const std::string symbol = value.toString().toStdString();
        const auto market = std::ranges::find(markets(), symbol, &SimulatedMarket::symbol);
        if (market == markets().end()) {
            fail("Currency pair not supported " + symbol, symbol);
            continue;
        }
        const auto index = static_cast<std::size_t>(market - markets().begin());
        send(client,
            std::format(R"({{"method":"{}","result":{{"channel":"{}",{}"snapshot":{},)"
                        R"("symbol":"{}"}},"success":true{},"time_in":"{}","time_out":"{}"}})",
                method, channel,
                channel == "book" ? std::format(R"("depth":{},)", depth) : std::string(),
                channel == "book" ? "true" : "false", symbol, reqIdField, now, now));
        if (channel == "trade") {
            client.trades[index] = add;
            if (add)
                tradesSubscribed();
            continue;
        }
        client.books[index] = {};
        if (add) {
            client.books[index].depth = depth;
            writeBook(client, index, true);
            send(client, frameBuffer());
        }
    }
}

void KrakenSimulator::publishTrade(std::size_t market, const SimulatedMarket::Trade &trade)
{
    std::string &frame = frameBuffer();
    frame.clear();
    frame += R"({"channel":"trade","type":"update","data":[{"symbol":")";
    frame += markets()[market].symbol();
    // The buyer made the market: the taker sold.
    frame += trade.buyerIsMaker ? R"(","side":"sell","price":)" : R"(","side":"buy","price":)";
    appendShortestDecimal(frame, trade.priceTicks, SimulatedMarket::kPriceDecimals);
    frame += R"(,"qty":)";
    appendShortestDecimal(frame, trade.quantityLots, SimulatedMarket::kQuantityDecimals);
    frame += R"(,"ord_type":"market","trade_id":)";
    frame += std::to_string(trade.id);
    frame += R"(,"timestamp":")";
    frame += rfc3339(trade.timeUs);
    frame += R"("}]})";
    for (const auto &client : clients()) {
        if (static_cast<const Client &>(*client).trades[market])
            send(*client, frame);
    }
}

void KrakenSimulator::publishDepth(std::size_t market,
    const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t /*round*/)
{
    if (!event)
        return;
    // A lost message is one that had something to say.
    bool written = false;
    for (const auto &client : clients()) {
        auto &subscriber = static_cast<Client &>(*client);
        if (subscriber.books[market].depth == 0 || !writeBook(subscriber, market, false))
            continue;
        written = true;
        if (!m_loseNext[market])
            send(subscriber, frameBuffer());
    }
    if (written)
        m_loseNext[market] = false;
}

bool KrakenSimulator::writeBook(Client &client, std::size_t market, bool snapshot)
{
    const SimulatedMarket &truth = markets()[market];
    Window &window = client.books[market];
    const auto bids = topOf(truth.bids(), window.depth);
    const auto asks = topOf(truth.asks(), window.depth);
    std::string &frame = frameBuffer();
    frame.clear();
    frame += snapshot ? R"({"channel":"book","type":"snapshot","data":[{"symbol":")"
                      : R"({"channel":"book","type":"update","data":[{"symbol":")";
    frame += truth.symbol();
    frame += R"(","bids":[)";
    bool changed = appendChanges(
        frame, snapshot ? SimulatedMarket::Bids{} : window.bids, bids, truth.bids());
    frame += R"(],"asks":[)";
    changed
        = appendChanges(frame, snapshot ? SimulatedMarket::Asks{} : window.asks, asks, truth.asks())
        || changed;
    window.bids = bids;
    window.asks = asks;
    if (!changed && !snapshot)
        return false;
    std::uint32_t checksum = *feeds::kraken::bookChecksum(checksumLevels(asks),
        checksumLevels(bids), SimulatedMarket::kPriceDecimals, SimulatedMarket::kQuantityDecimals);
    if (m_spoilChecksum[market]) {
        m_spoilChecksum[market] = false;
        checksum ^= 1;
        countBadChecksum();
    }
    frame += std::format(R"(],"checksum":{},"timestamp":"{}"}}]}})", checksum, rfc3339(nowUs()));
    return true;
}

void KrakenSimulator::beforeDepthSkip(std::size_t market, std::int64_t /*count*/)
{
    m_loseNext[market] = true;
}

std::string KrakenSimulator::shutdownNotice(const SimulatedClient &)
{
    return R"({"channel":"status","type":"update","data":[{"api_version":"v2","system":)"
           R"("maintenance","version":"2.0.0"}]})";
}

std::string_view KrakenSimulator::malformedFrame() const
{
    return kMalformedFrame;
}

void KrakenSimulator::spoilNextChecksum(std::size_t market)
{
    m_spoilChecksum[market] = true;
}

std::optional<HttpServer::Handler> KrakenSimulator::restApi()
{
    return [this](const HttpServer::Request &request) -> HttpServer::Response {
        // Kraken answers its errors in the body's error list, with HTTP 200.
        const auto refuse = [](int status, const QString &error) {
            return HttpServer::Response{status,
                QJsonDocument(QJsonObject{{QStringLiteral("error"), QJsonArray{error}},
                                  {QStringLiteral("result"), QJsonObject()}})
                    .toJson(QJsonDocument::Compact)};
        };
        if (request.path != u"/0/public/Trades")
            return refuse(404, QStringLiteral("EGeneral:Unknown method"));
        const QString pair = request.query.queryItemValue(QStringLiteral("pair"));
        const auto found = std::ranges::find_if(markets(), [&](const SimulatedMarket &market) {
            const QString symbol = QString::fromStdString(market.symbol());
            return pair == symbol || pair == QString(symbol).remove(u'/');
        });
        if (found == markets().end())
            return refuse(200, QStringLiteral("EQuery:Unknown asset pair"));
        const auto count = HttpServer::wholeNumber(request.query, QStringLiteral("count"), 1, 1000);
        const auto since
            = HttpServer::wholeNumber(request.query, QStringLiteral("since"), 0, INT64_MAX);
        if (!count || !since)
            return refuse(200,
                QStringLiteral("EGeneral:Invalid arguments:")
                    + (!count ? count.error() : since.error()));
        const auto limit = static_cast<std::size_t>(count->value_or(1000));
        const auto trades
            = *since ? found->tradesAfter(**since, limit) : found->trades(std::nullopt, limit);
        std::string body = R"({"error":[],"result":{")";
        body += pair.toStdString();
        body += R"(":[)";
        for (std::size_t i = 0; i < trades.size(); ++i) {
            const auto &trade = trades[i];
            body += i == 0 ? R"([")" : R"(,[")";
            appendFixedDecimal(body, trade.priceTicks, SimulatedMarket::kPriceDecimals);
            body += R"(",")";
            appendFixedDecimal(body, trade.quantityLots, SimulatedMarket::kQuantityDecimals);
            body += R"(",)";
            appendFixedDecimal(body, trade.timeUs, 6); // seconds
            // The buyer made the market: the taker sold.
            body += trade.buyerIsMaker ? R"(,"s","m","",)" : R"(,"b","m","",)";
            body += std::to_string(trade.id);
            body += ']';
        }
        body += R"(],"last":")";
        body += std::to_string(trades.empty() ? since->value_or(0) : trades.back().timeUs * 1000);
        body += R"("}})";
        return {200, QByteArray::fromStdString(body)};
    };
}

} // namespace tickscope::sim
