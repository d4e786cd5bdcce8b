#include "app/services/book_monitor.h"

#include "app/model/wall_clock.h"
#include "db/book_queries.h"
#include "db/connection.h"
#include "db/trade_queries.h"

#include <QTimer>
#include <spdlog/spdlog.h>

namespace tickscope::app {

BookMonitor::BookMonitor()
{
    qRegisterMetaType<model::BookLadder>();
}

BookMonitor::~BookMonitor() = default;

void BookMonitor::start(const QString &conninfo)
{
    m_conninfo = conninfo.toStdString();
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, &BookMonitor::refresh);
    }
    refresh();
}

void BookMonitor::choose(const QString &exchange, const QString &symbol, qint64 asOfNs)
{
    m_exchange = exchange;
    m_symbol = symbol;
    m_asOfNs = asOfNs;
    m_book.reset();
    refresh();
}

void BookMonitor::refresh()
{
    if (m_conninfo.empty() || m_symbol.isEmpty())
        return;
    const bool live = m_asOfNs == 0;
    if (m_timer) {
        if (live && !m_timer->isActive())
            m_timer->start(kLiveInterval);
        else if (!live)
            m_timer->stop();
    }
    model::BookLadder ladder;
    try {
        if (!m_connection || !m_connection->is_open())
            m_connection
                = std::make_unique<pqxx::connection>(db::connect(m_conninfo, "console book"));
        const std::int64_t until = live ? model::wallClockNs() : m_asOfNs;
        bool changed = true;
        if (m_book) {
            changed = m_book->advance(*m_connection, until);
        } else {
            const auto instrument = db::findInstrument(
                *m_connection, m_exchange.toStdString(), m_symbol.toStdString());
            if (!instrument)
                throw std::runtime_error("no instrument " + m_symbol.toStdString() + " of "
                    + m_exchange.toStdString() + " is stored");
            auto book = db::BookRebuild::asOf(*m_connection, *instrument, until);
            if (!book)
                throw std::runtime_error(live ? "no book snapshot stored yet"
                                              : "no book snapshot had been received by then");
            m_book = std::make_unique<db::BookRebuild>(std::move(*book));
        }
        if (!changed)
            return;
        ladder = m_book->ladder(kDepth);
    } catch (const std::exception &error) {
        if (!m_connection || !m_connection->is_open())
            m_connection.reset();
        m_book.reset();
        spdlog::debug("book monitor: {}", error.what());
        ladder.error = error.what();
    }
    ladder.exchange = m_exchange.toStdString();
    ladder.symbol = m_symbol.toStdString();
    ladder.asOfNs = m_asOfNs;
    emit ladderChanged(ladder);
}

void BookMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
    m_book.reset();
    m_connection.reset();
}

} // namespace tickscope::app
