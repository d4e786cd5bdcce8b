// One client of the simulated Binance exchange: its WebSocket, the streams it asked for (in the
// URL or with SUBSCRIBE), the form it wants them in (raw or combined, ms or µs), the answers to
// its control messages. BinanceSimulator decides what to send; the connection knows how.
#pragma once

#include "app/sim/binance_json.h"
#include "app/sim/simulated_client.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <algorithm>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

class QWebSocket;

namespace tickscope::sim {

class BinanceConnection : public SimulatedClient
{
public:
    enum Stream : std::uint8_t { kTrades = 1, kDepthFast = 2, kDepthSlow = 4, kAggTrades = 8 };
    // Stream name ("btcusdt@trade") -> the index of its market and its kind.
    using StreamIndex = QHash<QString, std::pair<std::size_t, Stream>>;

    // Reads what the client asked for from its request URL: /ws, /ws/<stream> or
    // /stream?streams=a/b, and timeUnit. The error, for the close frame, when Binance would have
    // refused. `index` must outlive the connection.
    static std::expected<std::unique_ptr<BinanceConnection>, QString> accept(QWebSocket *socket,
        const StreamIndex &index, std::size_t markets, binance_json::TimeUnit defaultUnit);

    bool combined() const { return m_combined; }
    binance_json::TimeUnit timeUnit() const { return m_timeUnit; }
    bool receives(std::size_t market, Stream stream) const
    {
        return (m_streams[market] & stream) != 0;
    }
    bool receivesTrades() const
    {
        return std::ranges::any_of(
            m_streams, [](std::uint8_t bits) { return bits & (kTrades | kAggTrades); });
    }

    // The reply to a control message: {"result":..,"id":..} for SUBSCRIBE, UNSUBSCRIBE and
    // LIST_SUBSCRIPTIONS, or Binance's {"code":..,"msg":..,"id":..} error.
    std::string answer(const QString &message);

private:
    BinanceConnection(QWebSocket *socket, const StreamIndex &index, std::size_t markets);
    void subscribe(const QStringList &streams, bool add);

    const StreamIndex &m_index;
    bool m_combined = false; // payloads wrapped as {"stream":..,"data":..}
    binance_json::TimeUnit m_timeUnit = binance_json::TimeUnit::Milliseconds;
    QStringList m_subscriptions; // as requested, known streams or not
    std::vector<std::uint8_t> m_streams; // per market: the Stream bits it receives
};

} // namespace tickscope::sim
