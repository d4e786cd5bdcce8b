#include "app/sim/simulated_client.h"

#include <QWebSocket>

namespace tickscope::sim {

void SimulatedClient::send(std::string_view frame, bool hold)
{
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    QString text = QString::fromUtf8(frame.data(), static_cast<qsizetype>(frame.size()));
    if (hold)
        m_held.push_back(std::move(text));
    else
        m_socket->sendTextMessage(text);
}

void SimulatedClient::releaseHeld()
{
    for (const QString &frame : m_held)
        m_socket->sendTextMessage(frame);
    m_held.clear();
}

} // namespace tickscope::sim
