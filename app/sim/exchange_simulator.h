// A simulated exchange on 127.0.0.1, for demos, tests and load: seeded markets whose trades come
// at a steady rate whether anyone listens or not (so a run can be repeated) and whose books change
// every depth interval, WebSocket clients, the faults of a FaultPlan injected on schedule, and a
// report of what was generated, sent and lost. This class is what every exchange shares; each
// exchange's subclass speaks its protocol: what a client subscribes to, how trades and book
// changes are written, the answers to control messages, and a REST API where the exchange has one
// the adapter uses. Everything runs on the thread that owns the object.
// Made by create() for `tickscope sim --exchange NAME`; integration tests start one in-process.
#pragma once

#include "app/sim/fault_plan.h"
#include "app/sim/http_server.h"
#include "app/sim/simulated_client.h"
#include "app/sim/simulated_market.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QString>
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

class QTcpServer;
class QTcpSocket;
class QTimer;
class QWebSocket;
class QWebSocketServer;

namespace tickscope::sim {

class ExchangeSimulator : public QObject
{
    Q_OBJECT

public:
    static constexpr double kMaxTradesPerSecond = 1'000'000;

    struct Options
    {
        // The registry name of the adapter whose protocol it speaks: "binance", "okx".
        std::string exchange = "binance";
        quint16 port = 0; // of the WebSocket streams; 0 picks a free one
        quint16 restPort = 0; // of the REST API, where the exchange has one; 0 picks a free one
        // Upper case, as the exchange writes them: "BTCUSDT" (Binance), "BTC-USDT" (OKX).
        std::vector<std::string> symbols;
        double tradesPerSecond = 1000; // across all symbols, which take turns
        // Between the book changes of a symbol.
        std::chrono::milliseconds depthInterval{100};
        std::chrono::seconds pingInterval{20}; // WebSocket pings to every client
        // The REST API's request-weight limit (Binance: REQUEST_WEIGHT 6000 a minute).
        int restWeightPerMinute = 6000;
        // Then generation stops and finished() is emitted; zero runs until stop().
        std::chrono::milliseconds duration{0};
        std::uint64_t seed = 1;
        FaultPlan faults;
        bool microseconds = false; // Binance: times in µs unless a client asks (Binance: ms)
        // Added to every trade and update id. A real exchange's ids only grow; a demo that
        // restarts the simulator passes the time here so that its ids keep growing too.
        std::int64_t idBase = 0;
        // Start the clock (trades, depth, faults, duration) when the first client subscribes to
        // trades, so that a test's client sees every trade; otherwise it starts with start().
        bool startOnFirstSubscription = false;
    };

    // "binance, okx": what Options::exchange may name.
    static QString exchanges();
    // Why `options` cannot run, e.g. an exchange not simulated, a malformed symbol or a fault
    // naming one not simulated.
    static std::expected<void, QString> validate(const Options &options);
    // The simulator of options.exchange, with its options validated.
    static std::expected<std::unique_ptr<ExchangeSimulator>, QString> create(
        Options options, QObject *parent = nullptr);

    ~ExchangeSimulator() override;

    // Listens on the ports and starts generating.
    std::expected<void, QString> start();
    // Stops generating, delivers what a stall held back and closes every connection.
    void stop();
    // An earlier run's last trade of a symbol, as stored.
    struct LastTrade
    {
        std::int64_t tradeId = 0;
        std::int64_t priceTicks = 0; // of SimulatedMarket's 0.01
    };
    // Before generation starts (startOnFirstSubscription): each symbol's trades continue after
    // its last one, ids and price, so that a run takes up where an earlier one, as stored,
    // ended. False once trades were generated.
    bool continueTrades(const std::map<std::string, LastTrade> &lastTrades);

    const std::string &exchange() const { return m_options.exchange; }
    quint16 port() const;
    quint16 restPort() const; // 0 when the exchange's simulator has no REST API
    const std::vector<std::string> &symbols() const { return m_options.symbols; }
    // The settings of the exchange's adapter that point it at this simulator (its URLs).
    virtual std::map<std::string, std::string, std::less<>> adapterOptions() const = 0;

    // {"exchange":"binance","seed":K,"symbols":{"BTCUSDT":{"trades_sent":N,"first_trade_id":a,
    //  "last_trade_id":b,"depth_updates_sent":n,"last_update_id":u,"trade_gaps":[[f,l],..],
    //  "depth_gaps":[[f,l],..]},..},"malformed_frames_sent":n,"bad_checksums_sent":n,
    //  "connections":n,"drops":n,"frames_cut":n,"rest_refusals":n,"slow_clients_dropped":n,
    //  "elapsed_seconds":s,"rest":{"requests":n,"max_weight_per_minute":w,"too_many_requests":n,"bans":n}}
    // ("rest" where the exchange's simulator has a REST API)
    // Trades and depth updates count when generated, listened to or not; skipped ids are gaps.
    // drops counts the connections that drop@ faults aborted, frames_cut those that cut-frame@
    // faults reset mid-frame, rest_refusals the REST answers of throttle@ and ban@ faults.
    QJsonObject report() const;

    // The market of `symbol`, e.g. to compare a client's book with the true one; null if unknown.
    const SimulatedMarket *market(std::string_view symbol) const;

signals:
    // The duration has elapsed and generation has stopped; connections stay open until stop().
    void finished();

protected:
    // Options::exchange becomes `exchange`, the subclass's protocol.
    ExchangeSimulator(Options options, std::string_view exchange, QObject *parent);

    // The protocol, for each exchange's subclass:
    // a new client, from its request URL; the error is sent in the close frame.
    virtual std::expected<std::unique_ptr<SimulatedClient>, QString> accept(QWebSocket *socket) = 0;
    virtual void onClientText(SimulatedClient &client, const QString &text) = 0;
    virtual void publishTrade(std::size_t market, const SimulatedMarket::Trade &trade) = 0;
    // Once every depth interval per market: what changed (nothing, sometimes) in `round`.
    virtual void publishDepth(std::size_t market,
        const std::optional<SimulatedMarket::DepthEvent> &event, std::uint64_t round)
        = 0;
    // The depth events of `market` are about to skip `count` update ids (a skip-depth fault).
    virtual void beforeDepthSkip(std::size_t /*market*/, std::int64_t /*count*/) { }
    // The book update ids lost to skip-depth faults, in the ids the exchange sends.
    virtual std::vector<SimulatedMarket::IdRange> depthGaps(std::size_t market) const
    {
        return m_markets[market].depthGaps();
    }
    // The frame that announces the server is going away, for `client`; empty where the
    // exchange announces nothing.
    virtual std::string shutdownNotice(const SimulatedClient &client) = 0;
    virtual std::string_view malformedFrame() const = 0;
    // Whether book messages carry a checksum that a bad-checksum fault can spoil.
    virtual bool hasChecksums() const { return false; }
    // The next book message of `market` carries a wrong checksum.
    virtual void spoilNextChecksum(std::size_t /*market*/) { }
    // The REST API, for exchanges whose adapter uses one, and what it answered for report().
    virtual std::optional<HttpServer::Handler> restApi() { return std::nullopt; }
    virtual QJsonObject restReport() const { return {}; }

    // What the protocol works with.
    const Options &options() const { return m_options; }
    std::vector<SimulatedMarket> &markets() { return m_markets; }
    const std::vector<std::unique_ptr<SimulatedClient>> &clients() const { return m_clients; }
    // Sends to `client` now, or after the stall.
    void send(SimulatedClient &client, std::string_view frame) { client.send(frame, stalled()); }
    bool stalled() const { return m_stalledUntil.has_value(); }
    // A client now receives trades: the clock starts if it waits for that.
    void tradesSubscribed();
    std::string &frameBuffer() { return m_frame; } // reused for every frame
    void countBadChecksum() { ++m_badChecksumsSent; }

    static std::int64_t nowUs();

private:
    void onNewConnection();
    void acceptClient(QWebSocket *socket);
    void removeClient(QWebSocket *socket);
    void onTradeTick();
    void onDepthTick();
    void onPingTick();
    void generateTrades(std::chrono::nanoseconds until);
    void runDueFaults(std::chrono::nanoseconds elapsed);
    void inject(const Fault &fault, std::chrono::nanoseconds elapsed);
    std::size_t marketIndex(const std::string &symbol) const;
    void beginGenerating();
    void finishGenerating();
    void releaseHeldFrames();
    // What a throttle or ban fault answers a REST request now; nothing when there is none.
    std::optional<HttpServer::Response> restRefusal();
    // Half a frame down every client's connection, then a reset (a cut-frame fault).
    void cutFrames();

    Options m_options;
    std::vector<SimulatedMarket> m_markets;
    HttpServer *m_http = nullptr;
    QWebSocketServer *m_server = nullptr; // the handshakes of m_tcpServer's connections
    QTcpServer *m_tcpServer = nullptr;
    std::vector<QPointer<QTcpSocket>> m_tcpSockets; // beneath the clients' WebSockets
    std::vector<std::unique_ptr<SimulatedClient>> m_clients;

    QTimer *m_tradeTimer;
    QTimer *m_depthTimer;
    QTimer *m_pingTimer;
    QElapsedTimer m_clock;
    std::chrono::nanoseconds m_generatedFor{0}; // the time generation has covered
    bool m_started = false;
    bool m_generating = false;
    std::uint64_t m_tradesGenerated = 0; // across markets; picks the next market
    std::uint64_t m_depthRounds = 0;
    std::size_t m_nextFault = 0;
    std::optional<std::chrono::nanoseconds> m_stalledUntil;
    // A throttle (429) or ban (418) fault's answer to REST requests, and until when.
    int m_restRefusalStatus = 0;
    std::chrono::steady_clock::time_point m_restRefusedUntil;
    std::string m_frame;

    std::int64_t m_connections = 0;
    std::int64_t m_drops = 0;
    std::int64_t m_slowClientsDropped = 0;
    std::int64_t m_malformedFramesSent = 0;
    std::int64_t m_badChecksumsSent = 0;
    std::int64_t m_framesCut = 0;
    std::int64_t m_restRefusals = 0;
    // The most messages one client sent within a second, for the exchanges' message limits.
    std::map<const SimulatedClient *, std::deque<std::chrono::steady_clock::time_point>>
        m_clientMessages;
    qint64 m_maxClientMessagesPerSecond = 0;
};

} // namespace tickscope::sim
