#include "app/services/gap_monitor.h"

#include "app/model/wall_clock.h"
#include "db/connection.h"
#include "db/gap_queries.h"

#include <QTimer>
#include <algorithm>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

std::optional<std::string> filterText(const QString &text)
{
    return text.trimmed().isEmpty() ? std::nullopt : std::optional(text.trimmed().toStdString());
}

// Since UTC midnight, from the same queries as the ledger.
std::vector<model::ExchangeDay> exchangeDays(pqxx::connection &connection, std::int64_t nowNs)
{
    constexpr std::int64_t kDayNs = 86'400'000'000'000;
    const std::int64_t midnight = nowNs - nowNs % kDayNs;
    std::vector<model::ExchangeDay> days;
    auto dayOf = [&days](const std::string &exchange) -> model::ExchangeDay & {
        const auto found = std::ranges::find(days, exchange, &model::ExchangeDay::exchange);
        return found != days.end() ? *found : days.emplace_back(model::ExchangeDay{exchange});
    };
    for (const auto &gap : db::listGaps(connection, {.sinceNs = midnight, .limit = 100'000})) {
        auto &day = dayOf(gap.exchange);
        ++day.gaps;
        day.openGaps += gap.status == "open" ? 1 : 0;
    }
    for (const auto &stream : db::bookIntegrity(connection, {}, {}, midnight, nowNs)) {
        const auto &totals = stream.totals;
        dayOf(stream.exchange).integrityFailures
            += totals.checksumFailures + totals.sequenceBreaks + totals.crossedBooks;
    }
    return days;
}

} // namespace

GapMonitor::GapMonitor()
{
    qRegisterMetaType<model::GapLedger>();
    qRegisterMetaType<std::vector<model::ExchangeDay>>();
}

GapMonitor::~GapMonitor() = default;

void GapMonitor::start(const QString &conninfo)
{
    m_conninfo = conninfo.toStdString();
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, &GapMonitor::refresh);
        m_timer->start(kPollInterval);
    }
    refresh();
}

void GapMonitor::setFilter(const QString &exchange, const QString &symbol, bool openOnly, int days)
{
    m_exchange = exchange;
    m_symbol = symbol;
    m_openOnly = openOnly;
    m_days = std::max(1, days);
    refresh();
}

void GapMonitor::refresh()
{
    if (m_conninfo.empty())
        return;
    model::GapLedger ledger;
    ledger.toNs = model::wallClockNs();
    ledger.fromNs = ledger.toNs - std::int64_t{m_days} * 86'400'000'000'000;
    try {
        if (!m_connection || !m_connection->is_open())
            m_connection
                = std::make_unique<pqxx::connection>(db::connect(m_conninfo, "console gaps"));
        ledger.gaps = db::listGaps(*m_connection,
            {.exchange = filterText(m_exchange),
                .symbol = filterText(m_symbol),
                .status = m_openOnly ? std::optional<std::string>("open") : std::nullopt,
                .sinceNs = ledger.fromNs,
                .limit = 5000});
        ledger.days = db::dailyCompleteness(*m_connection, filterText(m_exchange),
            filterText(m_symbol), ledger.fromNs, ledger.toNs);
        ledger.integrity = db::bookIntegrity(*m_connection, filterText(m_exchange),
            filterText(m_symbol), ledger.fromNs, ledger.toNs);
        emit dayChanged(exchangeDays(*m_connection, ledger.toNs));
    } catch (const std::exception &error) {
        m_connection.reset();
        spdlog::warn("gap monitor: {}", error.what());
        ledger.error = error.what();
    }
    emit ledgerChanged(ledger);
}

void GapMonitor::shutdown()
{
    if (m_timer)
        m_timer->stop();
    m_connection.reset();
}

} // namespace tickscope::app
