// The Book page's reader, on the monitor thread: the chosen instrument's book rebuilt from the
// stored snapshots and deltas (db::BookRebuild), either as of a past instant (once) or live,
// advanced by what was stored since, four times a second. As the reader role.
#pragma once

#include "app/model/book_ladder.h"

#include <QObject>
#include <QString>
#include <chrono>
#include <memory>
#include <optional>

class QTimer;

namespace pqxx {
class connection;
}

namespace tickscope::db {
class BookRebuild;
}

namespace tickscope::app {

class BookMonitor : public QObject
{
    Q_OBJECT
public:
    static constexpr int kDepth = 20; // levels a side
    static constexpr std::chrono::milliseconds kLiveInterval{250};

    BookMonitor();
    ~BookMonitor() override;

public slots:
    void start(const QString &conninfo);
    // `asOfNs` 0: live.
    void choose(const QString &exchange, const QString &symbol, qint64 asOfNs);
    void refresh();
    void shutdown();

signals:
    void ladderChanged(const tickscope::model::BookLadder &ladder);

private:
    std::string m_conninfo;
    std::unique_ptr<pqxx::connection> m_connection;
    std::unique_ptr<db::BookRebuild> m_book; // the live one, kept between refreshes
    QTimer *m_timer = nullptr;
    QString m_exchange;
    QString m_symbol;
    qint64 m_asOfNs = 0;
};

} // namespace tickscope::app
