// A simulated Binance spot exchange on 127.0.0.1, for demos, tests and load. WebSocket market
// streams as Binance serves them (raw /ws/<stream>, combined /stream?streams=a/b, SUBSCRIBE on
// any connection; <symbol>@trade, <symbol>@depth@100ms and <symbol>@depth; timeUnit=MICROSECOND;
// a ping every pingInterval) and, on a port of its own, the REST market data (BinanceRestApi).
// Trades come at a steady rate whether anyone listens or not, from seeded markets, so that a run
// can be repeated; the faults of a FaultPlan are injected on schedule, and report() says what was
// generated, sent and lost. Everything runs on the thread that owns the object.
// Run by `tickscope sim`; integration tests start it in-process.
#pragma once

#include "app/sim/binance_connection.h"
#include "app/sim/binance_json.h"
#include "app/sim/fault_plan.h"
#include "app/sim/simulated_market.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

class QTimer;
class QWebSocket;
class QWebSocketServer;

namespace tickscope::sim {

class BinanceRestApi;
class HttpServer;

class BinanceSimulator : public QObject
{
    Q_OBJECT

public:
    // The registry name of the adapter that speaks this simulator's protocol.
    static constexpr std::string_view kProtocol = "binance";
    static constexpr double kMaxTradesPerSecond = 1'000'000;

    struct Options
    {
        quint16 port = 0; // of the WebSocket streams; 0 picks a free one
        quint16 restPort = 0; // of the REST API; 0 picks a free one
        std::vector<std::string> symbols; // upper case, e.g. "BTCUSDT"
        double tradesPerSecond = 1000; // across all symbols, which take turns
        // Between the depth events of a symbol on <symbol>@depth@100ms; <symbol>@depth merges ten.
        std::chrono::milliseconds depthInterval{100};
        std::chrono::seconds pingInterval{20};
        // Then generation stops and finished() is emitted; zero runs until stop().
        std::chrono::milliseconds duration{0};
        std::uint64_t seed = 1;
        FaultPlan faults;
        bool microseconds = false; // times in µs unless a client asks (Binance: ms)
        // Added to every trade and update id. A real exchange's ids only grow; a demo that
        // restarts the simulator passes the time here so that its ids keep growing too.
        std::int64_t idBase = 0;
        // Start the clock (trades, depth, faults, duration) when the first client connects, so
        // that a test's client sees every trade; otherwise it starts with start().
        bool startOnFirstConnection = false;
    };

    explicit BinanceSimulator(Options options, QObject *parent = nullptr);
    ~BinanceSimulator() override;

    // Why `options` cannot run, e.g. a malformed symbol or a fault naming one not simulated.
    static std::expected<void, QString> validate(const Options &options);

    // Validates the options, listens on both ports and starts generating.
    std::expected<void, QString> start();
    // Stops generating, delivers what a stall held back and closes every connection.
    void stop();

    quint16 port() const;
    quint16 restPort() const;
    const std::vector<std::string> &symbols() const { return m_options.symbols; }

    // {"exchange":"binance","seed":K,"symbols":{"BTCUSDT":{"trades_sent":N,"first_trade_id":a,
    //  "last_trade_id":b,"depth_updates_sent":n,"last_update_id":u,"trade_gaps":[[f,l],..],
    //  "depth_gaps":[[f,l],..]},..},"malformed_frames_sent":n,"connections":n,"drops":n,
    //  "slow_clients_dropped":n,"elapsed_seconds":s}
    // Trades and depth updates count when generated, listened to or not; skipped ids are gaps.
    // drops counts the connections that drop@ faults aborted.
    QJsonObject report() const;

    // The market of `symbol`, e.g. to compare a client's book with the true one; null if unknown.
    const SimulatedMarket *market(std::string_view symbol) const;

signals:
    // The duration has elapsed and generation has stopped; connections stay open until stop().
    void finished();

private:
    // The stream names of one market, and its depth changes not yet sent on the slow stream.
    struct MarketStreams
    {
        std::string trades; // "btcusdt@trade"
        std::string depthFast; // "btcusdt@depth@100ms"
        std::string depthSlow; // "btcusdt@depth"
        std::optional<SimulatedMarket::DepthEvent> slowPending;
    };

    void onNewConnection();
    void acceptClient(QWebSocket *socket);
    void removeClient(QWebSocket *socket);
    binance_json::TimeUnit defaultTimeUnit() const;

    void onTradeTick();
    void onDepthTick();
    void onPingTick();
    void generateTrades(std::chrono::nanoseconds until);
    void flushSlowDepth(std::size_t market);
    void runDueFaults(std::chrono::nanoseconds elapsed);
    void inject(const Fault &fault, std::chrono::nanoseconds elapsed);
    std::size_t marketIndex(const std::string &symbol) const;
    void beginGenerating();
    void finishGenerating();

    template<typename AppendEvent>
    void publish(std::size_t market, BinanceConnection::Stream stream, std::string_view streamName,
        const AppendEvent &appendEvent);
    void releaseHeldFrames();
    bool stalled() const { return m_stalledUntil.has_value(); }

    Options m_options;
    std::vector<SimulatedMarket> m_markets;
    std::vector<MarketStreams> m_streams; // parallel to m_markets
    BinanceConnection::StreamIndex m_streamsByName;
    std::unique_ptr<BinanceRestApi> m_restApi;
    HttpServer *m_http = nullptr;
    QWebSocketServer *m_server = nullptr;
    std::vector<std::unique_ptr<BinanceConnection>> m_clients;

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
    std::string m_frame; // reused for every frame

    std::int64_t m_connections = 0;
    std::int64_t m_drops = 0;
    std::int64_t m_slowClientsDropped = 0;
    std::int64_t m_malformedFramesSent = 0;
};

} // namespace tickscope::sim
