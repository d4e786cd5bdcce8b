// One client of a simulated exchange: its WebSocket and the frames a stall holds back. Each
// exchange's simulator derives its own client that remembers what was subscribed and in which
// form; ExchangeSimulator owns the clients.
#pragma once

#include <QString>
#include <string_view>
#include <vector>

class QWebSocket;

namespace tickscope::sim {

class SimulatedClient
{
public:
    explicit SimulatedClient(QWebSocket *socket)
        : m_socket(socket)
    { }
    virtual ~SimulatedClient() = default;
    SimulatedClient(const SimulatedClient &) = delete;
    SimulatedClient &operator=(const SimulatedClient &) = delete;

    QWebSocket *socket() const { return m_socket; }

    // Sends a text frame now, or keeps it for releaseHeld() while `hold`.
    void send(std::string_view frame, bool hold);
    void releaseHeld();

private:
    QWebSocket *m_socket; // a child of the simulator
    std::vector<QString> m_held;
};

} // namespace tickscope::sim
