// The Gaps page's reader, on the monitor thread: the recorded gaps of the chosen window and its
// daily completeness ledger (db/gap_queries), as the reader role, on a timer and whenever the
// page's filter changes; and each exchange's day so far, for the Live page.
#pragma once

#include "app/model/gap_ledger.h"

#include <QObject>
#include <QString>
#include <chrono>
#include <memory>

class QTimer;

namespace pqxx {
class connection;
}

namespace tickscope::app {

class GapMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr std::chrono::seconds kPollInterval{30};

    GapMonitor();
    ~GapMonitor() override;

public slots:
    // Starts reading the database at `conninfo`.
    void start(const QString &conninfo);
    // The window (the last `days` days up to now) and filters; empty strings: all.
    void setFilter(const QString &exchange, const QString &symbol, bool openOnly, int days);
    void refresh();
    void shutdown();

signals:
    void ledgerChanged(const tickscope::model::GapLedger &ledger);
    // Each exchange's gaps and book-integrity failures since UTC midnight, whatever the filter.
    void dayChanged(const std::vector<tickscope::model::ExchangeDay> &days);

private:
    std::string m_conninfo;
    std::unique_ptr<pqxx::connection> m_connection;
    QTimer *m_timer = nullptr;
    QString m_exchange;
    QString m_symbol;
    bool m_openOnly = false;
    int m_days = 7;
};

} // namespace tickscope::app
