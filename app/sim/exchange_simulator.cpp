#include "app/sim/exchange_simulator.h"

#include "app/sim/binance_simulator.h"
#include "app/sim/bybit_simulator.h"
#include "app/sim/coinbase_advanced_simulator.h"
#include "app/sim/coinbase_simulator.h"
#include "app/sim/kraken_simulator.h"
#include "app/sim/okx_simulator.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>
#include <algorithm>
#include <set>
#include <sys/socket.h>

namespace tickscope::sim {

namespace {

using namespace std::chrono_literals;

constexpr auto kTradeTick = 2ms;
constexpr auto kShutdownGrace = 1s; // between the shutdown notice and the close
// A client this far behind is dropped rather than buffered until memory runs out.
constexpr qint64 kMaxBacklogBytes = 512LL * 1024 * 1024;

} // namespace

ExchangeSimulator::ExchangeSimulator(Options options, std::string_view exchange, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_tradeTimer(new QTimer(this))
    , m_depthTimer(new QTimer(this))
    , m_pingTimer(new QTimer(this))
{
    m_tradeTimer->setTimerType(Qt::PreciseTimer);
    m_tradeTimer->setInterval(kTradeTick);
    m_depthTimer->setTimerType(Qt::PreciseTimer);
    m_depthTimer->setInterval(m_options.depthInterval);
    m_pingTimer->setInterval(m_options.pingInterval);
    connect(m_tradeTimer, &QTimer::timeout, this, &ExchangeSimulator::onTradeTick);
    connect(m_depthTimer, &QTimer::timeout, this, &ExchangeSimulator::onDepthTick);
    connect(m_pingTimer, &QTimer::timeout, this, &ExchangeSimulator::onPingTick);
    m_options.exchange = exchange;
}

ExchangeSimulator::~ExchangeSimulator()
{
    stop();
}

QString ExchangeSimulator::exchanges()
{
    return QStringLiteral("binance, bybit, coinbase, coinbase_advanced, kraken, okx");
}

std::expected<std::unique_ptr<ExchangeSimulator>, QString> ExchangeSimulator::create(
    Options options, QObject *parent)
{
    if (auto valid = validate(options); !valid)
        return std::unexpected(valid.error());
    std::unique_ptr<ExchangeSimulator> simulator;
    if (options.exchange == BinanceSimulator::kProtocol)
        simulator.reset(new BinanceSimulator(std::move(options), parent));
    else if (options.exchange == BybitSimulator::kProtocol)
        simulator.reset(new BybitSimulator(std::move(options), parent));
    else if (options.exchange == CoinbaseSimulator::kProtocol)
        simulator.reset(new CoinbaseSimulator(std::move(options), parent));
    else if (options.exchange == CoinbaseAdvancedSimulator::kProtocol)
        simulator.reset(new CoinbaseAdvancedSimulator(std::move(options), parent));
    else if (options.exchange == KrakenSimulator::kProtocol)
        simulator.reset(new KrakenSimulator(std::move(options), parent));
    else
        simulator.reset(new OkxSimulator(std::move(options), parent));
    return simulator;
}

std::expected<void, QString> ExchangeSimulator::validate(const Options &options)
{
    const bool binance = options.exchange == BinanceSimulator::kProtocol;
    const bool bybit = options.exchange == BybitSimulator::kProtocol;
    const bool coinbase = options.exchange == CoinbaseSimulator::kProtocol;
    const bool advanced = options.exchange == CoinbaseAdvancedSimulator::kProtocol;
    const bool kraken = options.exchange == KrakenSimulator::kProtocol;
    if (!binance && !bybit && !coinbase && !advanced && !kraken
        && options.exchange != OkxSimulator::kProtocol)
        return std::unexpected(QStringLiteral("cannot simulate exchange '%1'; it simulates %2")
                .arg(QString::fromStdString(options.exchange), exchanges()));
    // Binance and Bybit write BTCUSDT, Kraken BTC/USD, Coinbase (both feeds) and OKX BTC-USDT.
    static const QRegularExpression binanceSymbol{QStringLiteral(R"(^[A-Z0-9]{2,32}$)")};
    static const QRegularExpression krakenSymbol{
        QStringLiteral(R"(^[A-Z0-9]{1,15}/[A-Z0-9]{1,15}$)")};
    static const QRegularExpression okxSymbol{QStringLiteral(R"(^[A-Z0-9]{1,15}-[A-Z0-9]{1,15}$)")};
    const QRegularExpression &symbolPattern = binance || bybit ? binanceSymbol
        : kraken                                               ? krakenSymbol
                                                               : okxSymbol;
    const QString symbolForm = binance || bybit
        ? QStringLiteral("2 to 32 upper-case letters and digits (BTCUSDT)")
        : kraken ? QStringLiteral("BASE/QUOTE in capitals (BTC/USD)")
                 : QStringLiteral("BASE-QUOTE in capitals (BTC-USDT)");
    if (options.symbols.empty())
        return std::unexpected(QStringLiteral("no symbols to simulate"));
    std::set<std::string> seen;
    for (const std::string &symbol : options.symbols) {
        if (!symbolPattern.match(QString::fromStdString(symbol)).hasMatch())
            return std::unexpected(QStringLiteral("symbol '%1' is not %2")
                    .arg(QString::fromStdString(symbol), symbolForm));
        if (!seen.insert(symbol).second)
            return std::unexpected(
                QStringLiteral("symbol %1 is listed twice").arg(QString::fromStdString(symbol)));
    }
    if (!(options.tradesPerSecond > 0 && options.tradesPerSecond <= kMaxTradesPerSecond))
        return std::unexpected(QStringLiteral("the trade rate must be above 0 and at most %1 a "
                                              "second")
                .arg(kMaxTradesPerSecond, 0, 'f', 0));
    if (options.depthInterval < 10ms || options.depthInterval > 60s)
        return std::unexpected(QStringLiteral("the depth interval must be 10 ms to 60 s"));
    if (options.pingInterval < 1s)
        return std::unexpected(QStringLiteral("the ping interval must be at least 1 s"));
    if (options.restWeightPerMinute < 1)
        return std::unexpected(QStringLiteral("the REST weight limit must be at least 1"));
    if (options.duration < 0ms)
        return std::unexpected(QStringLiteral("the duration must not be negative"));
    if (options.seed > static_cast<std::uint64_t>(INT64_MAX))
        return std::unexpected(QStringLiteral("the seed must be at most %1").arg(INT64_MAX));
    if (options.microseconds && !binance)
        return std::unexpected(
            QStringLiteral("microsecond times are Binance's; %1 sends milliseconds")
                .arg(QString::fromStdString(options.exchange)));
    for (const Fault &fault : options.faults.faults()) {
        if (!fault.symbol.empty() && !seen.contains(fault.symbol))
            return std::unexpected(QStringLiteral("fault %1 names %2, which is not simulated")
                    .arg(FaultPlan::kindName(fault.kind), QString::fromStdString(fault.symbol)));
        if (fault.kind == Fault::Kind::SkipDepth && coinbase)
            return std::unexpected(QStringLiteral("fault skip-depth: Coinbase's level2_batch "
                                                  "carries no sequence, so no client could see "
                                                  "it"));
        if (fault.kind == Fault::Kind::BadChecksum && (binance || bybit || coinbase || advanced))
            return std::unexpected(QStringLiteral("fault bad-checksum: %1's books carry no "
                                                  "checksum")
                    .arg(QString::fromStdString(options.exchange)));
    }
    return {};
}

bool ExchangeSimulator::continueTrades(const std::map<std::string, LastTrade> &lastTrades)
{
    if (m_generating)
        return false;
    for (auto &market : m_markets) {
        if (const auto last = lastTrades.find(market.symbol()); last != lastTrades.end())
            market.continueAfter(last->second.tradeId, last->second.priceTicks);
    }
    return true;
}

std::expected<void, QString> ExchangeSimulator::start()
{
    if (!m_markets.empty())
        return std::unexpected(QStringLiteral("a simulator starts only once"));
    if (auto checked = validate(m_options); !checked)
        return checked;

    for (std::size_t index = 0; index < m_options.symbols.size(); ++index)
        m_markets.emplace_back(m_options.symbols[index], index, m_options.seed, m_options.idBase);

    if (auto handler = restApi()) {
        m_http = new HttpServer(
            [this, answer = std::move(*handler)](const HttpServer::Request &request) {
                if (auto refusal = restRefusal())
                    return *refusal;
                return answer(request);
            },
            this);
        if (auto listening = m_http->listen(m_options.restPort); !listening)
            return listening;
    }

    for (const Fault &fault : m_options.faults.faults()) {
        if ((fault.kind == Fault::Kind::Throttle || fault.kind == Fault::Kind::Ban) && !m_http)
            return std::unexpected(QStringLiteral("fault %1: %2's simulator has no REST API")
                    .arg(FaultPlan::kindName(fault.kind), QString::fromStdString(exchange())));
    }

    // The TCP side is this simulator's own, so that a cut-frame fault can write to a
    // connection beneath its WebSocket; QWebSocketServer does the handshakes.
    m_server = new QWebSocketServer(
        QStringLiteral("tickscope-sim"), QWebSocketServer::NonSecureMode, this);
    m_tcpServer = new QTcpServer(this);
    if (!m_tcpServer->listen(QHostAddress::LocalHost, m_options.port))
        return std::unexpected(QStringLiteral("cannot listen on 127.0.0.1:%1 for WebSockets: %2")
                .arg(m_options.port)
                .arg(m_tcpServer->errorString()));
    connect(m_tcpServer, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (QTcpSocket *tcp = m_tcpServer->nextPendingConnection()) {
            m_tcpSockets.emplace_back(tcp);
            std::erase_if(m_tcpSockets, [](const QPointer<QTcpSocket> &known) { return !known; });
            m_server->handleConnection(tcp);
        }
    });
    connect(m_server, &QWebSocketServer::newConnection, this, &ExchangeSimulator::onNewConnection);

    m_started = true;
    m_pingTimer->start();
    if (!m_options.startOnFirstSubscription)
        beginGenerating();
    return {};
}

void ExchangeSimulator::beginGenerating()
{
    m_generating = true;
    m_clock.start();
    m_tradeTimer->start();
    m_depthTimer->start();
}

void ExchangeSimulator::stop()
{
    if (!m_started)
        return;
    if (m_generating)
        m_generatedFor = std::chrono::nanoseconds{m_clock.nsecsElapsed()};
    m_started = false;
    m_generating = false;
    m_tradeTimer->stop();
    m_depthTimer->stop();
    m_pingTimer->stop();
    m_stalledUntil.reset();
    releaseHeldFrames();
    m_tcpServer->close();
    m_server->close();
    if (m_http)
        m_http->close();
    for (const auto &client : m_clients)
        client->socket()->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("stopped"));
}

quint16 ExchangeSimulator::port() const
{
    return m_tcpServer ? m_tcpServer->serverPort() : 0;
}

quint16 ExchangeSimulator::restPort() const
{
    return m_http ? m_http->port() : 0;
}

const SimulatedMarket *ExchangeSimulator::market(std::string_view symbol) const
{
    const auto found = std::ranges::find(m_markets, symbol, &SimulatedMarket::symbol);
    return found == m_markets.end() ? nullptr : &*found;
}

std::size_t ExchangeSimulator::marketIndex(const std::string &symbol) const
{
    if (symbol.empty())
        return 0;
    return static_cast<std::size_t>(
        std::ranges::find(m_markets, symbol, &SimulatedMarket::symbol) - m_markets.begin());
}

std::int64_t ExchangeSimulator::nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Connections ---------------------------------------------------------------------------------

void ExchangeSimulator::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        socket->setParent(this);
        ++m_connections;
        acceptClient(socket);
    }
}

void ExchangeSimulator::acceptClient(QWebSocket *socket)
{
    // Removal waits for the event loop, so that a socket aborted while frames go out does not
    // disappear from under the loop that sends them.
    connect(
        socket, &QWebSocket::disconnected, this, [this, socket] { removeClient(socket); },
        Qt::QueuedConnection);
    auto accepted = accept(socket);
    if (!accepted) {
        socket->close(QWebSocketProtocol::CloseCodePolicyViolated, accepted.error());
        return;
    }
    SimulatedClient *client = m_clients.emplace_back(std::move(*accepted)).get();
    connect(socket, &QWebSocket::textMessageReceived, this, [this, client](const QString &text) {
        auto &times = m_clientMessages[client];
        const auto now = std::chrono::steady_clock::now();
        times.push_back(now);
        while (now - times.front() >= std::chrono::seconds(1))
            times.pop_front();
        m_maxClientMessagesPerSecond
            = std::max(m_maxClientMessagesPerSecond, static_cast<qint64>(times.size()));
        onClientText(*client, text);
    });
}

void ExchangeSimulator::tradesSubscribed()
{
    if (m_started && m_options.startOnFirstSubscription && !m_generating
        && m_generatedFor == std::chrono::nanoseconds{0})
        beginGenerating();
}

void ExchangeSimulator::removeClient(QWebSocket *socket)
{
    socket->disconnect(this);
    std::erase_if(m_clients, [&](const auto &client) {
        if (client->socket() != socket)
            return false;
        m_clientMessages.erase(client.get());
        return true;
    });
    socket->deleteLater();
}

// Generation ----------------------------------------------------------------------------------

void ExchangeSimulator::onTradeTick()
{
    const std::chrono::nanoseconds elapsed{m_clock.nsecsElapsed()};
    runDueFaults(elapsed);
    if (m_stalledUntil && elapsed >= *m_stalledUntil) {
        m_stalledUntil.reset();
        releaseHeldFrames();
    }
    const bool done = m_options.duration > 0ms && elapsed >= m_options.duration;
    generateTrades(done ? std::chrono::nanoseconds{m_options.duration} : elapsed);
    for (const auto &client : m_clients) {
        if (client->socket()->bytesToWrite() > kMaxBacklogBytes) {
            client->socket()->abort();
            ++m_slowClientsDropped;
        }
    }
    if (done)
        finishGenerating();
}

void ExchangeSimulator::generateTrades(std::chrono::nanoseconds until)
{
    m_generatedFor = until;
    const auto due = static_cast<std::uint64_t>(
        std::chrono::duration<double>(until).count() * m_options.tradesPerSecond);
    if (due <= m_tradesGenerated)
        return;
    // At most 50 ms worth a tick: on a machine too slow for the rate, frames still go out and
    // REST still answers in between, and the rate achieved shows in the report.
    const auto burst
        = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(m_options.tradesPerSecond / 20));
    const std::int64_t timeUs = nowUs();
    for (std::uint64_t count = std::min(due - m_tradesGenerated, burst); count > 0; --count) {
        const std::size_t index = m_tradesGenerated++ % m_markets.size();
        publishTrade(index, m_markets[index].nextTrade(timeUs));
    }
}

void ExchangeSimulator::onDepthTick()
{
    const std::int64_t timeUs = nowUs();
    const std::uint64_t round = ++m_depthRounds;
    for (std::size_t index = 0; index < m_markets.size(); ++index)
        publishDepth(index, m_markets[index].nextDepthEvent(timeUs), round);
}

void ExchangeSimulator::onPingTick()
{
    if (stalled())
        return;
    for (const auto &client : m_clients)
        client->socket()->ping();
}

void ExchangeSimulator::finishGenerating()
{
    m_generating = false;
    m_tradeTimer->stop();
    m_depthTimer->stop();
    emit finished();
}

// Faults --------------------------------------------------------------------------------------

void ExchangeSimulator::runDueFaults(std::chrono::nanoseconds elapsed)
{
    const std::vector<Fault> &faults = m_options.faults.faults();
    for (; m_nextFault < faults.size() && faults[m_nextFault].at <= elapsed; ++m_nextFault)
        inject(faults[m_nextFault], elapsed);
}

void ExchangeSimulator::inject(const Fault &fault, std::chrono::nanoseconds elapsed)
{
    switch (fault.kind) {
    case Fault::Kind::Drop:
        for (const auto &client : m_clients) {
            client->socket()->abort();
            ++m_drops;
        }
        return;
    case Fault::Kind::SkipTrades:
        m_markets[marketIndex(fault.symbol)].skipTrades(fault.count);
        return;
    case Fault::Kind::SkipDepth: {
        const std::size_t index = marketIndex(fault.symbol);
        beforeDepthSkip(index, fault.count);
        m_markets[index].skipUpdates(fault.count);
        return;
    }
    case Fault::Kind::Malformed:
        for (const auto &client : m_clients) {
            send(*client, malformedFrame());
            ++m_malformedFramesSent;
        }
        return;
    case Fault::Kind::Stall:
        m_stalledUntil = std::max(m_stalledUntil.value_or(elapsed), elapsed + fault.length);
        return;
    case Fault::Kind::Shutdown:
        for (const auto &client : m_clients) {
            if (const std::string notice = shutdownNotice(*client); !notice.empty())
                send(*client, notice);
            QTimer::singleShot(kShutdownGrace, client->socket(), [socket = client->socket()] {
                socket->close(
                    QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("server shutdown"));
            });
        }
        return;
    case Fault::Kind::BadChecksum:
        spoilNextChecksum(marketIndex(fault.symbol));
        return;
    case Fault::Kind::CutFrame:
        cutFrames();
        return;
    case Fault::Kind::Throttle:
    case Fault::Kind::Ban:
        m_restRefusalStatus = fault.kind == Fault::Kind::Throttle ? 429 : 418;
        m_restRefusedUntil = std::chrono::steady_clock::now() + fault.length;
        return;
    }
}

std::optional<HttpServer::Response> ExchangeSimulator::restRefusal()
{
    const auto now = std::chrono::steady_clock::now();
    if (m_restRefusalStatus == 0 || now >= m_restRefusedUntil)
        return std::nullopt;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(m_restRefusedUntil - now).count();
    ++m_restRefusals;
    return HttpServer::Response{.status = m_restRefusalStatus,
        .body
        = m_restRefusalStatus == 429 ? R"({"error":"too many requests"})" : R"({"error":"banned"})",
        .headers = {{"Retry-After", QByteArray::number(std::max<qint64>(1, seconds))}}};
}

void ExchangeSimulator::cutFrames()
{
    // A text frame of 300 bytes, unmasked as a server's are: FIN + text, 126 and a 16-bit length,
    // then only the first half of the payload.
    QByteArray frame("\x81\x7e\x01\x2c", 4);
    frame += QByteArray(150, 'x');
    for (const auto &client : m_clients) {
        const auto found = std::ranges::find_if(m_tcpSockets, [&](const auto &known) {
            return known && known->peerPort() == client->socket()->peerPort();
        });
        if (found == m_tcpSockets.end())
            continue;
        QTcpSocket *tcp = *found;
        tcp->write(frame);
        tcp->flush();
        // SO_LINGER of zero: close() resets the connection instead of ending it.
        const linger reset{.l_onoff = 1, .l_linger = 0};
        ::setsockopt(
            static_cast<int>(tcp->socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        client->socket()->abort();
        ++m_framesCut;
    }
}

void ExchangeSimulator::releaseHeldFrames()
{
    for (const auto &client : m_clients)
        client->releaseHeld();
}

// Report --------------------------------------------------------------------------------------

QJsonObject ExchangeSimulator::report() const
{
    auto ranges = [](const std::vector<SimulatedMarket::IdRange> &gaps) {
        QJsonArray out;
        for (const auto &[first, last] : gaps)
            out << QJsonArray{qint64(first), qint64(last)};
        return out;
    };
    auto optionalId = [](std::optional<std::int64_t> id) {
        return id ? QJsonValue(qint64(*id)) : QJsonValue(QJsonValue::Null);
    };
    QJsonObject symbols;
    for (std::size_t index = 0; index < m_markets.size(); ++index) {
        const SimulatedMarket &market = m_markets[index];
        symbols.insert(QString::fromStdString(market.symbol()),
            QJsonObject{
                {QStringLiteral("trades_sent"), qint64(market.tradesGenerated())},
                {QStringLiteral("first_trade_id"), optionalId(market.firstTradeId())},
                {QStringLiteral("last_trade_id"), optionalId(market.lastTradeId())},
                {QStringLiteral("depth_updates_sent"), qint64(market.depthEventsGenerated())},
                {QStringLiteral("last_update_id"), qint64(market.lastUpdateId())},
                {QStringLiteral("trade_gaps"), ranges(market.tradeGaps())},
                {QStringLiteral("depth_gaps"), ranges(depthGaps(index))},
            });
    }
    const std::chrono::nanoseconds elapsed
        = m_generating ? std::chrono::nanoseconds{m_clock.nsecsElapsed()} : m_generatedFor;
    QJsonObject report{
        {QStringLiteral("exchange"), QString::fromStdString(m_options.exchange)},
        {QStringLiteral("seed"), qint64(m_options.seed)},
        {QStringLiteral("symbols"), symbols},
        {QStringLiteral("malformed_frames_sent"), qint64(m_malformedFramesSent)},
        {QStringLiteral("bad_checksums_sent"), qint64(m_badChecksumsSent)},
        {QStringLiteral("connections"), qint64(m_connections)},
        {QStringLiteral("drops"), qint64(m_drops)},
        {QStringLiteral("frames_cut"), qint64(m_framesCut)},
        {QStringLiteral("rest_refusals"), qint64(m_restRefusals)},
        {QStringLiteral("slow_clients_dropped"), qint64(m_slowClientsDropped)},
        {QStringLiteral("max_client_messages_per_second"), m_maxClientMessagesPerSecond},
        {QStringLiteral("elapsed_seconds"), std::chrono::duration<double>(elapsed).count()},
    };
    if (const QJsonObject rest = restReport(); !rest.isEmpty())
        report.insert(QStringLiteral("rest"), rest);
    return report;
}

} // namespace tickscope::sim
