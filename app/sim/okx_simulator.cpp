#include "app/sim/okx_simulator.h"

#include "app/feeds/okx/book_checksum.h"
#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>
#include <charconv>
#include <chrono>
#include <deque>
#include <format>

namespace tickscope::sim {

namespace {

constexpr QLatin1StringView kPath{"/ws/v5/public"};
constexpr std::string_view kMalformedFrame = R"({"arg":{"channel":"trades","instId":)";
constexpr qint64 kMaxRequestBytes = 64 * 1024;

enum Stream : std::uint8_t { kTrades = 1, kBooks = 2 };

std::string priceText(std::int64_t ticks)
{
    std::string out;
    appendShortestDecimal(out, ticks, SimulatedMarket::kPriceDecimals);
    return out;
}

std::string quantityText(std::uint32_t lots)
{
    std::string out;
    appendShortestDecimal(out, lots, SimulatedMarket::kQuantityDecimals);
    return out;
}

} // namespace

// One connection: the streams it subscribed to per market, its id and its operations this hour.
class OkxSimulator::Client : public SimulatedClient
{
public:
    Client(QWebSocket *socket, std::size_t markets, std::int64_t id)
        : SimulatedClient(socket)
        , streams(markets, 0)
        , connectionId(std::format("{:08x}", id))
    { }

    bool receives(std::size_t market, Stream stream) const
    {
        return (streams[market] & stream) != 0;
    }
    // Whether one more operation fits in the hour before now.
    bool takeOperation()
    {
        const auto now = std::chrono::steady_clock::now();
        while (!operations.empty() && now - operations.front() >= std::chrono::hours(1))
            operations.pop_front();
        if (operations.size() >= static_cast<std::size_t>(kOperationsPerHour))
            return false;
        operations.push_back(now);
        return true;
    }

    std::vector<std::uint8_t> streams;
    std::string connectionId;
    std::deque<std::chrono::steady_clock::time_point> operations;
};

OkxSimulator::OkxSimulator(Options options, QObject *parent)
    : ExchangeSimulator(std::move(options), kProtocol, parent)
    , m_spoilChecksum(this->options().symbols.size(), false)
{ }

std::map<std::string, std::string, std::less<>> OkxSimulator::adapterOptions() const
{
    return {{"websocket_url", std::format("ws://127.0.0.1:{}{}", port(), kPath.data())},
        {"rest_url", std::format("http://127.0.0.1:{}", restPort())}};
}

std::expected<std::unique_ptr<SimulatedClient>, QString> OkxSimulator::accept(QWebSocket *socket)
{
    const QString path = socket->requestUrl().path();
    if (path != kPath)
        return std::unexpected(
            QStringLiteral("unknown path %1; the public channels are on %2").arg(path, kPath));
    socket->setMaxAllowedIncomingMessageSize(kMaxRequestBytes);
    return std::make_unique<Client>(socket, markets().size(), ++m_nextConnectionId);
}

void OkxSimulator::onClientText(SimulatedClient &sender, const QString &text)
{
    auto &client = static_cast<Client &>(sender);
    if (text == QLatin1String("ping")) {
        send(client, "pong");
        return;
    }
    auto error = [&](std::string_view code, const QString &message) {
        send(client,
            std::format(R"({{"event":"error","code":"{}","msg":{},"connId":"{}"}})", code,
                jsonText(message), client.connectionId));
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return error("60012", QStringLiteral("Invalid request: ") + text.left(200));
    const QJsonObject request = document.object();
    const QString op = request.value(QStringLiteral("op")).toString();
    if (op != QLatin1String("subscribe") && op != QLatin1String("unsubscribe"))
        return error("60019", QStringLiteral("Invalid op: ") + op);
    const QJsonArray args = request.value(QStringLiteral("args")).toArray();
    if (args.isEmpty())
        return error("60013", QStringLiteral("Invalid args"));
    if (!client.takeOperation())
        return error("60014", QStringLiteral("Requests too frequent."));
    const bool add = op == QLatin1String("subscribe");
    const QJsonValue id = request.value(QStringLiteral("id"));
    const std::string idField = id.isString() ? R"("id":)" + jsonText(id) + ',' : std::string();
    for (const QJsonValue &value : args) {
        const QJsonObject arg = value.toObject();
        const QString channel = arg.value(QStringLiteral("channel")).toString();
        const std::string symbol = arg.value(QStringLiteral("instId")).toString().toStdString();
        const auto market = std::ranges::find(markets(), symbol, &SimulatedMarket::symbol);
        const Stream stream = channel == QLatin1String("trades") ? kTrades : kBooks;
        if ((channel != QLatin1String("trades") && channel != QLatin1String("books"))
            || market == markets().end()) {
            error("60018",
                QStringLiteral("Wrong URL or channel:%1,instId:%2 doesn't exist. Please use the "
                               "correct URL, channel and parameters referring to API document.")
                    .arg(channel, QString::fromStdString(symbol)));
            continue;
        }
        const auto index = static_cast<std::size_t>(market - markets().begin());
        if (add && stream == kTrades)
            tradesSubscribed();
        if (add)
            client.streams[index] |= stream;
        else
            client.streams[index] &= static_cast<std::uint8_t>(~stream);
        send(client,
            std::format(
                R"({{{}"event":"{}","arg":{{"channel":"{}","instId":"{}"}},"connId":"{}"}})",
                idField, op.toStdString(), channel.toStdString(), symbol, client.connectionId));
        if (add && stream == kBooks) {
            writeBook(
                index, true, market->bids(), market->asks(), -1, market->lastUpdateId(), nowUs());
            send(client, frameBuffer());
        }
    }
}

void OkxSimulator::publishTrade(std::size_t market, const SimulatedMarket::Trade &trade)
{
    const std::string &symbol = markets()[market].symbol();
    std::string &frame = frameBuffer();
    frame.clear();
    frame += R"({"arg":{"channel":"trades","instId":")";
    frame += symbol;
    frame += R"("},"data":[{"instId":")";
    frame += symbol;
    frame += R"(","tradeId":")";
    frame += std::to_string(trade.id);
    frame += R"(","px":")";
    appendShortestDecimal(frame, trade.priceTicks, SimulatedMarket::kPriceDecimals);
    frame += R"(","sz":")";
    appendShortestDecimal(frame, trade.quantityLots, SimulatedMarket::kQuantityDecimals);
    // The buyer made the market: the taker sold.
    frame += trade.buyerIsMaker ? R"(","side":"sell","ts":")" : R"(","side":"buy","ts":")";
    frame += std::to_string(trade.timeUs / 1000);
    frame += R"(","count":"1","source":"0","seqId":)";
    frame += std::to_string(trade.id);
    frame += "}]}";
    for (const auto &client : clients()) {
        if (static_cast<const Client &>(*client).receives(market, kTrades))
            send(*client, frame);
    }
}

void OkxSimulator::publishDepth(std::size_t market,
    const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t /*round*/)
{
    if (!event)
        return;
    writeBook(market, false, event->bids, event->asks, event->firstUpdateId - 1,
        event->lastUpdateId, event->timeUs);
    for (const auto &client : clients()) {
        if (static_cast<const Client &>(*client).receives(market, kBooks))
            send(*client, frameBuffer());
    }
}

void OkxSimulator::writeBook(std::size_t market, bool snapshot, const SimulatedMarket::Bids &bids,
    const SimulatedMarket::Asks &asks, std::int64_t prevSeqId, std::int64_t seqId,
    std::int64_t timeUs)
{
    auto levels = [](std::string &out, const auto &side) {
        out += '[';
        bool first = true;
        for (const auto &[ticks, lots] : side) {
            out += first ? R"([")" : R"(,[")";
            first = false;
            appendShortestDecimal(out, ticks, SimulatedMarket::kPriceDecimals);
            out += R"(",")";
            appendShortestDecimal(out, lots, SimulatedMarket::kQuantityDecimals);
            out += lots == 0 ? R"(","0","0"])" : R"(","0","1"])";
        }
        out += ']';
    };
    std::int32_t sum = checksum(market);
    if (m_spoilChecksum[market]) {
        m_spoilChecksum[market] = false;
        sum ^= 1;
        countBadChecksum();
    }
    std::string &frame = frameBuffer();
    frame.clear();
    frame += R"({"arg":{"channel":"books","instId":")";
    frame += markets()[market].symbol();
    frame += snapshot ? R"("},"action":"snapshot","data":[{"asks":)"
                      : R"("},"action":"update","data":[{"asks":)";
    levels(frame, asks);
    frame += R"(,"bids":)";
    levels(frame, bids);
    frame += std::format(R"(,"ts":"{}","checksum":{},"prevSeqId":{},"seqId":{}}}]}})",
        timeUs / 1000, sum, prevSeqId, seqId);
}

std::int32_t OkxSimulator::checksum(std::size_t market)
{
    auto top = [](const auto &side) {
        std::vector<feeds::okx::TextLevel> levels;
        for (const auto &[ticks, lots] : side) {
            if (levels.size() == feeds::okx::kChecksumLevels)
                break;
            levels.push_back({priceText(ticks), quantityText(lots)});
        }
        return levels;
    };
    const SimulatedMarket &book = markets()[market];
    return feeds::okx::bookChecksum(top(book.bids()), top(book.asks()));
}

std::string OkxSimulator::shutdownNotice(const SimulatedClient &client)
{
    return std::format(R"({{"event":"notice","code":"64008","msg":"The connection will soon be )"
                       R"(closed for a service upgrade. Please reconnect.","connId":"{}"}})",
        static_cast<const Client &>(client).connectionId);
}

std::string_view OkxSimulator::malformedFrame() const
{
    return kMalformedFrame;
}

void OkxSimulator::spoilNextChecksum(std::size_t market)
{
    m_spoilChecksum[market] = true;
}

std::optional<HttpServer::Handler> OkxSimulator::restApi()
{
    return [this](const HttpServer::Request &request) -> HttpServer::Response {
        // OKX answers its own errors with a code and a message, and an empty data array.
        const auto refuse = [](int status, const char *code, const QString &message) {
            return HttpServer::Response{status,
                QJsonDocument(
                    QJsonObject{{QStringLiteral("code"), QLatin1StringView(code)},
                        {QStringLiteral("msg"), message}, {QStringLiteral("data"), QJsonArray()}})
                    .toJson(QJsonDocument::Compact)};
        };
        if (request.path != u"/api/v5/market/history-trades")
            return refuse(404, "50000", QStringLiteral("Unknown endpoint ") + request.path);
        const QString symbol = request.query.queryItemValue(QStringLiteral("instId"));
        if (symbol.isEmpty())
            return refuse(400, "50014", QStringLiteral("Parameter instId can not be empty"));
        const SimulatedMarket *found = market(symbol.toStdString());
        if (!found)
            return refuse(200, "51001", QStringLiteral("Instrument ID does not exist"));
        if (request.query.queryItemValue(QStringLiteral("type")) == u"2"
            || request.query.hasQueryItem(QStringLiteral("before")))
            return refuse(
                400, "51000", QStringLiteral("the simulator pages by trade id with 'after' only"));
        const auto limit = HttpServer::wholeNumber(request.query, QStringLiteral("limit"), 1, 100);
        const auto after
            = HttpServer::wholeNumber(request.query, QStringLiteral("after"), 1, INT64_MAX);
        if (!limit || !after)
            return refuse(400, "51000", !limit ? limit.error() : after.error());
        const auto count = static_cast<std::size_t>(limit->value_or(100));
        const auto trades
            = *after ? found->tradesBefore(**after, count) : found->trades(std::nullopt, count);
        std::string body = R"({"code":"0","msg":"","data":[)";
        for (std::size_t i = 0; i < trades.size(); ++i) {
            // Newest first, as OKX pages.
            const auto &trade = *after ? trades[i] : trades[trades.size() - 1 - i];
            body += i == 0 ? R"({"instId":")" : R"(,{"instId":")";
            body += found->symbol();
            body += trade.buyerIsMaker ? R"(","side":"sell","sz":")" : R"(","side":"buy","sz":")";
            body += quantityText(trade.quantityLots);
            body += R"(","px":")";
            body += priceText(trade.priceTicks);
            body += R"(","tradeId":")";
            body += std::to_string(trade.id);
            body += R"(","ts":")";
            body += std::to_string(trade.timeUs / 1000);
            body += R"("})";
        }
        body += "]}";
        return {200, QByteArray::fromStdString(body)};
    };
}

} // namespace tickscope::sim
